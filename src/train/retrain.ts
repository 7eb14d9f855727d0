/**
 * `defasagem retrain`: new data in, a challenger trained by the standard protocol, judged against the
 * champion on the same most recent transitions that neither model was fitted on, registered with the
 * verdict in its manifest, and promoted only when it passes (or when forced with a reason).
 *
 * Which rows and models are compared (retrain-champion.ts says it in the output and the manifest):
 * the challenger's test year is the latest label year of the data. Its shipped model is refitted on
 * every year, that one included, so it is represented by its backtest model (developed without the
 * test year) — whose numbers are also its metrics.json test block and what the guardrails read. The
 * champion is represented by its shipped model when it never saw the test year, else by its recorded
 * configuration developed again on the same development rows.
 *
 * Library code: takes a Progress, never prints; the CLI maps the outcome to its exit code.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { ingest, modelingDatasetOf } from '../data/ingest.js';
import { versionExistsError } from '../registry/errors.js';
import {
  type BumpKind,
  type CollectedArtifacts,
  checkGuardrails,
  collectArtifactFiles,
  type GuardrailCheck,
  guardrailMinimums,
  parseVersion,
  promoteVersion,
  REGISTRY_ERRORS,
  type RegistryContext,
  type RetrainComparisonRow,
  type RetrainRecord,
  registerVersion,
} from '../registry/index.js';
import { actor } from '../registry/who.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import { type Champion, evaluateChampion, readChampion } from './retrain-champion.js';
import { judge, sideMetrics } from './retrain-compare.js';
import { RETRAIN_ERRORS } from './retrain-errors.js';
import { DEFAULT_TOLERANCES, type RetrainTolerances } from './retrain-settings.js';
import { type PlannedVersion, planVersion } from './retrain-version.js';
import { type BacktestView, type TrainSummary, train } from './train.js';

/** Exit codes of `defasagem retrain` besides the error catalogue's (docs/retrain.md). */
export const RETRAIN_EXIT = {
  /** The challenger was registered and is the champion now (a dry run: would be). */
  promoted: 0,
  /** Registered, not promoted: within every tolerance but no better than the champion. */
  not_better: 10,
  /** Registered with the verdict `rejected` (worse than a tolerance, or a guardrail fails); not promoted. */
  rejected: 11,
  /** Registered, not promoted because --promote was not given, though it passes: promote-worthy. */
  passed: 12,
} as const;
export type RetrainOutcome = keyof typeof RETRAIN_EXIT;

export interface RetrainOptions {
  /** A PEDE workbook (.xlsx), a folder of PEDE<YYYY>.csv files, or a modelling dataset (.parquet). */
  data: string;
  registry: RegistryContext;
  /** Exactly one of `newVersion` and `bump`. */
  newVersion?: string;
  bump?: BumpKind | 'auto';
  /** Promote the challenger when it passes. */
  promote?: boolean;
  /** Compute everything, write nothing (no registry change, no files left behind). */
  dryRun?: boolean;
  /** Promote even when the verdict says no (needs `promote` and `reason`). */
  force?: boolean;
  reason?: string;
  by?: string;
  notes?: string;
  /** Keep ingest's outputs here (default: a temp folder, removed). */
  outDir?: string;
  /** Keep the challenger's training artifacts here (default: not written; registered from memory). */
  artifactsDir?: string;
  /** The challenger's training config (default: the champion's recorded one, else the defaults). */
  config?: TrainConfig;
  /** The challenger's seed (default: the champion's, else `fallbackSeed`). */
  seed?: number;
  fallbackSeed: number;
  tolerances?: RetrainTolerances;
  /** Where the scratch folder is made (default: the OS temp folder); it is removed at the end. */
  tempRoot?: string;
  progress?: Progress;
  now?: () => Date;
}

export interface RetrainResult {
  outcome: RetrainOutcome;
  exit_code: number;
  dry_run: boolean;
  /** The version registered (or that a real run would register). */
  version: string;
  registered: boolean;
  promoted: boolean;
  champion: { before: string | null; after: string | null };
  verdict: RetrainRecord['verdict'];
  decision: RetrainRecord['decision'];
  reasons: string[];
  evaluation: RetrainRecord['evaluation'] & { mode: 'shipped' | 'redeveloped' | 'none' };
  comparison: RetrainComparisonRow[];
  guardrails: GuardrailCheck[];
  tolerances: RetrainTolerances;
  bump: PlannedVersion['bump'];
  data: RetrainRecord['data'] & { transitions: number; label_years: number[] };
  training: {
    learner: string;
    config_source: string;
    seed: number;
    test_year: number;
    development_years: number[];
    production_years: number[];
  };
  /** Folders the run kept (--out-dir, --artifacts); null when a temp folder was used and removed. */
  kept: { data_dir: string | null; artifacts: string | null };
  forced: RetrainRecord['forced'];
  timings_ms: {
    ingest: number;
    train: number;
    compare: number;
    register: number;
    total: number;
    /** The train stage split (TrainSummary.stagesMs). */
    train_stages: Record<string, number>;
  };
}

function invalid(message: string): AppError {
  return new AppError(RETRAIN_ERRORS.OPTIONS_INVALID, message, {});
}

function checkOptions(opts: RetrainOptions): void {
  if ((opts.newVersion === undefined) === (opts.bump === undefined)) {
    throw invalid('Give exactly one of --new-version vX.Y.Z and --bump major|minor|patch|auto.');
  }
  if (opts.bump !== undefined && !['major', 'minor', 'patch', 'auto'].includes(opts.bump)) {
    throw invalid(`--bump must be major, minor, patch or auto, not ${JSON.stringify(opts.bump)}.`);
  }
  if (opts.newVersion !== undefined) parseVersion(opts.newVersion);
  if (opts.force && !opts.promote) {
    throw invalid('--force overrides the verdict of --promote: give --promote too (and --reason).');
  }
  if (opts.force && !opts.reason?.trim()) {
    throw new AppError(
      REGISTRY_ERRORS.REASON_REQUIRED,
      'Promoting against the verdict (--force) needs --reason "why"; it is recorded in the manifest and the history.',
      {},
    );
  }
  if (opts.dryRun && (opts.outDir !== undefined || opts.artifactsDir !== undefined)) {
    throw invalid('--dry-run writes nothing: drop --out-dir and --artifacts, or run without --dry-run.');
  }
}

/** What --data is: a modelling dataset (.parquet) or a source for ingest (workbook or CSV folder). */
function dataKind(p: string): 'workbook' | 'dataset' {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(p);
  } catch {
    throw new AppError(CORE_ERRORS.FILE_NOT_FOUND, `--data ${p} does not exist.`, { path: p });
  }
  if (stat.isDirectory() || /\.xlsx$/i.test(p)) return 'workbook';
  if (/\.parquet$/i.test(p)) return 'dataset';
  throw new AppError(
    RETRAIN_ERRORS.DATA_UNSUPPORTED,
    `--data ${p} is neither an .xlsx workbook, a folder of CSV files nor a .parquet modelling dataset.`,
    { path: p },
  );
}

/** The challenger's configuration and seed: given, else the champion's recorded ones, else the defaults. */
function challengerRecipe(opts: RetrainOptions, champion: Champion | null) {
  const recorded = champion && !('problem' in champion.config) ? champion.config : null;
  const config = opts.config ?? recorded ?? (structuredClone(DEFAULT_TRAIN_CONFIG) as unknown as TrainConfig);
  const source = opts.config
    ? 'the --config file'
    : recorded
      ? `the recorded configuration of champion ${champion!.version}`
      : champion
        ? `the defaults (champion ${champion.version}'s configuration cannot be used: ${(champion.config as { problem: string }).problem})`
        : 'the defaults (no champion)';
  const seed = opts.seed ?? champion?.seed ?? opts.fallbackSeed;
  return { config, source, seed };
}

const ms = (t0: number) => Math.round(performance.now() - t0);
const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

interface Trained {
  summary: TrainSummary;
  bt: BacktestView;
  /** The challenger's artifacts (file name → content), as train() rendered them. */
  files: Readonly<Record<string, string>>;
  data: RetrainResult['data'];
  dataDir: string | null;
  ingestMs: number;
  trainMs: number;
}

/**
 * Ingest (for a workbook) and train the challenger. Its artifacts are written to --artifacts when given,
 * else nowhere: they are registered from memory, under the name of the scratch folder `artifacts`.
 */
async function trainChallenger(
  opts: RetrainOptions,
  tmp: string,
  artifacts: string,
  recipe: ReturnType<typeof challengerRecipe>,
): Promise<Trained> {
  const kind = dataKind(opts.data);
  const progress = opts.progress ?? silentProgress;
  let t0 = performance.now();
  let dataPath = opts.data;
  let dataBytes: Uint8Array | undefined;
  let sha = '';
  if (kind === 'workbook' && opts.outDir) {
    const s = await ingest({ source: opts.data, outDir: opts.outDir, progress });
    dataPath = s.outputs.modelingDataset;
    sha = s.source.sha256;
  } else if (kind === 'workbook') {
    // Nothing of ingest's is kept: the modelling dataset (the same bytes ingest would write) stays in
    // memory, named after where the scratch folder would have held it.
    const m = await modelingDatasetOf(opts.data, progress);
    dataBytes = m.bytes;
    dataPath = path.join(tmp, 'data', 'processed', 'modeling_dataset.parquet');
    sha = m.source.sha256;
  } else {
    sha = sha256File(dataPath);
  }
  const ingestMs = ms(t0);
  t0 = performance.now();
  let bt: BacktestView | null = null;
  let files: Readonly<Record<string, string>> = {};
  const summary = await train({
    dataPath,
    ...(dataBytes ? { dataBytes } : {}),
    artifactsDir: opts.artifactsDir ? artifacts : null,
    seed: recipe.seed,
    refit: true,
    config: recipe.config,
    // The report states the promotion guardrails the verdict reads (the registry's PROMOTE_MIN_*).
    guardrails: guardrailMinimums(opts.registry.settings),
    progress,
    ...(opts.now ? { now: opts.now } : {}),
    onBacktest: (v) => {
      bt = v;
    },
    onArtifacts: (f) => {
      files = f;
    },
  });
  const view = bt as BacktestView | null;
  if (!view) throw new Error('train() did not report its backtest');
  const rows = view.devRows.length + view.testRows.length;
  return {
    summary,
    bt: view,
    files,
    data: {
      path: path.resolve(opts.data),
      kind,
      sha256: sha,
      transitions: rows,
      label_years: [...summary.developmentYears, summary.testYear],
    },
    dataDir: opts.outDir ? path.resolve(opts.outDir) : null,
    ingestMs,
    trainMs: ms(t0),
  };
}

const challengerPhrase = (t: Trained) =>
  `its backtest model (${t.summary.learner} developed on label years ${t.summary.developmentYears.join(', ')})`;

/** Both sides scored on the test year, the guardrails on the challenger's test block, the verdict. */
function compare(opts: RetrainOptions, champion: Champion | null, t: Trained, tolerances: RetrainTolerances) {
  const { bt } = t;
  const y = Float64Array.from(bt.testRows, (r) => r.em_risco);
  const challenger = sideMetrics(y, bt.model.predictProba(bt.testRows), bt.model.threshold);
  const evaluation = champion ? evaluateChampion(champion, bt) : null;
  const championMetrics = evaluation ? sideMetrics(y, evaluation.scores, evaluation.threshold) : null;
  const guardrails = checkGuardrails({ test: t.summary.test }, opts.registry.settings);
  const judgement = judge(championMetrics, challenger, guardrails, tolerances);
  const positives = y.reduce((a, b) => a + b, 0);
  return {
    judgement,
    guardrails,
    evaluation: {
      mode: evaluation?.mode ?? ('none' as const),
      label_year: bt.testYear,
      rows: y.length,
      positives,
      champion_model: evaluation ? evaluation.model : null,
      challenger_model: challengerPhrase(t),
      why: evaluation
        ? evaluation.why
        : `No champion: the challenger's backtest model (developed without label year ${bt.testYear}) is checked against the promotion guardrails on ${bt.testYear}.`,
    },
  };
}

/** Registers (and promotes) the challenger; returns the version registered and whether it moved. */
async function commit(
  opts: RetrainOptions,
  collected: CollectedArtifacts,
  record: RetrainRecord,
  champion: Champion | null,
  guardrails: GuardrailCheck[],
): Promise<{ version: string; promoted: boolean }> {
  const reg = await registerVersion(opts.registry, {
    artifacts: collected.directory,
    collected,
    ...(opts.newVersion !== undefined ? { version: opts.newVersion } : { bump: opts.bump! }),
    notes: opts.notes ?? `defasagem retrain: ${record.verdict.replace('_', ' ')}`,
    ...(opts.by ? { by: opts.by } : {}),
    retrain: record,
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (record.decision !== 'promote') return { version: reg.version, promoted: false };
  const guardrailsFail = guardrails.some((g) => !g.ok);
  try {
    await promoteVersion(opts.registry, {
      version: reg.version,
      ...(opts.by ? { by: opts.by } : {}),
      // Compare-and-set on the champion the challenger was judged against.
      expectCurrent: champion?.version ?? 'none',
      force: Boolean(record.forced) && guardrailsFail,
      reason: record.forced
        ? `retrain --force: ${record.forced.reason}`
        : `retrain: ${record.reasons.join('; ')}`,
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (err) {
    if (err instanceof AppError && err.spec === REGISTRY_ERRORS.CHAMPION_CONFLICT) {
      throw new AppError(
        REGISTRY_ERRORS.CHAMPION_CONFLICT,
        `${reg.version} was registered but not promoted: the champion moved while it was compared with ${champion?.version ?? 'no champion'} (${err.message}). Run retrain again to compare it with the new champion.`,
        { version: reg.version, ...err.details },
        { cause: err },
      );
    }
    throw err;
  }
  return { version: reg.version, promoted: true };
}

function outcomeOf(decision: RetrainRecord['decision'], verdict: RetrainRecord['verdict']): RetrainOutcome {
  if (decision === 'promote') return 'promoted';
  if (verdict === 'rejected') return 'rejected';
  return verdict === 'not_better' ? 'not_better' : 'passed';
}

export async function retrain(opts: RetrainOptions): Promise<RetrainResult> {
  const t0 = performance.now();
  checkOptions(opts);
  const ctx = opts.registry;
  const tolerances = opts.tolerances ?? DEFAULT_TOLERANCES;
  const progress = opts.progress ?? silentProgress;
  // Before any work: a bad version or a champion that fails verification would only fail after training.
  if (opts.newVersion !== undefined && (await ctx.storage.hasVersion(parseVersion(opts.newVersion).text))) {
    throw versionExistsError(parseVersion(opts.newVersion).text);
  }
  const champion = await readChampion(ctx);
  const recipe = challengerRecipe(opts, champion);
  const tmp = mkdtempSync(path.join(opts.tempRoot ?? os.tmpdir(), 'defasagem-retrain-'));
  try {
    const artifacts = opts.artifactsDir ? path.resolve(opts.artifactsDir) : path.join(tmp, 'artifacts');
    const trained = await trainChallenger(opts, tmp, artifacts, recipe);
    let tc = performance.now();
    progress.stage('Comparing with the champion', 1);
    const { judgement, guardrails, evaluation } = compare(opts, champion, trained, tolerances);
    const forced = opts.force ? { by: actor(opts.by), reason: opts.reason!.trim() } : null;
    const decision: RetrainRecord['decision'] =
      opts.promote && (judgement.passed || forced) ? 'promote' : 'keep_champion';
    const record: RetrainRecord = {
      verdict: judgement.verdict,
      decision,
      champion: champion?.version ?? null,
      evaluation: {
        label_year: evaluation.label_year,
        rows: evaluation.rows,
        positives: evaluation.positives,
        champion_model: evaluation.champion_model,
        challenger_model: evaluation.challenger_model,
        why: evaluation.why,
      },
      comparison: judgement.comparison,
      guardrails,
      reasons: judgement.reasons,
      forced: decision === 'promote' && !judgement.passed ? forced : null,
      data: { path: trained.data.path, kind: trained.data.kind, sha256: trained.data.sha256 },
      config_source: recipe.source,
    };
    // Read and checked as the registry reads a training folder, from memory, once (plan and register).
    const collected = await collectArtifactFiles(
      artifacts,
      new Map(Object.entries(trained.files).map(([name, text]) => [name, Buffer.from(text, 'utf8')])),
    );
    const planned = await planVersion(ctx, collected, opts);
    progress.tick();
    progress.done();
    const compareMs = ms(tc);
    tc = performance.now();
    let version = planned.version;
    let promoted = false;
    if (!opts.dryRun) {
      progress.stage(decision === 'promote' ? 'Registering and promoting' : 'Registering', 1);
      ({ version, promoted } = await commit(opts, collected, record, champion, guardrails));
      progress.tick();
      progress.done();
    }
    const outcome = outcomeOf(decision, judgement.verdict);
    return {
      outcome,
      exit_code: RETRAIN_EXIT[outcome],
      dry_run: Boolean(opts.dryRun),
      version,
      registered: !opts.dryRun,
      promoted,
      champion: {
        before: champion?.version ?? null,
        after: promoted ? version : (champion?.version ?? null),
      },
      verdict: record.verdict,
      decision,
      reasons: record.reasons,
      evaluation,
      comparison: record.comparison,
      guardrails,
      tolerances: { ...tolerances },
      bump: planned.bump,
      data: trained.data,
      training: {
        learner: trained.summary.learner,
        config_source: recipe.source,
        seed: recipe.seed,
        test_year: trained.summary.testYear,
        development_years: trained.summary.developmentYears,
        production_years: trained.summary.productionYears,
      },
      kept: { data_dir: trained.dataDir, artifacts: opts.artifactsDir ? artifacts : null },
      forced: record.forced,
      timings_ms: {
        ingest: trained.ingestMs,
        train: trained.trainMs,
        compare: compareMs,
        register: opts.dryRun ? 0 : ms(tc),
        total: ms(t0),
        train_stages: trained.summary.stagesMs,
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
