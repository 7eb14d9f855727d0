/**
 * The main job behind `npm start`: make sure the registry has a champion, then serve
 * MODEL_VERSION=champion. Only an empty registry is bootstrapped (ingest → train → register v1.0.0 →
 * promote); a registry that has versions or a history but no champion.json is refused, because
 * choosing its champion is an operator's decision (`defasagem registry promote`). A registry with a
 * champion is left untouched, so later starts go straight to serving.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import {
  type GuardrailCheck,
  guardrailMinimums,
  listVersions,
  openRegistry,
  promoteVersion,
  REGISTRY_ERRORS,
  REGISTRY_SETTINGS,
  type RegistryContext,
  readChampion,
  readHistory,
  registerVersion,
} from '../registry/index.js';
import { SERVE_ERRORS } from '../serve/errors.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { DEFAULTS } from './defaults.js';
import type { AppSettings } from './settings.js';

export interface MainJobOptions {
  /** The registry, opened once by the caller with the settings read at start-up. */
  registry: RegistryContext;
  /** Workbook or CSV directory given with --source; null = data/raw/*.xlsx, else synthetic. */
  source: string | null;
  /** Project root for data/ and artifacts/ (default: the current directory). */
  root?: string;
  progress?: Progress;
  /** Lines for people (what is happening, loudly when the data is synthetic). */
  say?: (line: string) => void;
}

export interface MainJobResult {
  /** True when this run promoted the first champion. */
  created: boolean;
  version: string;
  source: string | null;
  synthetic: boolean;
  elapsedMs: number;
}

export const FIRST_VERSION = 'v1.0.0';

/** --source, else the first data/raw/*.xlsx, else null (synthetic). */
function pickSource(root: string, given: string | null): string | null {
  if (given) {
    if (!existsSync(given))
      throw new AppError(SERVE_ERRORS.SOURCE_NOT_FOUND, `The source ${given} does not exist.`, {
        source: given,
      });
    return given;
  }
  const raw = path.join(root, DEFAULTS.dataDir, 'raw');
  if (!existsSync(raw)) return null;
  const found = readdirSync(raw)
    .filter((f) => f.toLowerCase().endsWith('.xlsx') && !f.startsWith('.') && f !== 'synthetic_pede.xlsx')
    .sort();
  return found.length > 0 ? path.join(raw, found[0]!) : null;
}

/** Makes sure the registry has a champion; builds the first one only when the registry is empty. */
export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const started = performance.now();
  const root = opts.root ?? process.cwd();
  const say = opts.say ?? (() => {});
  const { registry } = opts;

  const champion = await readChampion(registry);
  if (champion) {
    return { created: false, version: champion.version, source: null, synthetic: false, elapsedMs: 0 };
  }

  const versions = (await listVersions(registry)).map((v) => v.version);
  const history = await readHistory(registry);
  let synthetic = false;
  let source: string | null = null;
  if (versions.length === 0 && history.length === 0) {
    ({ source, synthetic } = await buildFirstVersion(opts, root, say));
  } else if (versions.length === 1 && versions[0] === FIRST_VERSION && history.length === 0) {
    // An earlier start registered the first version and stopped before promoting it: finish the job
    // (promotion verifies its hashes and guardrails first) instead of failing on "version exists".
    say(`No champion in ${registry.storage.location}, but ${FIRST_VERSION} is registered: promoting it.`);
  } else {
    throw championMissing(registry.storage.location, versions, history.at(-1)?.to ?? null);
  }
  await promoteFirstVersion(registry);
  const elapsedMs = Math.round(performance.now() - started);
  say(`Champion ${FIRST_VERSION} promoted in ${elapsedMs} ms${synthetic ? ' (SYNTHETIC data)' : ''}.`);
  return { created: true, version: FIRST_VERSION, source, synthetic, elapsedMs };
}

/** A registry that is not empty but has no champion: an operator has to say which version serves. */
function championMissing(
  location: string,
  versions: readonly string[],
  lastChampion: string | null,
): AppError {
  const suggested = lastChampion && versions.includes(lastChampion) ? lastChampion : versions.at(-1);
  const what = [
    versions.length > 0 ? `${versions.length} version(s), latest ${versions.at(-1)}` : 'no versions',
    lastChampion ? `a champion history whose last move was to ${lastChampion}` : 'no champion history',
  ].join(' and ');
  return new AppError(
    REGISTRY_ERRORS.CHAMPION_NOT_SET,
    `The registry ${location} has ${what}, but no champion.json. \`start\` builds a first model only in an empty registry and never chooses a champion for you: run \`defasagem registry promote --version ${suggested ?? 'vX.Y.Z'} --registry ${location} --reason "..."\` (check \`defasagem registry history\` first), then start again.`,
    { registry: location, versions: [...versions], last_champion: lastChampion },
  );
}

/** ingest → train → register v1.0.0, from --source, data/raw/*.xlsx or a loudly synthetic workbook. */
async function buildFirstVersion(
  opts: MainJobOptions,
  root: string,
  say: (line: string) => void,
): Promise<{ source: string; synthetic: boolean }> {
  // The data and training stacks load only when a first model has to be built.
  const [{ ingest }, { parseYears, writeSyntheticWorkbook }, { train }] = await Promise.all([
    import('../data/ingest.js'),
    import('../data/synth.js'),
    import('../train/train.js'),
  ]);
  const progress = opts.progress ?? silentProgress;
  const seed = DEFAULTS.seed;
  say(
    `No champion in ${opts.registry.storage.location}: building the first model (ingest → train → register ${FIRST_VERSION} → promote).`,
  );
  let source = pickSource(root, opts.source);
  let synthetic = false;
  if (!source) {
    source = path.join(root, DEFAULTS.dataDir, 'raw', 'synthetic_pede.xlsx');
    synthetic = true;
    say('⚠ ⚠ ⚠  NO REAL PEDE WORKBOOK FOUND (none given with --source, none in data/raw/).');
    say(`⚠ ⚠ ⚠  Generating a SYNTHETIC workbook at ${source}: the model will be trained on FAKE students.`);
    say('⚠ ⚠ ⚠  Put the real PEDE .xlsx in data/raw/ (or pass --source) and delete the registry to retrain.');
    mkdirSync(path.dirname(source), { recursive: true });
    await writeSyntheticWorkbook(source, {
      students: DEFAULTS.syntheticStudents,
      years: parseYears(DEFAULTS.syntheticYears),
      seed,
    });
  } else {
    say(`Training on ${source}.`);
  }

  const summary = await ingest({ source, outDir: path.join(root, DEFAULTS.dataDir), progress });
  if (summary.synthetic) synthetic = true;
  const artifactsDir = path.join(root, DEFAULTS.artifactsDir);
  await train({
    dataPath: summary.outputs.modelingDataset,
    artifactsDir,
    seed,
    refit: true,
    progress,
    guardrails: guardrailMinimums(opts.registry.settings),
  });
  await registerVersion(opts.registry, {
    artifacts: artifactsDir,
    version: FIRST_VERSION,
    notes: synthetic
      ? 'First model from `defasagem start`, trained on a SYNTHETIC workbook.'
      : `First model from \`defasagem start\`, trained on ${path.basename(source)}.`,
  });
  return { source, synthetic };
}

/** The guardrail settings by metric, to name them in the error. */
const GUARDRAIL_ENV: Record<GuardrailCheck['metric'], string> = {
  roc_auc: REGISTRY_SETTINGS.promoteMinRocAuc.env,
  precision: REGISTRY_SETTINGS.promoteMinPrecision.env,
  recall: REGISTRY_SETTINGS.promoteMinRecall.env,
};

/**
 * Promotes v1.0.0 as the first champion, through the same guardrails as every promotion. A first
 * model that misses them is never served: the job stops, naming the guardrails, and v1.0.0 stays
 * registered (the next start tries the promotion again).
 */
async function promoteFirstVersion(registry: RegistryContext): Promise<void> {
  try {
    await promoteVersion(registry, {
      version: FIRST_VERSION,
      expectCurrent: 'none',
      reason: 'first champion, created by `defasagem start`',
    });
  } catch (err) {
    if (!isAppError(err) || err.spec !== REGISTRY_ERRORS.GUARDRAIL_FAILED) throw err;
    const checks = (err.details?.guardrails ?? []) as GuardrailCheck[];
    const failed = checks
      .filter((c) => !c.ok)
      .map(
        (c) =>
          `test ${c.metric} ${c.value === null ? 'missing' : c.value.toFixed(3)} < ${GUARDRAIL_ENV[c.metric]}=${c.min}`,
      );
    throw new AppError(
      REGISTRY_ERRORS.GUARDRAIL_FAILED,
      `The first model ${FIRST_VERSION} misses the promotion guardrails (${failed.join('; ')}), so it is registered but not promoted and nothing is served. Train a better model and register and promote it, or accept this one with \`defasagem registry promote --version ${FIRST_VERSION} --force --reason "..."\`; then start again.`,
      { ...err.details, registry: registry.storage.location },
      { cause: err },
    );
  }
}

export interface StartOptions {
  /** Read once by the caller; the server is started with MODEL_VERSION=champion whatever it says. */
  settings: AppSettings;
  source: string | null;
  progress?: Progress;
  say?: (line: string) => void;
}

/** `defasagem start`: the main job, then the API on the champion (until SIGTERM / SIGINT). */
export async function startAndServe(
  opts: StartOptions,
): Promise<{ prepared: MainJobResult; server: RunningServer }> {
  const server = { ...opts.settings.server, modelVersion: 'champion' };
  const registry = openRegistry(path.resolve(server.registryDir), opts.settings.registry);
  const prepared = await runMainJob({
    registry,
    source: opts.source,
    ...(opts.progress ? { progress: opts.progress } : {}),
    ...(opts.say ? { say: opts.say } : {}),
  });
  return { prepared, server: await startServer({ settings: server, handleSignals: true, registry }) };
}
