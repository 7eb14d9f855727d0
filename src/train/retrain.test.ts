import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { syntheticWorkbookBytes } from '../data/synth.js';
import { syntheticRows } from '../features/testing/records.js';
import { readChampion, readHistory, readManifest, renderChangelog } from '../registry/index.js';
import { RETRAIN_EXIT, type RetrainOptions, retrain } from './retrain.js';
import { FAST_CONFIG, shuffleLabels, testRegistry, treeDigest, writeDataset } from './testing/retrain.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-retrain-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** The scratch folders retrain makes go here, so the tests can see that none is left behind. */
const scratch = path.join(tmp, 'scratch');
mkdirSync(scratch);

// Three PEDE years → transitions with label years 2023, 2024 and 2025.
const rows = syntheticRows(600, 3, [2022, 2023, 2024]);
const twoYears = writeDataset(
  path.join(tmp, 'two-years.parquet'),
  rows.filter((r) => (r.ano_base as number) <= 2023),
);
// 2025 is new; the training years' labels (2023, 2024) are permuted: a model fitted on them learns noise.
const shuffled = writeDataset(path.join(tmp, 'shuffled.parquet'), shuffleLabels(rows, [2023, 2024], 11));

const fixedNow = () => new Date('2026-03-01T00:00:00.000Z');
const run = (registry: string, data: string, extra: Partial<RetrainOptions> = {}) =>
  retrain({
    data,
    registry: testRegistry(registry),
    bump: 'auto',
    promote: true,
    config: FAST_CONFIG,
    fallbackSeed: 42,
    tempRoot: scratch,
    now: fixedNow,
    ...extra,
  });

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('retrain on the same data twice', () => {
  const reg = path.join(tmp, 'same');

  it('with no champion the guardrails alone decide: registered and promoted (exit 0)', async () => {
    const r = await run(reg, twoYears);
    expect(r).toMatchObject({
      outcome: 'promoted',
      exit_code: RETRAIN_EXIT.promoted,
      version: 'v1.0.0',
      verdict: 'no_champion',
      registered: true,
      promoted: true,
      champion: { before: null, after: 'v1.0.0' },
    });
    expect(r.evaluation).toMatchObject({ mode: 'none', label_year: 2024, champion_model: null });
    expect(r.guardrails.every((g) => g.ok)).toBe(true);
    expect((await readChampion(reg))?.version).toBe('v1.0.0');
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('the second challenger is registered but not promoted: identical on the same rows, so not better (exit 10)', async () => {
    // No --config: the challenger takes the champion's recorded configuration and seed.
    const r = await run(reg, twoYears, { config: undefined });
    expect(r).toMatchObject({
      outcome: 'not_better',
      exit_code: RETRAIN_EXIT.not_better,
      version: 'v1.0.1', // the same configuration and data: no model change, a PATCH is enough
      verdict: 'not_better',
      decision: 'keep_champion',
      promoted: false,
      champion: { before: 'v1.0.0', after: 'v1.0.0' },
    });
    // The champion was fitted on 2024 too: its configuration was developed again without 2024.
    expect(r.evaluation.mode).toBe('redeveloped');
    expect(r.evaluation.champion_model).toMatch(
      /recorded configuration \(gbdt, seed 42\) developed again on label years 2023/,
    );
    expect(r.evaluation.why).toMatch(/fitted on label year 2024 too/);
    expect(r.training.config_source).toBe('the recorded configuration of champion v1.0.0');
    for (const row of r.comparison.filter((c) => c.rule !== null))
      expect(row).toMatchObject({ change: 0, ok: true });
    expect(r.reasons).toEqual([
      'not better: the same ROC-AUC, recall, precision and Brier score as the champion on these rows',
    ]);
    // The verdict is in the manifest and the changelog; the champion and its history did not move.
    const manifest = await readManifest(testRegistry(reg).storage, 'v1.0.1');
    expect(manifest?.retrain).toMatchObject({
      verdict: 'not_better',
      decision: 'keep_champion',
      champion: 'v1.0.0',
      evaluation: { label_year: 2024, rows: r.evaluation.rows },
    });
    expect((await readChampion(reg))?.version).toBe('v1.0.0');
    expect((await readHistory(reg)).map((h) => h.to)).toEqual(['v1.0.0']);
    const changelog = await renderChangelog(reg);
    expect(changelog).toContain(
      '- Retrain against champion v1.0.0: **not better than the champion**; champion kept',
    );
    expect(changelog).toMatch(
      /\| label year 2024 \| champion v1\.0\.0 \| challenger v1\.0\.1 \| change \| tolerance \|/,
    );
    expect(changelog).toMatch(/\| roc_auc \| 0\.\d{3} \| 0\.\d{3} \| \+0\.000 \| change ≥ 0 ok \|/);
  });
});

describe('a challenger trained on shuffled labels', () => {
  const reg = path.join(tmp, 'shuffled');
  beforeAll(async () => {
    await run(reg, twoYears); // champion v1.0.0, fitted on label years 2023 and 2024
  });

  it('is registered with the verdict "rejected" and the reasons; the champion does not move (exit 11)', async () => {
    const before = (await readChampion(reg))!;
    const r = await run(reg, shuffled);
    expect(r).toMatchObject({
      outcome: 'rejected',
      exit_code: RETRAIN_EXIT.rejected,
      version: 'v1.1.0', // new training data: MINOR
      verdict: 'rejected',
      decision: 'keep_champion',
      registered: true,
      promoted: false,
    });
    // 2025 is a year the champion never saw: its shipped model is scored as is.
    expect(r.evaluation).toMatchObject({ mode: 'shipped', label_year: 2025 });
    expect(r.evaluation.champion_model).toBe('its shipped model (fitted on label years 2023, 2024)');
    expect(r.reasons.join('; ')).toMatch(/^ROC-AUC fell 0\.\d{3} \(0\.\d{3} → 0\.\d{3}\), it may not fall/);
    expect(r.reasons.join('; ')).toMatch(/promotion guardrail: test roc_auc 0\.\d{3} < 0\.75/);
    const champion = (await readChampion(reg))!;
    expect(champion).toEqual(before);
    const manifest = await readManifest(testRegistry(reg).storage, 'v1.1.0');
    expect(manifest?.retrain?.verdict).toBe('rejected');
    expect(manifest?.retrain?.reasons).toEqual(r.reasons);
  });

  it('a bump the versioning rules say is too small is refused before anything is written, as in register', async () => {
    const digest = treeDigest(reg);
    // Other data than the latest version (v1.1.0) was trained on: new training data needs a MINOR bump.
    const err = await errorOf(run(reg, twoYears, { bump: 'patch' }));
    expect(err.code).toBe('DEF_ERR_REGISTRY_BUMP_TOO_SMALL');
    expect(err.message).toMatch(
      /v1\.1\.1 is a PATCH bump from v1\.1\.0, but its changes need MINOR: training data changed/,
    );
    expect(treeDigest(reg)).toBe(digest);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('--force --reason promotes it anyway and records who and why', async () => {
    const r = await run(reg, shuffled, { force: true, reason: 'test of the override', by: 'ana' });
    expect(r).toMatchObject({ outcome: 'promoted', exit_code: 0, verdict: 'rejected', promoted: true });
    expect(r.forced).toEqual({ by: 'ana', reason: 'test of the override' });
    expect((await readChampion(reg))?.version).toBe(r.version);
    const last = (await readHistory(reg)).at(-1)!;
    expect(last).toMatchObject({
      to: r.version,
      by: 'ana',
      forced: true,
      reason: 'retrain --force: test of the override',
    });
  });
});

describe('a challenger better than the champion', () => {
  const reg = path.join(tmp, 'better');
  // A champion fitted on shuffled labels (forced past the guardrails), then real labels with a new year.
  const noise = writeDataset(
    path.join(tmp, 'noise-two-years.parquet'),
    shuffleLabels(
      rows.filter((r) => (r.ano_base as number) <= 2023),
      [2023, 2024],
      7,
    ),
  );
  const threeYears = writeDataset(path.join(tmp, 'three-years.parquet'), rows);
  beforeAll(async () => {
    const r = await run(reg, noise, { force: true, reason: 'a weak champion for the test' });
    expect(r).toMatchObject({ verdict: 'rejected', promoted: true, version: 'v1.0.0' });
  });

  it('passes without --promote: registered, not promoted, exit 12 (promote-worthy)', async () => {
    const r = await run(reg, threeYears, { promote: false });
    expect(r).toMatchObject({
      outcome: 'passed',
      exit_code: RETRAIN_EXIT.passed,
      verdict: 'better',
      decision: 'keep_champion',
      registered: true,
      promoted: false,
      champion: { before: 'v1.0.0', after: 'v1.0.0' },
    });
    // 2025 is new to the champion: its shipped model (the one in production) is scored as is.
    expect(r.evaluation).toMatchObject({ mode: 'shipped', label_year: 2025 });
    expect(r.reasons[0]).toMatch(/^better on ROC-AUC \+0\.\d{3}/);
    const roc = r.comparison.find((c) => c.metric === 'roc_auc')!;
    expect(roc.challenger! - roc.champion!).toBeGreaterThan(0.1);
    expect((await readChampion(reg))?.version).toBe('v1.0.0');
  });

  it('with --promote it becomes the champion (exit 0), the move recorded with the verdict', async () => {
    const r = await run(reg, threeYears);
    expect(r).toMatchObject({ outcome: 'promoted', exit_code: 0, verdict: 'better', forced: null });
    expect((await readChampion(reg))?.version).toBe(r.version);
    const last = (await readHistory(reg)).at(-1)!;
    expect(last).toMatchObject({ from: 'v1.0.0', to: r.version });
    expect(last.reason).toMatch(/^retrain: better on ROC-AUC/);
  });
});

describe('retrain --dry-run', () => {
  it('trains and judges, and writes nothing: the registry tree is byte-identical and no folder is left', async () => {
    const reg = path.join(tmp, 'dry');
    await run(reg, twoYears);
    const workbook = path.join(tmp, 'synth.xlsx');
    const { bytes } = await syntheticWorkbookBytes({ students: 300, years: [2022, 2023, 2024], seed: 5 });
    writeFileSync(workbook, bytes);
    const digest = treeDigest(reg);
    const r = await run(reg, workbook, { dryRun: true, bump: 'minor' });
    expect(r).toMatchObject({ dry_run: true, registered: false, promoted: false, version: 'v1.1.0' });
    expect(r.data.kind).toBe('workbook');
    expect(r.comparison.find((c) => c.metric === 'roc_auc')?.champion).not.toBeNull();
    expect(treeDigest(reg)).toBe(digest);
    expect(readdirSync(scratch)).toEqual([]);
    // A registry that does not exist is not created either.
    const none = path.join(tmp, 'no-registry');
    await run(none, twoYears, { dryRun: true });
    expect(treeDigest(none)).toBe('absent');
    expect(readdirSync(scratch)).toEqual([]);
  });
});

describe('retrain options', () => {
  const reg = path.join(tmp, 'options');
  it.each([
    [{ bump: undefined }, /exactly one of --new-version/],
    [{ newVersion: 'v1.0.0' }, /exactly one of --new-version/],
    [{ bump: 'huge' as never }, /--bump must be major, minor, patch or auto/],
    [{ promote: false, force: true, reason: 'x' }, /--force overrides the verdict of --promote/],
    [{ dryRun: true, artifactsDir: path.join(tmp, 'kept') }, /--dry-run writes nothing/],
  ])('%o is refused before any work', async (extra, message) => {
    const err = await errorOf(run(reg, twoYears, extra as Partial<RetrainOptions>));
    expect(err.code).toBe('DEF_ERR_RETRAIN_OPTIONS_INVALID');
    expect(err.message).toMatch(message);
    expect(treeDigest(reg)).toBe('absent');
  });

  it('--force without --reason, a bad version, and data that is not a workbook or dataset', async () => {
    expect((await errorOf(run(reg, twoYears, { force: true }))).code).toBe(
      'DEF_ERR_REGISTRY_REASON_REQUIRED',
    );
    expect((await errorOf(run(reg, twoYears, { bump: undefined, newVersion: 'v1.2' }))).code).toBe(
      'DEF_ERR_REGISTRY_VERSION_INVALID',
    );
    const json = path.join(tmp, 'data.json');
    writeFileSync(json, '{}');
    expect((await errorOf(run(reg, json))).code).toBe('DEF_ERR_RETRAIN_DATA_UNSUPPORTED');
    expect((await errorOf(run(reg, path.join(tmp, 'missing.parquet')))).code).toBe('DEF_ERR_FILE_NOT_FOUND');
    expect(treeDigest(reg)).toBe('absent');
  });
});
