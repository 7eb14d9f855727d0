/**
 * The main job behind `npm start`: make sure the registry has a champion (on a fresh clone: ingest →
 * train → register v1.0.0 → promote), then the caller serves MODEL_VERSION=champion. A registry that
 * already has a champion is left untouched, so later starts go straight to serving.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import {
  listVersions,
  promoteVersion,
  REGISTRY_ERRORS,
  readChampion,
  registerVersion,
} from '../registry/index.js';
import { SERVE_ERRORS } from './errors.js';

export interface MainJobOptions {
  registryDir: string;
  /** Workbook or CSV directory given with --source; null = data/raw/*.xlsx, else synthetic. */
  source: string | null;
  /** Project root for data/ and artifacts/ (default: the current directory). */
  root?: string;
  progress?: Progress;
  /** Lines for people (what is happening, loudly when the data is synthetic). */
  say?: (line: string) => void;
  seed?: number;
}

export interface MainJobResult {
  /** True when this run trained and promoted the first champion. */
  created: boolean;
  version: string;
  source: string | null;
  synthetic: boolean;
  elapsedMs: number;
}

export const FIRST_VERSION = 'v1.0.0';

/** --source, else the first data/raw/*.xlsx, else null (synthetic). */
export function pickSource(root: string, given: string | null): string | null {
  if (given) {
    if (!existsSync(given))
      throw new AppError(SERVE_ERRORS.SOURCE_NOT_FOUND, `The source ${given} does not exist.`, {
        source: given,
      });
    return given;
  }
  const raw = path.join(root, 'data', 'raw');
  if (!existsSync(raw)) return null;
  const found = readdirSync(raw)
    .filter((f) => f.toLowerCase().endsWith('.xlsx') && !f.startsWith('.') && f !== 'synthetic_pede.xlsx')
    .sort();
  return found.length > 0 ? path.join(raw, found[0]!) : null;
}

export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const started = performance.now();
  const root = opts.root ?? process.cwd();
  const say = opts.say ?? (() => {});
  const progress = opts.progress ?? silentProgress;
  const registryDir = path.resolve(root, opts.registryDir);

  const champion = await readChampion(registryDir);
  if (champion) {
    return { created: false, version: champion.version, source: null, synthetic: false, elapsedMs: 0 };
  }

  let synthetic = false;
  let source: string | null = null;
  const alreadyRegistered = (await listVersions(registryDir)).some((v) => v.version === FIRST_VERSION);
  if (alreadyRegistered) {
    // An earlier start registered the first version and stopped before promoting it: finish the job
    // (promotion verifies its hashes first) instead of failing on "version exists".
    say(`No champion in ${registryDir}, but ${FIRST_VERSION} is registered: promoting it.`);
  } else {
    ({ source, synthetic } = await buildFirstVersion(opts, root, registryDir, say, progress));
  }
  await promoteFirstVersion(registryDir, say);
  const elapsedMs = Math.round(performance.now() - started);
  say(`Champion ${FIRST_VERSION} promoted in ${elapsedMs} ms${synthetic ? ' (SYNTHETIC data)' : ''}.`);
  return { created: true, version: FIRST_VERSION, source, synthetic, elapsedMs };
}

/** ingest → train → register v1.0.0, from --source, data/raw/*.xlsx or a loudly synthetic workbook. */
async function buildFirstVersion(
  opts: MainJobOptions,
  root: string,
  registryDir: string,
  say: (line: string) => void,
  progress: Progress,
): Promise<{ source: string; synthetic: boolean }> {
  // The data and training stacks load only when a first model has to be built.
  const [{ ingest }, { writeSyntheticWorkbook }, { train }] = await Promise.all([
    import('../data/ingest.js'),
    import('../data/synth.js'),
    import('../train/train.js'),
  ]);
  say(
    `No champion in ${registryDir}: building the first model (ingest → train → register ${FIRST_VERSION} → promote).`,
  );
  let source = pickSource(root, opts.source);
  let synthetic = false;
  if (!source) {
    source = path.join(root, 'data', 'raw', 'synthetic_pede.xlsx');
    synthetic = true;
    say('⚠ ⚠ ⚠  NO REAL PEDE WORKBOOK FOUND (none given with --source, none in data/raw/).');
    say(`⚠ ⚠ ⚠  Generating a SYNTHETIC workbook at ${source}: the model will be trained on FAKE students.`);
    say('⚠ ⚠ ⚠  Put the real PEDE .xlsx in data/raw/ (or pass --source) and delete the registry to retrain.');
    mkdirSync(path.dirname(source), { recursive: true });
    await writeSyntheticWorkbook(source, {
      students: 1000,
      years: [2022, 2023, 2024],
      seed: opts.seed ?? 42,
    });
  } else {
    say(`Training on ${source}.`);
  }

  const summary = await ingest({ source, outDir: path.join(root, 'data'), progress });
  if (summary.synthetic) synthetic = true;
  const artifactsDir = path.join(root, 'artifacts');
  await train({
    dataPath: summary.outputs.modelingDataset,
    artifactsDir,
    seed: opts.seed ?? 42,
    refit: true,
    progress,
  });
  await registerVersion(registryDir, {
    artifacts: artifactsDir,
    version: FIRST_VERSION,
    notes: synthetic
      ? 'First model from `defasagem start`, trained on a SYNTHETIC workbook.'
      : `First model from \`defasagem start\`, trained on ${path.basename(source)}.`,
  });
  return { source, synthetic };
}

/**
 * Promotes v1.0.0 as the first champion. When it misses the promotion guardrails it is still the only
 * model there is, so the main job promotes it anyway — loudly, with the failed guardrails recorded as
 * the reason in the history — rather than leaving the service with nothing to serve.
 */
async function promoteFirstVersion(registryDir: string, say: (line: string) => void): Promise<void> {
  const reason = 'first champion, created by `defasagem start`';
  try {
    await promoteVersion(registryDir, { version: FIRST_VERSION, expectCurrent: 'none', reason });
  } catch (err) {
    if (!isAppError(err) || err.spec.code !== REGISTRY_ERRORS.GUARDRAIL_FAILED.code) throw err;
    say(`⚠ ${err.message}`);
    say(
      `⚠ ${FIRST_VERSION} is the only model, so it is promoted anyway and the history records why; train a better one and promote it with \`defasagem registry promote\`.`,
    );
    await promoteVersion(registryDir, {
      version: FIRST_VERSION,
      expectCurrent: 'none',
      force: true,
      reason: `${reason}; forced as the only model although it misses the guardrails: ${err.message}`,
    });
  }
}
