/**
 * The /registry routes over a real registry in a temp dir (hand-made artifacts that follow the
 * training contracts), in-process with API keys on: what each role sees, the errors from the
 * catalogue without server paths, and moves that apply the registry's own rules (the CLI's) and make
 * a server on MODEL_VERSION=champion follow at once.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  promoteVersion,
  type RegistryContext,
  readChampion,
  readHistory,
  registerVersion,
} from '../../registry/index.js';
import {
  removeTempDirs,
  tempDir,
  tempRegistry,
  writeFixtureArtifacts,
} from '../../registry/testing/fixtures.js';
import { buildApp } from '../app.js';
import { hashKey } from '../auth.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import { parseApiKeys } from '../settings.js';
import { bandOptions, collectingLogger, standInParts, testSettings } from '../testing/support.js';

const ADMIN = 'admin-key-for-registry-tests';
const PREDICT = 'predict-key-for-registry-tests';
const admin = { 'x-api-key': ADMIN };
const predict = { 'x-api-key': PREDICT };

const REPORT = `# Relatório

<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" role="img" aria-label="Precisão × recall (ano de teste)"><rect width="10" height="10"/></svg>

<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Calibração &amp; mais"><script>alert(1)</script></svg>
`;

afterAll(removeTempDirs);

/** v1.0.0 (champion), v1.1.0 (passes the guardrails), v1.2.0 (precision 0.5: fails them). */
async function seeded(): Promise<{ dir: string; ctx: RegistryContext }> {
  const { dir, ctx } = tempRegistry();
  const art = (seed: number, test: Record<string, number> = {}) =>
    writeFixtureArtifacts(tempDir('art'), { seed, test });
  const withReport = art(1);
  writeFileSync(path.join(withReport, 'model_report.md'), REPORT);
  await registerVersion(ctx, {
    artifacts: art(0),
    version: 'v1.0.0',
    by: 'Maria Silva',
    notes: 'nota interna',
  });
  await registerVersion(ctx, { artifacts: withReport, version: 'v1.1.0', by: 'Maria Silva' });
  await registerVersion(ctx, { artifacts: art(2, { precision: 0.5 }), version: 'v1.2.0' });
  await promoteVersion(ctx, { version: 'v1.0.0', by: 'Maria Silva', reason: 'motivo pessoal' });
  return { dir, ctx };
}

/** The app with keys on, a holder that follows the registry's champion like MODEL_VERSION=champion. */
async function appOn(ctx: RegistryContext): Promise<{ app: FastifyInstance; holder: ModelHolder }> {
  const settings = testSettings({
    apiKeys: parseApiKeys(`${hashKey(ADMIN)}:admin,${hashKey(PREDICT)}:predict`),
  });
  const champion = async () => (await readChampion(ctx))!.version;
  const holder = new ModelHolder({
    ...bandOptions,
    load: async () => standInParts(await champion()),
    probe: champion,
  });
  await holder.reload('test');
  const app = await buildApp({
    settings,
    holder,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: collectingLogger([]),
    registry: ctx,
  });
  return { app, holder };
}

describe('GET /registry*', () => {
  let app: FastifyInstance;
  let dir: string;
  beforeEach(async () => {
    let ctx: RegistryContext;
    ({ dir, ctx } = await seeded());
    ({ app } = await appOn(ctx));
  });

  it('lists the versions with their guardrails; names and notes only for the admin role; no paths', async () => {
    const p = await app.inject({ url: '/registry', headers: predict });
    expect(p.statusCode).toBe(200);
    const body = p.json();
    expect(body.versions.map((v: { version: string }) => v.version)).toEqual(['v1.0.0', 'v1.1.0', 'v1.2.0']);
    expect(
      body.versions.map((v: { guardrails: Array<{ ok: boolean }> }) => v.guardrails.every((g) => g.ok)),
    ).toEqual([true, true, false]);
    expect(body.champion).toMatchObject({ version: 'v1.0.0', action: 'promote', forced: false });
    expect(body.champion).not.toHaveProperty('promoted_by');
    expect(body.champion).not.toHaveProperty('reason');
    expect(body.serving).toMatchObject({ version: 'v1.0.0', follows_champion: true });
    expect(body.guardrail_minimums).toEqual({ roc_auc: 0.75, precision: 0.65, recall: 0.6 });
    expect(body.rollback_target).toBeNull();
    for (const secret of ['Maria', 'nota interna', 'motivo pessoal', dir])
      expect(p.body).not.toContain(secret);
    const a = (await app.inject({ url: '/registry', headers: admin })).json();
    expect(a.champion).toMatchObject({ promoted_by: 'Maria Silva', reason: 'motivo pessoal' });
    expect(a.versions[0]).toMatchObject({ created_by: 'Maria Silva', notes: 'nota interna' });
  });

  it('shows one version: its evaluation read from metrics.json, guardrails, integrity, no manifest paths', async () => {
    const r = await app.inject({ url: '/registry/versions/v1.2.0', headers: predict });
    expect(r.statusCode).toBe(200);
    const v = r.json();
    expect(v).toMatchObject({
      version: 'v1.2.0',
      is_champion: false,
      was_champion: false,
      integrity: { ok: true },
    });
    expect(v.guardrails.find((g: { metric: string }) => g.metric === 'precision')).toEqual({
      metric: 'precision',
      min: 0.65,
      value: 0.5,
      ok: false,
    });
    expect(v.evaluation.test).toMatchObject({
      n: 765,
      positives: 308,
      confusion: { tp: 200, fp: 80, tn: 377, fn: 108 },
    });
    expect(v.evaluation.test.flagged_share).toBeCloseTo(280 / 765, 12);
    expect(v.evaluation.test.metrics.precision.value).toBe(0.5);
    expect(v.manifest.files).toContain('metrics.json');
    expect(r.body).not.toContain(dir);
    expect(r.body).not.toContain('"source"');
  });

  it('answers catalogue errors without the registry path: unknown, invalid and tampered versions', async () => {
    const missing = await app.inject({ url: '/registry/versions/v9.0.0', headers: predict });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('DEF_ERR_REGISTRY_VERSION_NOT_FOUND');
    expect(missing.body).not.toContain(dir);
    const bad = await app.inject({ url: '/registry/versions/..%2F..%2Fetc', headers: predict });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('DEF_ERR_REGISTRY_VERSION_INVALID');
    appendFileSync(path.join(dir, 'v1.1.0', 'metrics.json'), ' ');
    const tampered = (await app.inject({ url: '/registry/versions/v1.1.0', headers: predict })).json();
    expect(tampered.integrity.ok).toBe(false);
    expect(tampered.evaluation).toBeNull();
    expect(JSON.stringify(tampered)).not.toContain(dir);
    const moved = await app.inject({
      method: 'POST',
      url: '/registry/promote',
      headers: admin,
      payload: { version: 'v1.1.0', reason: 'x' },
    });
    expect(moved.json().error.code).toBe('DEF_ERR_REGISTRY_INTEGRITY_FAILED');
    expect(moved.body).not.toContain(dir);
  });

  it("the report's charts: titled SVGs, anything with a script refused", async () => {
    const r = (await app.inject({ url: '/registry/versions/v1.1.0/report-charts', headers: predict })).json();
    expect(r.charts).toHaveLength(1);
    expect(r.charts[0]).toMatchObject({ kind: 'pr', title: 'Precisão × recall (ano de teste)' });
    const none = (
      await app.inject({ url: '/registry/versions/v1.0.0/report-charts', headers: predict })
    ).json();
    expect(none.charts).toEqual([]);
  });

  it('diffs two versions with the registry diff (metrics, signature, semver verdict); both names required', async () => {
    const r = await app.inject({ url: '/registry/diff?a=v1.0.0&b=v1.2.0', headers: predict });
    expect(r.statusCode).toBe(200);
    const d = r.json();
    expect(d.semver).toMatchObject({ from: 'v1.0.0', to: 'v1.2.0', ok: true });
    expect(d.metrics.test.find((m: { metric: string }) => m.metric === 'precision').delta).toBeCloseTo(
      -0.2,
      12,
    );
    const half = await app.inject({ url: '/registry/diff?a=v1.0.0', headers: predict });
    expect(half.statusCode).toBe(400);
    expect(half.json().error.code).toBe('DEF_ERR_API_BAD_REQUEST');
  });

  it('needs a key: none is 401, and the history hides who and why below admin', async () => {
    expect((await app.inject({ url: '/registry' })).json().error.code).toBe('DEF_ERR_API_UNAUTHORIZED');
    const h = await app.inject({ url: '/registry/history', headers: predict });
    expect(h.json().entries).toHaveLength(1);
    expect(h.json().entries[0]).not.toHaveProperty('by');
    expect(h.body).not.toContain('motivo pessoal');
    expect((await app.inject({ url: '/registry/history', headers: admin })).json().entries[0].by).toBe(
      'Maria Silva',
    );
  });
});

describe('POST /registry/promote and /registry/rollback', () => {
  let app: FastifyInstance;
  let holder: ModelHolder;
  let ctx: RegistryContext;
  beforeEach(async () => {
    ({ ctx } = await seeded());
    ({ app, holder } = await appOn(ctx));
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = admin) =>
    app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('only an admin key moves the champion', async () => {
    const body = { version: 'v1.1.0', reason: 'melhor' };
    expect((await post('/registry/promote', body, {})).statusCode).toBe(401);
    const p = await post('/registry/promote', body, predict);
    expect(p.statusCode).toBe(403);
    expect(p.json().error.code).toBe('DEF_ERR_API_FORBIDDEN');
    expect((await readChampion(ctx))?.version).toBe('v1.0.0');
  });

  it('a reason is required, the body is checked field by field, nothing moves on a bad request', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ version: 'v1.1.0' }, 400, 'DEF_ERR_REGISTRY_REASON_REQUIRED'],
      [{ version: 'v1.1.0', reason: '   ' }, 400, 'DEF_ERR_REGISTRY_REASON_REQUIRED'],
      [{ reason: 'x' }, 400, 'DEF_ERR_API_BODY_SHAPE'],
      [{ version: 'v1.1.0', reason: 'x', forced: true }, 400, 'DEF_ERR_API_BODY_SHAPE'],
      [{ version: 'v1.1.0', reason: 'x', force: 'yes' }, 400, 'DEF_ERR_API_BODY_SHAPE'],
      [{ version: 'v1.1.0', reason: 'x'.repeat(501) }, 400, 'DEF_ERR_API_BODY_SHAPE'],
      [{ version: 'v1.1.0', reason: 'a\u0007b' }, 400, 'DEF_ERR_API_BODY_SHAPE'],
      [[1], 400, 'DEF_ERR_API_BODY_SHAPE'],
      [{ version: 'latest', reason: 'x' }, 400, 'DEF_ERR_REGISTRY_VERSION_INVALID'],
      [{ version: 'v7.0.0', reason: 'x' }, 404, 'DEF_ERR_REGISTRY_VERSION_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post('/registry/promote', body);
      expect([r.statusCode, r.json().error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await readHistory(ctx)).length).toBe(1);
  });

  it('guardrails as the CLI applies them: refused with the checks, or forced with the reason and marked', async () => {
    const refused = await post('/registry/promote', { version: 'v1.2.0', reason: 'teste' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'DEF_ERR_REGISTRY_GUARDRAIL_FAILED',
      details: {
        guardrails: expect.arrayContaining([{ metric: 'precision', min: 0.65, value: 0.5, ok: false }]),
      },
    });
    const forced = await post('/registry/promote', {
      version: 'v1.2.0',
      reason: 'aceito o risco',
      force: true,
    });
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toMatchObject({
      version: 'v1.2.0',
      previous: 'v1.0.0',
      changed: true,
      forced: true,
    });
    expect((await readHistory(ctx)).at(-1)).toMatchObject({
      to: 'v1.2.0',
      forced: true,
      reason: 'aceito o risco',
    });
  });

  it('promotes with compare-and-set, records the key, and the server on the champion follows at once', async () => {
    const stale = await post('/registry/promote', {
      version: 'v1.1.0',
      reason: 'x',
      expect_current: 'v1.2.0',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('DEF_ERR_REGISTRY_CHAMPION_CONFLICT');
    const r = await post('/registry/promote', {
      version: 'v1.1.0',
      reason: 'recall melhor',
      by: 'Ana',
      expect_current: 'v1.0.0',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      action: 'promote',
      version: 'v1.1.0',
      previous: 'v1.0.0',
      changed: true,
      reload: 'swapped',
      serving: { version: 'v1.1.0', follows_champion: true },
    });
    expect(holder.current?.version).toBe('v1.1.0');
    const last = (await readHistory(ctx)).at(-1)!;
    expect(last).toMatchObject({
      to: 'v1.1.0',
      reason: 'recall melhor',
      by: `Ana (api key ${hashKey(ADMIN).slice(0, 8)})`,
    });
    const again = await post('/registry/promote', { version: 'v1.1.0', reason: 'de novo' });
    expect(again.json()).toMatchObject({ changed: false, reload: 'unchanged' });
  });

  it('rolls back to the previous champion with a reason; without one, or with no history, a clear error', async () => {
    expect((await post('/registry/rollback', {})).json().error.code).toBe('DEF_ERR_REGISTRY_REASON_REQUIRED');
    expect((await post('/registry/rollback', { reason: 'x' })).json().error.code).toBe(
      'DEF_ERR_REGISTRY_NO_HISTORY',
    );
    await post('/registry/promote', { version: 'v1.1.0', reason: 'subir' });
    const overview = (await app.inject({ url: '/registry', headers: predict })).json();
    expect(overview.rollback_target).toBe('v1.0.0');
    const r = await post('/registry/rollback', { reason: 'recall caiu', expect_current: 'v1.1.0' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      action: 'rollback',
      version: 'v1.0.0',
      previous: 'v1.1.0',
      guardrails: [],
    });
    expect(holder.current?.version).toBe('v1.0.0');
    // A version that was never champion must pass the guardrails on a rollback too (or be forced).
    const never = await post('/registry/rollback', { reason: 'x', version: 'v1.2.0' });
    expect(never.json().error.code).toBe('DEF_ERR_REGISTRY_GUARDRAIL_FAILED');
  });
});
