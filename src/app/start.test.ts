import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../core/error-base.js';
import { writeUnmarkedWorkbook } from '../data/testing/support.js';
import {
  CHAMPION_FILE,
  listVersions,
  openRegistry,
  type RegistryContext,
  type RegistrySettings,
  readChampion,
  readHistory,
  registerVersion,
} from '../registry/index.js';
import { DEFAULTS } from './defaults.js';
import { loadAppSettings } from './settings.js';
import { FIRST_VERSION, runMainJob } from './start.js';

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

/**
 * Which registries `npm start` bootstraps (only an empty one) and when it replaces a champion (only a
 * synthetic one, by a model trained on a real workbook, through the guardrails). One synthetic first
 * model and one "real" model (the generator's students without the synthetic notice, which ingest takes
 * for real data) are trained and reused by the later cases, in order.
 */
describe('runMainJob (npm start)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-start-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const registryDir = path.join(root, 'models/registry');
  const defaults = loadAppSettings({}).registry;
  const open = (overrides: Partial<RegistrySettings> = {}, dir = registryDir) =>
    openRegistry(dir, { ...defaults, ...overrides });
  const loose = { promoteMinRocAuc: 0, promoteMinPrecision: 0, promoteMinRecall: 0 };
  let realWorkbook = '';
  let replacement = '';
  /** One start of the job on the shared root, with what it said. */
  const startJob = (registry: RegistryContext, source: string | null) => {
    const said: string[] = [];
    return { said, job: runMainJob({ registry, source, root, say: (l) => said.push(l) }) };
  };

  it('stops, naming the guardrails, when the first model misses them: nothing is promoted or forced', async () => {
    const { said, job } = startJob(open({ promoteMinPrecision: 0.999 }), null);
    const err = await failure(job);
    expect(err.code).toBe('DEF_ERR_REGISTRY_GUARDRAIL_FAILED');
    expect(err.message).toMatch(/test precision 0\.\d{3} < PROMOTE_MIN_PRECISION=0\.999/);
    expect(err.message).not.toMatch(/roc_auc|recall/);
    expect(err.message).toContain(`registry promote --version ${FIRST_VERSION} --force`);
    expect(said.some((l) => l.includes('SYNTHETIC'))).toBe(true);
    expect(await readChampion(open())).toBeNull();
    expect(await readHistory(open())).toEqual([]);
    expect((await listVersions(open())).map((v) => v.version)).toEqual([FIRST_VERSION]);
    // The registered report (HTML beside the Markdown) says so, with the minimums start passed to train.
    const report = readFileSync(path.join(registryDir, FIRST_VERSION, 'model_report.html'), 'utf8');
    expect(report).toContain('O modelo NÃO passa nos critérios de promoção.');
    expect(report).toMatch(/<td>Precisão no limiar<\/td><td class="num">0,999<\/td>/);
  });

  it('resumes a first start that registered v1.0.0 without promoting it, without training again', async () => {
    const { said, job } = startJob(open(loose), null);
    const result = await job;
    expect(result).toMatchObject({ action: 'created', version: FIRST_VERSION, synthetic: true });
    expect(said.join('\n')).toMatch(/is registered: promoting it/);
    expect(said.join('\n')).not.toMatch(/building the first model/);
    expect((await readChampion(open()))?.version).toBe(FIRST_VERSION);
    const history = await readHistory(open());
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ to: FIRST_VERSION, forced: false });
  });

  it('leaves a registry that has a champion untouched, and says a synthetic one is synthetic', async () => {
    const { said, job } = startJob(open(), null);
    const result = await job;
    expect(result).toEqual({
      action: 'kept',
      version: FIRST_VERSION,
      previous: null,
      source: null,
      synthetic: true,
      elapsedMs: 0,
    });
    expect(said).toHaveLength(2);
    expect(said[0]).toContain(`The champion ${FIRST_VERSION} was trained on SYNTHETIC data`);
    expect(said[1]).toContain('npm start -- --source /path/to/PEDE2024.xlsx');
    expect(await readHistory(open())).toHaveLength(1);
  });

  it('a --source that is a synthetic workbook too does not replace the synthetic champion, and says so', async () => {
    const fake = path.join(root, 'data/raw/synthetic_pede.xlsx');
    const { said, job } = startJob(open(loose), fake);
    const result = await job;
    expect(result).toMatchObject({ action: 'kept', version: FIRST_VERSION, synthetic: true });
    expect(said.join('\n')).toContain('is a synthetic workbook too');
    expect((await listVersions(open())).map((v) => v.version)).toEqual([FIRST_VERSION]);
  });

  it('a real workbook replaces the synthetic champion through the guardrails: refused, nothing moves', async () => {
    realWorkbook = await writeUnmarkedWorkbook(root, 'PEDE-real.xlsx', {
      students: DEFAULTS.syntheticStudents,
      years: [2022, 2023, 2024],
      seed: 7,
    });
    const { said, job } = startJob(open({ promoteMinPrecision: 0.999 }), realWorkbook);
    const err = await failure(job);
    expect(err.code).toBe('DEF_ERR_REGISTRY_GUARDRAIL_FAILED');
    expect(err.message).toMatch(/test precision 0\.\d{3} < PROMOTE_MIN_PRECISION=0\.999/);
    expect(err.message).toContain(`the SYNTHETIC champion ${FIRST_VERSION} is not served in its place`);
    const versions = (await listVersions(open())).map((v) => v.version);
    expect(versions).toHaveLength(2);
    replacement = versions[1]!;
    // New data only: the versioning rules ask for no more than a MINOR bump, and that is what it got.
    expect(replacement).toMatch(/^v1\.[01]\.\d+$/);
    expect(said.join('\n')).toMatch(
      new RegExp(
        `Registered ${replacement.replaceAll('.', '\\.')}: a (MINOR|PATCH) bump from ${FIRST_VERSION}`,
      ),
    );
    expect(err.message).toContain(`registry promote --version ${replacement} --force`);
    expect((await readChampion(open()))?.version).toBe(FIRST_VERSION);
    expect(await readHistory(open())).toHaveLength(1);
  });

  it('the next start promotes that version without training again, and says what it replaced', async () => {
    const { said, job } = startJob(open(loose), realWorkbook);
    const result = await job;
    expect(result).toMatchObject({
      action: 'replaced',
      version: replacement,
      previous: FIRST_VERSION,
      source: realWorkbook,
      synthetic: false,
    });
    expect(said.join('\n')).toContain(
      'by an earlier start and not promoted: promoting it, without training again',
    );
    expect(said.at(-1)).toMatch(
      new RegExp(
        `^Champion ${FIRST_VERSION} \\(SYNTHETIC\\) → ${replacement.replaceAll('.', '\\.')} \\(real data, PEDE-real\\.xlsx\\)`,
      ),
    );
    expect((await listVersions(open())).map((v) => v.version)).toEqual([FIRST_VERSION, replacement]);
    expect((await readChampion(open()))?.version).toBe(replacement);
    const history = await readHistory(open());
    expect(history).toHaveLength(2);
    expect(history[1]).toMatchObject({ from: FIRST_VERSION, to: replacement, forced: false });
    expect(history[1]!.reason).toContain(`replacing the SYNTHETIC champion ${FIRST_VERSION}`);
  });

  it('a champion trained on real data is kept: a --source is not used, and start says so and how to retrain', async () => {
    const { said, job } = startJob(open(loose), realWorkbook);
    const result = await job;
    expect(result).toEqual({
      action: 'kept',
      version: replacement,
      previous: null,
      source: null,
      synthetic: false,
      elapsedMs: 0,
    });
    expect(said[0]).toContain(
      `--source ${realWorkbook} was NOT used: the champion ${replacement} was trained on real data`,
    );
    expect(said[1]).toContain(`defasagem retrain --data ${realWorkbook} --bump auto --promote`);
    const quiet = startJob(open(loose), null);
    await quiet.job;
    expect(quiet.said).toEqual([]);
    expect(await readHistory(open())).toHaveLength(2);
  });

  it('refuses a registry with a history but no champion.json, and names `registry promote`', async () => {
    rmSync(path.join(registryDir, CHAMPION_FILE));
    const err = await failure(runMainJob({ registry: open(loose), source: null, root }));
    expect(err.code).toBe('DEF_ERR_REGISTRY_CHAMPION_NOT_SET');
    expect(err.spec.exit).toBe(4);
    expect(err.message).toContain(`last move was to ${replacement}`);
    expect(err.message).toContain(
      `defasagem registry promote --version ${replacement} --registry ${registryDir}`,
    );
    expect(await readChampion(open())).toBeNull();
    expect(await readHistory(open())).toHaveLength(2);
  });

  it('refuses a registry with versions other than v1.0.0 and no champion, even without a history', async () => {
    const dir = path.join(root, 'other-registry');
    for (const version of [FIRST_VERSION, 'v1.1.0'])
      await registerVersion(open(loose, dir), { artifacts: path.join(root, 'artifacts'), version });
    const err = await failure(runMainJob({ registry: open(loose, dir), source: null, root }));
    expect(err.code).toBe('DEF_ERR_REGISTRY_CHAMPION_NOT_SET');
    expect(err.message).toContain('2 version(s), latest v1.1.0 and no champion history');
    expect(err.message).toContain('registry promote --version v1.1.0');
    expect(await readChampion(open(loose, dir))).toBeNull();
  });

  it('names a --source that does not exist before touching an empty registry', async () => {
    const dir = path.join(root, 'empty-registry');
    const err = await failure(
      runMainJob({ registry: open(loose, dir), source: path.join(root, 'nope.xlsx'), root }),
    );
    expect(err.code).toBe('DEF_ERR_API_SOURCE_NOT_FOUND');
    expect(await listVersions(open(loose, dir))).toEqual([]);
  });
});
