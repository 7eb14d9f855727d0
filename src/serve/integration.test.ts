/**
 * The server end to end with a REAL model trained by src/train on a synthetic workbook, a real
 * registry in a temp dir, `startServer` as `defasagem serve` runs it, and a real socket.
 */
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { promoteVersion, registerVersion, rollbackVersion } from '../registry/index.js';
import { hashKey } from './auth.js';
import { loadServerSettings, type RunningServer, startServer } from './server.js';
import { trainRealArtifacts } from './testing/real-model.js';
import { collectingLogger } from './testing/support.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-serve-it-'));
const registryDir = path.join(root, 'registry');
let artifactsA = '';
let artifactsB = '';
let example: Record<string, unknown> = {};

const settingsFor = (env: Record<string, string>) =>
  loadServerSettings({
    REGISTRY_DIR: registryDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    RELOAD_POLL_SECONDS: '0.2',
    // The load loops below send thousands of requests a second: the limiter is not what they test.
    RATE_LIMIT_MAX: '100000000',
    ...env,
  });

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const force = { force: true, reason: 'integration test (small training config)' };

beforeAll(async () => {
  artifactsA = await trainRealArtifacts(root, 1);
  artifactsB = await trainRealArtifacts(root, 2);
  await registerVersion(registryDir, { artifacts: artifactsA, version: 'v1.0.0' });
  await registerVersion(registryDir, { artifacts: artifactsB, version: 'v1.1.0' });
  await promoteVersion(registryDir, { version: 'v1.0.0', expectCurrent: 'none', ...force });
  example = JSON.parse(
    readFileSync(path.join(artifactsA, 'model_signature_v1.json'), 'utf8'),
  ).example_request;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('serve with a real trained model, MODEL_VERSION=champion', () => {
  let server: RunningServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion' }),
      logger: collectingLogger(lines),
    });
  });
  afterAll(async () => server.close());

  const post = (p: string, body: unknown) =>
    fetch(server.url + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('is ready with the champion and predicts with real factors', async () => {
    const ready = await (await fetch(`${server.url}/ready`)).json();
    expect(ready).toMatchObject({ ready: true, model_version: 'v1.0.0' });
    const r = await post('/predict', example);
    expect(r.status).toBe(200);
    const p = (await r.json()) as Record<string, unknown> & { top_factors: Array<Record<string, unknown>> };
    expect(p.model_version).toBe('v1.0.0');
    expect(['alto', 'medio', 'baixo']).toContain(p.risk_band);
    expect(p.top_factors.length).toBeGreaterThan(0);
    expect(p.top_factors[0]).toHaveProperty('label');
    const batch = await post('/predict', { instances: [example, { ...example, defasagem: -3 }] });
    expect(((await batch.json()) as { predictions: unknown[] }).predictions).toHaveLength(2);
  });

  it('metadata carries the real threshold, bands and metrics, and no filesystem path', async () => {
    const text = await (await fetch(`${server.url}/metadata`)).text();
    const m = JSON.parse(text);
    expect(m.threshold).toBeGreaterThan(0);
    expect(m.risk_bands.medio).toBeCloseTo(m.threshold);
    expect(m.risk_bands.alto).toBeGreaterThanOrEqual(m.threshold);
    expect(m.metrics.test.roc_auc).toBeGreaterThan(0);
    expect(text).not.toContain(root);
    expect(text).not.toContain(os.tmpdir());
  });

  it('GET /models lists the registered versions and the champion', async () => {
    const m = (await (await fetch(`${server.url}/models`)).json()) as {
      registry: { champion: { version: string }; versions: Array<{ version: string }> };
    };
    expect(m.registry.champion.version).toBe('v1.0.0');
    expect(m.registry.versions.map((v) => v.version)).toEqual(['v1.0.0', 'v1.1.0']);
  });

  it('promotions and rollbacks under load: zero failed requests, both versions served', async () => {
    const body = JSON.stringify(example);
    let stop = false;
    const failures: string[] = [];
    const seen = new Map<string, number>();
    const worker = async () => {
      while (!stop) {
        try {
          const r = await fetch(`${server.url}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const j = (await r.json()) as { model_version?: string };
          if (r.status !== 200) failures.push(String(r.status));
          else seen.set(j.model_version!, (seen.get(j.model_version!) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    // Bounded: three round trips v1.0.0 → v1.1.0 → v1.0.0, each served for a moment.
    for (let i = 0; i < 3; i++) {
      await promoteVersion(registryDir, { version: 'v1.1.0', expectCurrent: 'v1.0.0', ...force });
      await until(() => server.holder.current?.version === 'v1.1.0');
      await new Promise((r) => setTimeout(r, 100));
      await rollbackVersion(registryDir, {
        reason: 'integration test rollback',
        expectCurrent: 'v1.1.0',
        force: true,
      });
      await until(() => server.holder.current?.version === 'v1.0.0');
      await new Promise((r) => setTimeout(r, 100));
    }
    stop = true;
    await Promise.all(workers);
    expect(failures).toEqual([]);
    expect(seen.get('v1.0.0')).toBeGreaterThan(0);
    expect(seen.get('v1.1.0')).toBeGreaterThan(0);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/defasagem_model_reloads_total\{result="success"\} ([7-9]|\d\d)/);
    expect(metrics).toContain('defasagem_model_info{version="v1.0.0"');
  });

  it('OIP v2 pinned to the loaded version answers; another version is a clear 404', async () => {
    const inputs = Object.entries(example).map(([name, v]) => ({
      name,
      datatype: typeof v === 'string' ? 'BYTES' : 'FP64',
      shape: [1],
      data: [v],
    }));
    const ok = await post('/v2/models/defasagem/versions/v1.0.0/infer', { inputs });
    expect(ok.status).toBe(200);
    const single = (await (await post('/predict', example)).json()) as { risk_score: number };
    const out = (await ok.json()) as { outputs: Array<{ name: string; data: number[] }> };
    expect(out.outputs.find((o) => o.name === 'risk_score')!.data[0]).toBe(single.risk_score);
    const other = await post('/v2/models/defasagem/versions/v1.1.0/infer', { inputs });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { code: string }).code).toBe('DEF_ERR_API_VERSION_NOT_LOADED');
  });

  it('drains an in-flight request on close (graceful shutdown)', async () => {
    const extra = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion' }),
      logger: collectingLogger([]),
    });
    const { port } = new URL(extra.url);
    const body = JSON.stringify(example);
    // Close once the server has the request's headers (not after a fixed delay: on a busy machine the
    // connection may not even be accepted yet, and close would then refuse it rather than drain it).
    const received = new Promise<void>((r) => extra.app.server.once('request', () => r()));
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/predict',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      // Half the body now, the rest after shutdown has begun: the request is in flight during close.
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 200);
    });
    await received;
    const closing = extra.close('test');
    expect(await answer).toBe(200);
    await closing;
    await expect(fetch(`${extra.url}/health`)).rejects.toThrow();
  });

  it('a tampered version is refused: the old model keeps serving and /ready says why', async () => {
    // Corrupt v1.1.0 on disk, then point champion.json at it by hand (promote would refuse).
    const model = path.join(registryDir, 'v1.1.0', 'model.json');
    chmodSync(model, 0o644);
    writeFileSync(model, `${readFileSync(model, 'utf8')} `);
    const championFile = path.join(registryDir, 'champion.json');
    const original = readFileSync(championFile, 'utf8');
    const tmp = `${championFile}.tmp-test`;
    writeFileSync(tmp, JSON.stringify({ ...JSON.parse(original), version: 'v1.1.0' }));
    renameSync(tmp, championFile);
    await until(() => server.holder.lastFailure !== null);
    expect(server.holder.current?.version).toBe('v1.0.0');
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as {
      ready: boolean;
      last_reload_error: { code: string };
    };
    expect(ready.ready).toBe(true);
    expect(ready.last_reload_error.code).toBe('DEF_ERR_REGISTRY_INTEGRITY_FAILED');
    expect((await post('/predict', example)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/defasagem_model_reloads_total\{result="failure"\} [1-9]/);
    expect(lines.join('')).toContain('model reload failed, still serving v1.0.0');
    // Pointing back at the served version clears the warning.
    writeFileSync(tmp, original);
    renameSync(tmp, championFile);
    await until(() => server.holder.lastFailure === null);
  });

  it('no log line carries what clients sent', async () => {
    await post('/predict', { ...example, nome: 'Maria Aparecida', cpf: '123.456.789-09' });
    await post('/predict', { ...example, genero: 'Maria Aparecida' });
    const all = lines.join('');
    expect(all).not.toContain('Maria');
    expect(all).not.toContain('123.456');
    expect(all).toContain('request rejected');
  });
});

describe('serve start-up policies with a real registry', () => {
  it('a pinned MODEL_VERSION serves exactly that version, or nothing', async () => {
    const server = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'v1.1.0', REGISTRY_DIR: path.join(root, 'reg-pin') }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    // A registry without v1.1.0: refused, not-ready (default), never another version.
    expect(isAppError(server)).toBe(false);
    const s = server as RunningServer;
    const ready = await fetch(`${s.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reason: string }).reason).toContain('v1.1.0');
    await s.close();

    const good = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'v1.0.0' }),
      logger: collectingLogger([]),
    });
    expect(good.holder.current?.version).toBe('v1.0.0');
    await good.close();
  });

  it('ON_MODEL_ERROR=exit refuses to start without a champion; not-ready waits for the first promotion', async () => {
    const empty = path.join(root, 'reg-empty');
    const err = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion', REGISTRY_DIR: empty, ON_MODEL_ERROR: 'exit' }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    expect(isAppError(err)).toBe(true);
    expect(err.code).toBe('DEF_ERR_API_MODEL_LOAD_FAILED');
    expect(err.message).toContain('champion');

    const lines: string[] = [];
    const waiting = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion', REGISTRY_DIR: empty }),
      logger: collectingLogger(lines),
    });
    expect((await fetch(`${waiting.url}/ready`)).status).toBe(503);
    expect(lines.join('')).toContain('NOT READY');
    await registerVersion(empty, { artifacts: artifactsA, version: 'v1.0.0' });
    await promoteVersion(empty, { version: 'v1.0.0', expectCurrent: 'none', ...force });
    await until(async () => (await fetch(`${waiting.url}/ready`)).status === 200);
    await waiting.close();
  });

  it('MODEL_VERSION empty serves the development files, named by content', async () => {
    const s = await startServer({
      settings: settingsFor({
        MODEL_VERSION: '',
        MODEL_PATH: path.join(artifactsA, 'model_v1.json'),
        METADATA_PATH: path.join(artifactsA, 'model_metadata_v1.json'),
        SIGNATURE_PATH: path.join(artifactsA, 'model_signature_v1.json'),
      }),
      logger: collectingLogger([]),
    });
    expect(s.holder.current?.version).toMatch(/^dev-[0-9a-f]{12}$/);
    expect(s.holder.current?.source).toBe('dev');
    await s.close();
    const missing = await startServer({
      settings: settingsFor({
        MODEL_VERSION: '',
        MODEL_PATH: path.join(root, 'nope.json'),
        ON_MODEL_ERROR: 'exit',
      }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    expect(missing.code).toBe('DEF_ERR_API_MODEL_LOAD_FAILED');
    expect(missing.message).toContain('MODEL_PATH');
  });

  it('refuses to listen off loopback without API keys', async () => {
    const err = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion', HOST: '0.0.0.0' }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    expect(err.code).toBe('DEF_ERR_API_AUTH_REQUIRED_OFF_LOOPBACK');
  });

  it('a busy port is a clear error', async () => {
    const first = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion' }),
      logger: collectingLogger([]),
    });
    const port = new URL(first.url).port;
    const err = await startServer({
      settings: settingsFor({ MODEL_VERSION: 'champion', PORT: port }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    expect(err.code).toBe('DEF_ERR_API_PORT_IN_USE');
    await first.close();
  });

  it('an unresolvable host is a clear error, not an internal one', async () => {
    const err = await startServer({
      settings: settingsFor({
        MODEL_VERSION: 'champion',
        HOST: 'no-such-host.invalid',
        API_KEYS: `${hashKey('k')}:predict`,
      }),
      logger: collectingLogger([]),
    }).catch((e) => e);
    expect(isAppError(err)).toBe(true);
    expect(err.code).toBe('DEF_ERR_API_HOST_INVALID');
    expect(err.message).toContain('"no-such-host.invalid"');
    expect(err.spec.exit).toBe(2);
  });
});
