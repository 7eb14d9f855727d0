/**
 * The main job behind `npm start`: make sure the registry has a champion, then serve
 * MODEL_VERSION=champion. Only an empty registry is bootstrapped (ingest → train → register v1.0.0 →
 * promote); a registry that has versions or a history but no champion.json is refused, because
 * choosing its champion is an operator's decision (`defasagem registry promote`).
 *
 * A synthetic model never stands in the way of a real one: when the champion was trained on the
 * synthetic workbook and a real one is given (--source, or a workbook in data/raw/), the job trains on
 * it, registers the next version by the versioning rules and promotes it through the guardrails. A
 * champion trained on real data is never replaced here (that is `defasagem retrain`, which compares
 * the two first): later starts go straight to serving, saying what they did not do with a --source.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AppError, isAppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { checkMonitorSettings } from '../monitor/index.js';
import {
  compareVersions,
  type GuardrailCheck,
  guardrailMinimums,
  listVersions,
  openRegistry,
  parseVersion,
  promoteVersion,
  REGISTRY_ERRORS,
  REGISTRY_SETTINGS,
  type RegisterResult,
  type RegistryContext,
  readChampion,
  readHistory,
  readManifest,
  registerVersion,
  registryLocation,
  versionProvenance,
  versionSynthetic,
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
  /**
   * `created`: this run promoted the first champion; `replaced`: it replaced a synthetic champion with a
   * model trained on real data; `kept`: the champion is the one that was there.
   */
  action: 'created' | 'replaced' | 'kept';
  /** The champion now. */
  version: string;
  /** The synthetic champion this run replaced; null unless `replaced`. */
  previous: string | null;
  /** The workbook this run trained on (null when it trained on none). */
  source: string | null;
  /** Whether the champion now was trained on synthetic data (null: its metadata does not say). */
  synthetic: boolean | null;
  elapsedMs: number;
}

export const FIRST_VERSION = 'v1.0.0';

/** The placeholder the README and the messages use for the real workbook's path. */
const WORKBOOK_PLACEHOLDER = '/path/to/PEDE2024.xlsx';

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

/** Makes sure the registry has a champion: builds the first one in an empty registry, replaces a synthetic one. */
export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const started = performance.now();
  const root = opts.root ?? process.cwd();
  const say = opts.say ?? (() => {});
  const { registry } = opts;

  const champion = await readChampion(registry);
  if (champion) return withChampion(opts, champion.version, root, say, started);

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
    const manifest = await readManifest(registry.storage, FIRST_VERSION);
    synthetic = manifest ? (await versionSynthetic(registry, manifest)) === true : false;
  } else {
    throw championMissing(registry.storage.location, versions, history.at(-1)?.to ?? null);
  }
  await promoteForStart(registry, FIRST_VERSION, null, source);
  const elapsedMs = Math.round(performance.now() - started);
  say(
    `Champion ${FIRST_VERSION} promoted in ${elapsedMs} ms${synthetic ? ' (SYNTHETIC data)' : ' (real data)'}.`,
  );
  return { action: 'created', version: FIRST_VERSION, previous: null, source, synthetic, elapsedMs };
}

/**
 * A registry with a champion: served as it is, unless the champion was trained on synthetic data and a
 * real workbook is at hand (then it is replaced). Says what it did not do and why.
 */
async function withChampion(
  opts: MainJobOptions,
  champion: string,
  root: string,
  say: (line: string) => void,
  started: number,
): Promise<MainJobResult> {
  const manifest = await readManifest(opts.registry.storage, champion);
  const synthetic = manifest ? await versionSynthetic(opts.registry, manifest) : null;
  const kept: MainJobResult = {
    action: 'kept',
    version: champion,
    previous: null,
    source: null,
    synthetic,
    elapsedMs: 0,
  };
  const source = pickSource(root, opts.source);
  if (synthetic === true && !source) {
    say(
      `⚠ ⚠ ⚠  The champion ${champion} was trained on SYNTHETIC data (fake students): its scores say nothing about real ones.`,
    );
    say(
      `⚠ ⚠ ⚠  To replace it with a model trained on the real PEDE workbook: npm start -- --source ${WORKBOOK_PLACEHOLDER} (or put the .xlsx in data/raw/).`,
    );
    return kept;
  }
  if (synthetic === true && source) return replaceSynthetic(opts, champion, source, root, say, started);
  if (opts.source) {
    say(
      `--source ${source} was NOT used: the champion ${champion} was trained on ${synthetic === false ? 'real data' : 'data not recorded as synthetic'}, and \`start\` replaces only a synthetic champion (it serves ${champion} as it is).`,
    );
    say(
      `To train on this workbook and replace ${champion} only if the new model is better: defasagem retrain --data ${source} --bump auto --promote (docs/retrain.md).`,
    );
  }
  return kept;
}

/**
 * The champion is synthetic and a real workbook is here: ingest it, train, register the next version
 * (the smallest bump the versioning rules allow) and promote it through the guardrails. A version an
 * earlier start already trained on this workbook and could not promote is promoted, not trained again.
 */
async function replaceSynthetic(
  opts: MainJobOptions,
  champion: string,
  source: string,
  root: string,
  say: (line: string) => void,
  started: number,
): Promise<MainJobResult> {
  const { registry } = opts;
  say(
    `The champion ${champion} was trained on SYNTHETIC data and a real workbook is here (${source}): replacing it (ingest → train → register the next version → promote).`,
  );
  const { ingest } = await import('../data/ingest.js');
  const progress = opts.progress ?? silentProgress;
  const summary = await ingest({ source, outDir: path.join(root, DEFAULTS.dataDir), progress });
  if (summary.synthetic) {
    say(
      `${source} is a synthetic workbook too (written by \`defasagem synth\`): the SYNTHETIC champion ${champion} stays. Give the real PEDE workbook: npm start -- --source ${WORKBOOK_PLACEHOLDER}.`,
    );
    return { action: 'kept', version: champion, previous: null, source, synthetic: true, elapsedMs: 0 };
  }
  let version = await earlierAttempt(registry, champion, summary.source.sha256);
  if (version) {
    say(
      `${version} was trained on this workbook by an earlier start and not promoted: promoting it, without training again.`,
    );
  } else {
    const registered = await trainAndRegister(opts, root, summary.outputs.modelingDataset, {
      bump: 'auto',
      notes: `Trained by \`defasagem start\` on ${path.basename(source)} to replace the SYNTHETIC champion ${champion}.`,
    });
    version = registered.version;
    say(`Registered ${version}: ${bumpSentence(registered)}.`);
  }
  await promoteForStart(registry, version, champion, source);
  const elapsedMs = Math.round(performance.now() - started);
  say(
    `Champion ${champion} (SYNTHETIC) → ${version} (real data, ${path.basename(source)}) promoted in ${elapsedMs} ms. ${champion} stays registered.`,
  );
  return { action: 'replaced', version, previous: champion, source, synthetic: false, elapsedMs };
}

/** How the versioning rules numbered a registration, in one clause. */
function bumpSentence(r: RegisterResult): string {
  const s = r.semver;
  if (!s.compared_with) return 'the first version of the registry';
  const rules = [
    ...new Set(s.reasons.filter((x) => x.bump === s.required).map((x) => x.rule.replaceAll('_', ' '))),
  ];
  return `a ${s.required.toUpperCase()} bump from ${s.compared_with}, the smallest the versioning rules allow (${rules.join(', ') || 'no change'}; docs/artifacts-architecture.md)`;
}

/**
 * A version above the champion, trained on real data from the workbook with this sha256, that was
 * never champion: what an earlier start registered before the guardrails refused it.
 */
async function earlierAttempt(
  registry: RegistryContext,
  champion: string,
  sourceSha256: string,
): Promise<string | null> {
  const moved = new Set((await readHistory(registry)).flatMap((e) => [e.to, e.from]));
  const above = (await listVersions(registry))
    .map((v) => v.version)
    .filter((v) => compareVersions(parseVersion(v), parseVersion(champion)) > 0 && !moved.has(v))
    .reverse();
  for (const version of above) {
    const manifest = await readManifest(registry.storage, version);
    if (!manifest) continue;
    const p = await versionProvenance(registry, manifest);
    if (p.synthetic === false && p.source_sha256 === sourceSha256) return version;
  }
  return null;
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
  // The data and training stacks load only when a model has to be built.
  const [{ ingest }, { parseYears, writeSyntheticWorkbook }] = await Promise.all([
    import('../data/ingest.js'),
    import('../data/synth.js'),
  ]);
  const progress = opts.progress ?? silentProgress;
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
    say(
      `⚠ ⚠ ⚠  Later, \`npm start -- --source ${WORKBOOK_PLACEHOLDER}\` (or the .xlsx in data/raw/) replaces it with a model trained on real data.`,
    );
    mkdirSync(path.dirname(source), { recursive: true });
    await writeSyntheticWorkbook(source, {
      students: DEFAULTS.syntheticStudents,
      years: parseYears(DEFAULTS.syntheticYears),
      seed: DEFAULTS.seed,
    });
  } else {
    say(`Training on ${source}.`);
  }

  const summary = await ingest({ source, outDir: path.join(root, DEFAULTS.dataDir), progress });
  if (summary.synthetic) synthetic = true;
  await trainAndRegister(opts, root, summary.outputs.modelingDataset, {
    version: FIRST_VERSION,
    notes: synthetic
      ? 'First model from `defasagem start`, trained on a SYNTHETIC workbook.'
      : `First model from \`defasagem start\`, trained on ${path.basename(source)}.`,
  });
  return { source, synthetic };
}

/** train (with the project's defaults) → register, as the start job does it. */
async function trainAndRegister(
  opts: MainJobOptions,
  root: string,
  dataPath: string,
  registration: { version: string; notes: string } | { bump: 'auto'; notes: string },
): Promise<RegisterResult> {
  const { train } = await import('../train/train.js');
  const artifactsDir = path.join(root, DEFAULTS.artifactsDir);
  const progress = opts.progress ?? silentProgress;
  await train({
    dataPath,
    artifactsDir,
    seed: DEFAULTS.seed,
    refit: true,
    progress,
    guardrails: guardrailMinimums(opts.registry.settings),
  });
  return registerVersion(opts.registry, { artifacts: artifactsDir, ...registration });
}

/** The guardrail settings by metric, to name them in the error. */
const GUARDRAIL_ENV: Record<GuardrailCheck['metric'], string> = {
  roc_auc: REGISTRY_SETTINGS.promoteMinRocAuc.env,
  precision: REGISTRY_SETTINGS.promoteMinPrecision.env,
  recall: REGISTRY_SETTINGS.promoteMinRecall.env,
};

/**
 * Promotes a version start built, through the same guardrails as every promotion: the first champion
 * (`replacing` null) or the replacement of a synthetic one. A model that misses them is never served,
 * and nothing else is served in its place: the job stops, naming the guardrails and what to do, and
 * the version stays registered (the next start tries the promotion again without training again).
 */
async function promoteForStart(
  registry: RegistryContext,
  version: string,
  replacing: string | null,
  source: string | null,
): Promise<void> {
  try {
    await promoteVersion(registry, {
      version,
      expectCurrent: replacing ?? 'none',
      reason: replacing
        ? `trained on real data (${source ? path.basename(source) : 'a workbook'}) by \`defasagem start\`, replacing the SYNTHETIC champion ${replacing}`
        : 'first champion, created by `defasagem start`',
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
    const what = replacing
      ? `The model ${version}, trained on ${source ? path.basename(source) : 'the real workbook'}, misses the promotion guardrails (${failed.join('; ')}), so it is registered but not promoted; the SYNTHETIC champion ${replacing} is not served in its place, so nothing is served.`
      : `The first model ${version} misses the promotion guardrails (${failed.join('; ')}), so it is registered but not promoted and nothing is served.`;
    throw new AppError(
      REGISTRY_ERRORS.GUARDRAIL_FAILED,
      `${what} Read why in its report (\`defasagem registry show ${version}\`; model_report.md in the registry's ${version}/ folder). Then train a better model and register and promote it, or accept this one with \`defasagem registry promote --version ${version} --force --reason "..."\`; then start again (it does not train again on the same workbook).`,
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
  // A monitoring setup the server would refuse (pseudonymised without its secret) stops us before training.
  checkMonitorSettings(opts.settings.monitor);
  const registry = openRegistry(registryLocation(server.registryDir), opts.settings.registry);
  const prepared = await runMainJob({
    registry,
    source: opts.source,
    ...(opts.progress ? { progress: opts.progress } : {}),
    ...(opts.say ? { say: opts.say } : {}),
  });
  return {
    prepared,
    server: await startServer({
      settings: server,
      monitor: opts.settings.monitor,
      handleSignals: true,
      registry,
    }),
  };
}
