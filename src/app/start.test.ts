import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../core/error-base.js';
import {
  CHAMPION_FILE,
  listVersions,
  openRegistry,
  type RegistrySettings,
  readChampion,
  readHistory,
  registerVersion,
} from '../registry/index.js';
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
 * Which registries `npm start` bootstraps: only an empty one. One synthetic first model is trained
 * (about 30 s on this machine) and reused by the later cases.
 */
describe('runMainJob (npm start)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-start-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const registryDir = path.join(root, 'models/registry');
  const defaults = loadAppSettings({}).registry;
  const open = (overrides: Partial<RegistrySettings> = {}, dir = registryDir) =>
    openRegistry(dir, { ...defaults, ...overrides });
  const loose = { promoteMinRocAuc: 0, promoteMinPrecision: 0, promoteMinRecall: 0 };

  it('stops, naming the guardrails, when the first model misses them: nothing is promoted or forced', async () => {
    const said: string[] = [];
    const err = await failure(
      runMainJob({
        registry: open({ promoteMinPrecision: 0.999 }),
        source: null,
        root,
        say: (l) => said.push(l),
      }),
    );
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
    const said: string[] = [];
    const result = await runMainJob({ registry: open(loose), source: null, root, say: (l) => said.push(l) });
    expect(result).toMatchObject({ action: 'created', version: FIRST_VERSION, synthetic: true });
    expect(said.join('\n')).toMatch(/is registered: promoting it/);
    expect(said.join('\n')).not.toMatch(/building the first model/);
    expect((await readChampion(open()))?.version).toBe(FIRST_VERSION);
    const history = await readHistory(open());
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ to: FIRST_VERSION, forced: false });
  });

  it('leaves a registry that has a champion untouched, and says a synthetic one is synthetic', async () => {
    const said: string[] = [];
    const result = await runMainJob({ registry: open(), source: null, root, say: (l) => said.push(l) });
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
    expect(said[1]).toContain('npm start -- --source /caminho/para/PEDE2024.xlsx');
    expect(await readHistory(open())).toHaveLength(1);
  });

  it('refuses a registry with a history but no champion.json, and names `registry promote`', async () => {
    rmSync(path.join(registryDir, CHAMPION_FILE));
    const err = await failure(runMainJob({ registry: open(loose), source: null, root }));
    expect(err.code).toBe('DEF_ERR_REGISTRY_CHAMPION_NOT_SET');
    expect(err.spec.exit).toBe(4);
    expect(err.message).toContain(`last move was to ${FIRST_VERSION}`);
    expect(err.message).toContain(
      `defasagem registry promote --version ${FIRST_VERSION} --registry ${registryDir}`,
    );
    expect(await readChampion(open())).toBeNull();
    expect(await readHistory(open())).toHaveLength(1);
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
