/**
 * Monitoring wired into the real server: a model trained for real, registered with its baseline,
 * served by `startServer` on loopback with monitoring in a temp folder. Predictions and requests reach
 * the event store through the one observation point and the response hook; GET /monitoring/* answer
 * from it; the baseline follows hot swaps and is refused when it belongs to another model.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastDays, openSqliteStore } from '../../monitor/index.js';
import { promoteVersion, registerVersion } from '../../registry/index.js';
import { hashKey } from '../auth.js';
import type { PredictionEvent } from '../observe.js';
import { observationOf } from '../runner/monitoring.js';
import type { RunningServer } from '../server.js';
import {
  type MonitoredRegistry,
  monitoredRegistry,
  postJson,
  startMonitored,
} from '../testing/monitoring.js';
import { collectingLogger } from '../testing/support.js';

let reg: MonitoredRegistry;
const dataDir = () => reg.dataDir();
const force = { force: true, reason: 'monitoring test (small training config)' };

beforeAll(async () => {
  reg = await monitoredRegistry(1);
  await promoteVersion(reg.registryDir, { version: 'v1.0.0', expectCurrent: 'none', ...force });
}, 120_000);
afterAll(() => reg?.cleanup());

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `n` students around the signature's example, different enough to land in several bins. */
function students(n: number, offset = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return {
      ...reg.example,
      ida: ((i * 37) % 100) / 10,
      ieg: ((i * 53) % 100) / 10,
      defasagem: (i % 5) - 3,
      genero: i % 2 ? 'feminino' : 'masculino',
    };
  });
}

describe('GET /monitoring/* on a real server', () => {
  let server: RunningServer;
  const bands = { alto: 0, medio: 0, baixo: 0 };
  let flagged = 0;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dataDir(),
      env: { MODEL_VERSION: 'champion' },
      logger: collectingLogger(lines),
    });
    const answers: { risk_label: number; risk_band: keyof typeof bands }[] = [];
    for (const s of students(20))
      answers.push((await (await postJson(`${server.url}/predict`, s)).json()) as (typeof answers)[number]);
    for (const offset of [20, 30]) {
      const r = await postJson(`${server.url}/predict`, { instances: students(10, offset) });
      answers.push(...((await r.json()) as { predictions: typeof answers }).predictions);
    }
    for (const a of answers) {
      bands[a.risk_band]++;
      flagged += a.risk_label;
    }
    await server.monitoring!.monitor.flush();
  }, 60_000);
  afterAll(async () => server?.close());

  const get = async (p: string) => {
    const r = await fetch(server.url + p);
    return {
      status: r.status,
      type: r.headers.get('content-type'),
      csp: r.headers.get('content-security-policy'),
      text: await r.text(),
    };
  };
  const json = async (p: string) => JSON.parse((await get(p)).text);

  it('drift of the served version, from the events of its 40 students, on its own baseline', async () => {
    const r = await json('/monitoring/drift?last_days=1');
    expect(r.model_version).toBe('v1.0.0');
    expect(r.records).toBe(40);
    expect(r.calls).toBe(22);
    // Fewer than MONITOR_DRIFT_MIN_RECORDS (200): PSI is reported, the verdict waits for more students.
    expect(r.status).toBe('insufficient');
    expect(r.fields.find((f: { field: string }) => f.field === 'ieg').values.current).toBe(40);
    expect(r.positive_rate.current).toBeCloseTo(flagged / 40, 12);
    const html = await get('/monitoring/drift?format=html');
    expect(html.status).toBe(200);
    expect(html.type).toMatch(/^text\/html/);
    expect(html.csp).toContain("default-src 'none'");
    expect(html.text).toContain('Monitoramento de drift — modelo v1.0.0');
    expect(html.text).not.toMatch(/<script|(src|href)=["']?https?:/);
  });

  it('service health per endpoint, with the event queue counters', async () => {
    const r = await json('/monitoring/slo');
    const predict = r.endpoints.find((e: { endpoint: string }) => e.endpoint === '/predict');
    expect(predict.requests).toBe(22);
    expect(predict.status['2xx']).toBe(22);
    expect(predict.error_rate).toBe(0);
    expect(predict.latency_ms.p50).toBeGreaterThan(0);
    expect(predict.latency_ms.p99).toBeGreaterThanOrEqual(predict.latency_ms.p50);
    expect(r.recorder.mode).toBe('aggregate_only');
    expect(Object.values(r.recorder.dropped).every((n) => n === 0)).toBe(true);
  });

  it('hourly series count exactly what the clients were answered', async () => {
    const s = await json('/monitoring/series?last_days=1');
    expect(s.hours.length).toBeGreaterThanOrEqual(24);
    const sum = (k: string) => s.hours.reduce((a: number, h: Record<string, number>) => a + h[k]!, 0);
    expect(sum('students')).toBe(40);
    expect(sum('flagged')).toBe(flagged);
    const band = (b: string) =>
      s.hours.reduce((a: number, h: { bands: Record<string, number> }) => a + h.bands[b]!, 0);
    expect({ alto: band('alto'), medio: band('medio'), baixo: band('baixo') }).toEqual(bands);
    expect(s.model_versions).toEqual(['v1.0.0']);
  });

  it('outcomes: null until `monitor outcomes` saves a report (the page then says "not known yet")', async () => {
    const r = await get('/monitoring/outcomes');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.text).toBe('null');
  });

  it('the dashboard sees the monitoring endpoints and asks for them', async () => {
    const config = await json('/dashboard/config');
    expect(config.features).toMatchObject({ drift: true, slo: true, outcomes: true });
  });

  it('bad queries are catalogue errors that name the parameter', async () => {
    const code = async (p: string) => {
      const r = await get(p);
      return [r.status, JSON.parse(r.text).error.code];
    };
    expect(await code('/monitoring/drift?last_days=0')).toEqual([400, 'DEF_ERR_MONITOR_WINDOW_INVALID']);
    expect(await code('/monitoring/slo?last_days=31')).toEqual([400, 'DEF_ERR_MONITOR_WINDOW_INVALID']);
    expect(await code('/monitoring/series?last_days=1.5')).toEqual([400, 'DEF_ERR_MONITOR_WINDOW_INVALID']);
    expect(await code('/monitoring/slo?since=yesterday')).toEqual([400, 'DEF_ERR_MONITOR_QUERY_INVALID']);
    expect(await code('/monitoring/slo?last_days=1&last_days=2')).toEqual([
      400,
      'DEF_ERR_MONITOR_QUERY_INVALID',
    ]);
    expect(await code('/monitoring/drift?format=xml')).toEqual([400, 'DEF_ERR_MONITOR_QUERY_INVALID']);
    expect(await code('/monitoring/outcomes?last_days=7')).toEqual([400, 'DEF_ERR_MONITOR_QUERY_INVALID']);
    expect(await code('/monitoring/drift?model_version=../../etc')).toEqual([
      400,
      'DEF_ERR_MONITOR_QUERY_INVALID',
    ]);
    expect(await code('/monitoring/drift?model_version=v9.9.9')).toEqual([
      404,
      'DEF_ERR_MONITOR_BASELINE_NOT_FOUND',
    ]);
  });

  it('a hot swap registers the new version with its baseline; a baseline of another model is refused', async () => {
    // v1.1.0: the second model with its own baseline. v1.2.0: the second model with v1.0.0's baseline.
    await registerVersion(reg.registryDir, { artifacts: reg.artifacts[1]!, version: 'v1.1.0' });
    const wrong = path.join(reg.root, 'wrong-baseline');
    cpSync(reg.artifacts[1]!, wrong, { recursive: true });
    cpSync(path.join(reg.artifacts[0]!, 'baseline_v1.json'), path.join(wrong, 'baseline_v1.json'));
    await registerVersion(reg.registryDir, { artifacts: wrong, version: 'v1.2.0' });

    const serving = (v: string) => async () =>
      ((await (await fetch(`${server.url}/ready`)).json()) as { model_version?: string }).model_version === v;
    await promoteVersion(reg.registryDir, { version: 'v1.1.0', expectCurrent: 'v1.0.0', ...force });
    await until(serving('v1.1.0'));
    for (const s of students(5, 100)) expect((await postJson(`${server.url}/predict`, s)).status).toBe(200);
    await server.monitoring!.monitor.flush();
    const d11 = await json('/monitoring/drift?model_version=v1.1.0');
    expect(d11.records).toBe(5);
    expect((await json('/monitoring/drift?model_version=v1.0.0')).records).toBe(40);

    await promoteVersion(reg.registryDir, { version: 'v1.2.0', expectCurrent: 'v1.1.0', ...force });
    await until(serving('v1.2.0'));
    // Monitoring cannot use that baseline; the predictions are unaffected.
    expect((await postJson(`${server.url}/predict`, students(1)[0])).status).toBe(200);
    const r = await get('/monitoring/drift');
    expect(r.status).toBe(409);
    expect(JSON.parse(r.text).error.code).toBe('DEF_ERR_MONITOR_BASELINE_MISMATCH');
    expect(lines.some((l) => l.includes('monitoring_baseline_unavailable') && l.includes('v1.2.0'))).toBe(
      true,
    );
    await promoteVersion(reg.registryDir, { version: 'v1.0.0', expectCurrent: 'v1.2.0', ...force });
    await until(serving('v1.0.0'));
  }, 60_000);
});

describe('monitoring start-up, access and shutdown', () => {
  it('pseudonymised mode without a secret refuses to start, before listening or creating anything', async () => {
    const dir = path.join(dataDir(), 'events');
    await expect(
      startMonitored({
        registryDir: reg.registryDir,
        dataDir: dir,
        monitor: { privacyMode: 'pseudonymised' },
      }),
    ).rejects.toMatchObject({ code: 'DEF_ERR_MONITOR_SECRET_MISSING' });
    expect(existsSync(dir)).toBe(false);
  });

  it('needs a key when keys are configured (the predict role reads)', async () => {
    const key = 'k'.repeat(40);
    const server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dataDir(),
      env: { API_KEYS: `${hashKey(key)}:predict` },
    });
    try {
      for (const p of ['slo', 'series', 'outcomes']) {
        expect((await fetch(`${server.url}/monitoring/${p}`)).status).toBe(401);
        const ok = await fetch(`${server.url}/monitoring/${p}`, { headers: { 'x-api-key': key } });
        expect(ok.status).toBe(200);
      }
      expect((await fetch(`${server.url}/monitoring/drift`)).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('graceful shutdown writes the events still queued', async () => {
    const dir = dataDir();
    // No flush would happen by itself for ten minutes, nor by batch size.
    const server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dir,
      monitor: { flushIntervalMs: 600_000, batchSize: 10_000, queueMax: 20_000 },
    });
    for (const s of students(7)) expect((await postJson(`${server.url}/predict`, s)).status).toBe(200);
    expect(server.monitoring!.monitor.stats().written).toBe(0);
    await server.close();
    const store = await openSqliteStore({ dataDir: dir, readonly: true });
    const counts = await store.predictionCounts(lastDays(1));
    await store.close();
    expect(counts.filter((c) => c.series === 'records').reduce((a, c) => a + c.n, 0)).toBe(7);
  });

  it('MONITOR_PRIVACY_MODE=off: nothing is recorded and the reads say so', async () => {
    const dir = path.join(dataDir(), 'events');
    const server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dir,
      monitor: { privacyMode: 'off' },
    });
    try {
      expect((await postJson(`${server.url}/predict`, reg.example)).status).toBe(200);
      for (const p of ['drift', 'slo', 'series', 'outcomes']) {
        const r = await fetch(`${server.url}/monitoring/${p}`);
        expect(r.status, p).toBe(409);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe(
          'DEF_ERR_MONITOR_MONITORING_OFF',
        );
      }
    } finally {
      await server.close();
    }
    expect(existsSync(dir)).toBe(false);
  });
});

describe('what monitoring receives from the observation point', () => {
  const event = (via: string, extra: Record<string, unknown> = {}) =>
    ({
      modelVersion: 'v1.0.0',
      records: [{ ...reg.example }],
      scores: [0.7],
      labels: [1],
      requestId: 'req-42',
      at: 1,
      via,
      ...extra,
    }) as unknown as PredictionEvent;
  const bands = { version: 'v1.0.0', bands: { alto: 0.6, medio: 0.3 } };

  it('a fixed list of fields: never the request id or anything else the event carries', () => {
    const o = observationOf(event('predict', { ids: ['aluno-1'], ras: ['RA-1'] }), true, bands);
    expect(Object.keys(o).sort()).toEqual([
      'at',
      'bandCuts',
      'endpoint',
      'labels',
      'modelVersion',
      'records',
      'scores',
    ]);
    expect(o.endpoint).toBe('predict');
    expect(o.bandCuts).toEqual(bands.bands);
    // Band cut-offs of another version than the event's are not used.
    expect(observationOf(event('v2'), false, { ...bands, version: 'v9.0.0' }).bandCuts).toBeNull();
  });

  it('RAs pass only from cohort scoring and only in pseudonymised mode', () => {
    expect(observationOf(event('score', { ras: ['RA-1'] }), true, null)).toHaveProperty('ras', ['RA-1']);
    expect(observationOf(event('score', { ras: ['RA-1'] }), false, null)).not.toHaveProperty('ras');
    expect(observationOf(event('v2', { ras: ['RA-1'] }), true, null)).not.toHaveProperty('ras');
  });
});
