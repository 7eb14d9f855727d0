/**
 * The training run behind `defasagem train`: temporal split, candidates developed on the earlier
 * transitions only, selection by a documented rule, a backtest on the test year, the production refit,
 * and every artifact written at once. Library code: takes a Progress, never prints.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { readModelingDatasetWithInfo } from '../data/modeling-dataset.js';
import type { ModelingRow } from '../data/transitions.js';
import { calibrate } from '../ml/calibration.js';
import { deriveSeed } from '../ml/rng.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileV1, TARGET } from '../model/format.js';
import type { GuardrailMinimums } from '../model/guardrails.js';
import type { LearnerKind } from '../model/learners.js';
import { type LoadedModelV1, loadModel } from '../model/load.js';
import { buildSignature } from '../model/signature.js';
import type { EvaluationBlock, MetricsFile } from '../model/types.js';
import { ABLATION_FOLDS, type AblationRow, runAblation } from './ablation.js';
import { type ArtifactName, checkArtifactsTarget, publishArtifacts } from './artifacts.js';
import { buildBaseline } from './baseline.js';
import { complexityOf, rawScores, SIMPLICITY_ORDER } from './candidates.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import { type Developed, develop } from './develop.js';
import { TRAIN_ERRORS } from './errors.js';
import { byGroup, evaluationBlock } from './evaluate.js';
import { type Fold, stratifiedGroupFolds } from './folds.js';
import {
  buildComparison,
  buildMetadata,
  type CandidateResult,
  candidateResults,
  type RunContext,
} from './outputs.js';
import { checkFolds, matricesOf, matrixFor, type Prepared, prepare, temporalSplit } from './prepared.js';
import { renderReport } from './report.js';
import { groupedBootstrapSe, type Selection, selectCandidate } from './select.js';

export type { CandidateResult } from './outputs.js';

export interface TrainOptions {
  dataPath: string;
  /** The modelling dataset's bytes already in memory (nothing is read; `dataPath` names them). */
  dataBytes?: Uint8Array;
  /** Where the artifacts are published; null: nowhere (they are only handed to `onArtifacts`). */
  artifactsDir: string | null;
  seed: number;
  testYear?: number;
  refit: boolean;
  config?: TrainConfig;
  progress?: Progress;
  /** Clock for created_at (tests pin it). */
  now?: () => Date;
  /**
   * The registry's promotion minimums (PROMOTE_MIN_*), given by the composition layer so the report can
   * state whether the model passes them; without them the report says they were not checked.
   */
  guardrails?: GuardrailMinimums;
  /** Called with the backtest model and the split once the backtest is evaluated (the retraining command). */
  onBacktest?: (b: BacktestView) => void;
  /** Called with every artifact's content (file name → text) once rendered (the retraining command). */
  onArtifacts?: (files: Readonly<Record<ArtifactName, string>>) => void;
}

/** What the backtest was: the model developed without the test year, the split and the run's settings. */
export interface BacktestView {
  file: ModelFileV1;
  model: LoadedModelV1;
  devRows: ModelingRow[];
  testRows: ModelingRow[];
  testYear: number;
  cfg: TrainConfig;
  seed: number;
  dataSha256: string;
  createdAt: string;
  /**
   * The backtest model this run developed for one learner kind (every candidate is developed on
   * `devRows` with `cfg` and `seed`), assembled exactly as `developBacktestModel` would make it; null for
   * a kind the run did not develop. The retraining command uses it instead of developing the champion's
   * configuration again when that configuration and seed are this run's.
   */
  developedModel: (kind: LearnerKind) => ModelFileV1 | null;
}

export interface TrainSummary {
  artifactsDir: string | null;
  /** The files written (none when `artifactsDir` is null). */
  files: string[];
  learner: LearnerKind;
  threshold: number;
  testYear: number;
  developmentYears: number[];
  productionYears: number[];
  refit: boolean;
  selection: { rule: string; reason: string };
  validation: EvaluationBlock;
  test: EvaluationBlock;
  candidates: CandidateResult[];
  ablation: AblationRow[];
  durationMs: number;
  /** Wall time of each stage, in order (read, candidates, selection, backtest, ablation, refit, artifacts). */
  stagesMs: Record<string, number>;
}

/** Seed offsets of the sub-tasks, so each draws its own stream from the run's seed. */
const REFIT_SEED_OFFSET = 100;
const SELECTION_SEED_OFFSET = 200;

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Wall time between marks, in ms by stage name (what the benchmarks print). */
function stageClock() {
  let last = performance.now();
  const ms: Record<string, number> = {};
  return {
    ms,
    mark(stage: string) {
      const now = performance.now();
      ms[stage] = Math.round(now - last);
      last = now;
    },
  };
}

function loadRows(
  dataPath: string,
  bytes: Uint8Array | undefined,
): Promise<{ rows: ModelingRow[]; sha256: string; synthetic: boolean; sourceSha256: string | null }> {
  return readModelingDatasetWithInfo(dataPath, bytes).then((info) => {
    const sha256 = createHash('sha256')
      .update(bytes ?? readFileSync(dataPath))
      .digest('hex');
    const bad = info.rows.findIndex((r) => r.ano_base === null || !Number.isInteger(r.ano_base));
    if (bad >= 0) {
      throw new AppError(
        TRAIN_ERRORS.DATASET_INVALID,
        `Row ${bad + 1} of ${dataPath} has no ano_base (needed for the temporal split)`,
        { path: dataPath, row: bad + 1 },
      );
    }
    return { rows: info.rows, sha256, synthetic: info.synthetic, sourceSha256: info.sourceSha256 };
  });
}

function assembleModel(opts: {
  createdAt: string;
  prepared: Prepared;
  dev: Developed;
  cfg: TrainConfig;
  fit: 'backtest' | 'refit';
  seed: number;
  dataSha256: string;
  chosenOn: string;
}): ModelFileV1 {
  const { dev, prepared, cfg } = opts;
  return {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    created_at: opts.createdAt,
    target: TARGET,
    features: prepared.pipeline.spec,
    learner: dev.final,
    calibrator: {
      kind: cfg.calibration,
      fitted_on: `scores fora da dobra (${cfg.folds} dobras) de ${opts.chosenOn}`,
      state: dev.calibrator,
    },
    threshold: dev.threshold.threshold,
    threshold_policy: { ...cfg.threshold_policy, chosen_on: opts.chosenOn },
    risk_bands: {
      medio_from: dev.threshold.threshold,
      alto_from: Math.max(dev.threshold.threshold, cfg.alto_min_probability),
      alto_min_probability: cfg.alto_min_probability,
    },
    training: {
      label_years: prepared.labelYears,
      rows: prepared.rows.length,
      positives: prepared.y.reduce((a, b) => a + b, 0),
      seed: opts.seed,
      fit: opts.fit,
      data_sha256: opts.dataSha256,
    },
  };
}

/** Folds of a prepared set, checked: every fold fits on both classes. */
function foldsOf(p: Prepared, cfg: TrainConfig, seed: number, what: string): Fold[] {
  const folds = stratifiedGroupFolds(p.y, p.groups, cfg.folds, seed);
  checkFolds(folds, p.y, what);
  return folds;
}

/** One candidate developed on the development set: the seed per kind is what makes it reproducible. */
function developKind(
  dev: Prepared,
  folds: Fold[],
  cfg: TrainConfig,
  seed: number,
  kind: LearnerKind,
  onFold = () => {},
) {
  return develop({
    kind,
    X: matrixFor(dev, kind),
    y: dev.y,
    folds,
    cfg,
    seed: deriveSeed(seed, SIMPLICITY_ORDER.indexOf(kind)),
    persistenceFeature: dev.pipeline.names.indexOf('atrasado_agora'),
    onFold,
  });
}

function developCandidates(
  dev: Prepared,
  folds: Fold[],
  cfg: TrainConfig,
  seed: number,
  progress: Progress,
): Map<LearnerKind, Developed> {
  const persistenceFeature = dev.pipeline.names.indexOf('atrasado_agora');
  const kinds = SIMPLICITY_ORDER.filter(
    (k) =>
      (cfg.candidates.includes(k) || k === 'persistence') && (k !== 'persistence' || persistenceFeature >= 0),
  );
  progress.stage('Cross-fitting the candidates', kinds.length * cfg.folds);
  const developed = new Map<LearnerKind, Developed>();
  for (const kind of kinds)
    developed.set(
      kind,
      developKind(dev, folds, cfg, seed, kind, () => progress.tick()),
    );
  progress.done();
  return developed;
}

/**
 * The backtest model one learner kind gets when `train` develops it on `devRows` with `cfg` and `seed`
 * (same pipeline, folds, seeds, calibration and threshold): the retraining command develops the
 * champion's recorded configuration again with it, on the challenger's development rows.
 */
export function developBacktestModel(a: {
  devRows: ModelingRow[];
  cfg: TrainConfig;
  seed: number;
  kind: LearnerKind;
  dataSha256: string;
  createdAt: string;
}): ModelFileV1 {
  const dev = prepare(a.devRows, a.cfg.features);
  const chosen = developKind(dev, foldsOf(dev, a.cfg, a.seed, 'development'), a.cfg, a.seed, a.kind);
  return backtestFile(a, dev, chosen);
}

/** A candidate developed on the development set, assembled as the backtest model file. */
function backtestFile(
  a: { createdAt: string; cfg: TrainConfig; seed: number; dataSha256: string },
  dev: Prepared,
  chosen: Developed,
): ModelFileV1 {
  return assembleModel({
    createdAt: a.createdAt,
    prepared: dev,
    dev: chosen,
    cfg: a.cfg,
    fit: 'backtest',
    seed: a.seed,
    dataSha256: a.dataSha256,
    chosenOn: `transições com ano do rótulo ${dev.labelYears.join(', ')}`,
  });
}

function selectFrom(developed: Map<LearnerKind, Developed>, dev: Prepared, cfg: TrainConfig, seed: number) {
  const list = [...developed.values()];
  const se = groupedBootstrapSe(
    dev.y,
    list.map((d) => d.oofProb),
    dev.groups,
    cfg.selection_bootstrap,
    deriveSeed(seed, SELECTION_SEED_OFFSET),
  );
  const standardErrors = new Map(list.map((d, i) => [d.kind, se[i]!]));
  const selection = selectCandidate(
    list.map((d) => ({
      kind: d.kind,
      prAuc: d.validation.pr_auc,
      se: standardErrors.get(d.kind)!,
      meetsRecall: d.threshold.rule === 'max_fbeta' || d.threshold.rule === 'min_recall',
      complexity: complexityOf(d.final),
      eligible: cfg.eligible.includes(d.kind),
    })),
    cfg.selection_standard_errors,
  );
  return { selection, standardErrors };
}

/** Develops the chosen candidate again on every transition (the production model). */
function refitProduction(
  rows: ModelingRow[],
  selection: Selection,
  cfg: TrainConfig,
  seed: number,
  progress: Progress,
): { prepared: Prepared; developed: Developed } {
  progress.stage('Refitting on every year', cfg.folds);
  const prepared = prepare(rows, cfg.features);
  const developed = develop({
    kind: selection.kind,
    X: matrixFor(prepared, selection.kind),
    y: prepared.y,
    folds: foldsOf(prepared, cfg, seed, 'production'),
    cfg,
    seed: deriveSeed(seed, REFIT_SEED_OFFSET + SIMPLICITY_ORDER.indexOf(selection.kind)),
    persistenceFeature: prepared.pipeline.names.indexOf('atrasado_agora'),
    onFold: () => progress.tick(),
  });
  progress.done();
  return { prepared, developed };
}

interface Backtest {
  /** The backtest model file and the same model loaded. */
  file: ModelFileV1;
  model: LoadedModelV1;
  yTest: Float64Array;
  /** The backtest model's calibrated scores of the test year. */
  pTest: Float64Array;
  validation: EvaluationBlock;
  test: EvaluationBlock;
  groups: MetricsFile['by_group'];
}

/** The chosen development model assembled, loaded and evaluated: validation, test year, groups. */
function evaluateBacktest(a: {
  createdAt: string;
  dev: Prepared;
  chosen: Developed;
  cfg: TrainConfig;
  seed: number;
  sha256: string;
  testRows: ModelingRow[];
  testYear: number;
  progress: Progress;
}): Backtest {
  const { dev, chosen, cfg, seed, testYear, progress } = a;
  progress.stage('Evaluating (bootstrap)', 3);
  const file = backtestFile({ createdAt: a.createdAt, cfg, seed, dataSha256: a.sha256 }, dev, chosen);
  const model = loadModel(JSON.parse(JSON.stringify(file)));
  const threshold = chosen.threshold.threshold;
  const validation = evaluationBlock(dev.y, chosen.oofProb, threshold, dev.labelYears, cfg.bootstrap, seed);
  progress.tick();
  const yTest = Float64Array.from(a.testRows, (r) => r.em_risco);
  const pTest = model.predictProba(a.testRows);
  const test = evaluationBlock(yTest, pTest, model.threshold, [testYear], cfg.bootstrap, seed);
  progress.tick();
  const groups = byGroup(a.testRows, yTest, pTest, model.threshold, [testYear], cfg.bootstrap_groups, seed);
  progress.tick();
  progress.done();
  return { file, model, yTest, pTest, validation, test, groups };
}

/** Every artifact, rendered (file name → content). */
function renderArtifacts(
  ctx: RunContext,
  bt: Backtest,
  candidates: CandidateResult[],
  ablation: AblationRow[],
  guardrails: GuardrailMinimums | null,
): Record<ArtifactName, string> {
  const { prodModel, prodPrepared } = ctx;
  const modelFileText = json(ctx.production);
  const metrics: MetricsFile = {
    metrics_version: 1,
    learner: ctx.selection.kind,
    threshold: prodModel.threshold,
    validation: bt.validation,
    test: bt.test,
    by_group: bt.groups,
  };
  const baseline = buildBaseline({
    createdAt: ctx.createdAt,
    records: prodPrepared.rows,
    labelYears: prodPrepared.labelYears,
    // The production model's own cross-fitting: its out-of-fold calibrated scores, row for row.
    oofScores: (ctx.refitDev ?? ctx.chosen).oofProb,
    threshold: prodModel.threshold,
    modelFileText,
  });
  const report = renderReport({
    createdAt: ctx.createdAt,
    metrics,
    comparison: candidates,
    selection: ctx.selection,
    model: prodModel,
    backtest: bt.model,
    testYear: ctx.testYear,
    devYears: ctx.dev.labelYears,
    productionYears: prodPrepared.labelYears,
    refit: ctx.refit,
    validation: { y: ctx.dev.y, p: ctx.chosen.oofProb },
    servedValidation: { y: prodPrepared.y, p: (ctx.refitDev ?? ctx.chosen).oofProb },
    servedChoice: (ctx.refitDev ?? ctx.chosen).threshold,
    guardrails,
    test: { y: bt.yTest, p: bt.pTest },
    synthetic: ctx.data.synthetic,
    cfg: ctx.cfg,
    testRows: ctx.testRows,
    ablation,
  });
  return {
    'model_v1.json': modelFileText,
    'model_metadata_v1.json': json(buildMetadata(ctx)),
    'model_signature_v1.json': json(buildSignature(prodModel)),
    'metrics_v1.json': json(metrics),
    'model_comparison.json': json(buildComparison(ctx, candidates, ablation)),
    'model_report.md': report.markdown,
    'model_report.html': report.html,
    'baseline_v1.json': json(baseline),
  };
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const clock = stageClock();
  const cfg = opts.config ?? (structuredClone(DEFAULT_TRAIN_CONFIG) as TrainConfig);
  const progress = opts.progress ?? silentProgress;
  const createdAt = (opts.now ?? (() => new Date()))().toISOString();
  const seed = opts.seed;
  // Before any work: a file or a foreign folder at --artifacts would only fail after training.
  if (opts.artifactsDir !== null) checkArtifactsTarget(opts.artifactsDir);

  progress.stage('Reading data', 1);
  const { rows, sha256, synthetic, sourceSha256 } = await loadRows(opts.dataPath, opts.dataBytes);
  progress.tick();
  progress.done();
  clock.mark('read');

  const { testYear, devRows, testRows } = temporalSplit(rows, opts.testYear);
  const dev = prepare(devRows, cfg.features);
  const devFolds = foldsOf(dev, cfg, seed, 'development');
  const developed = developCandidates(dev, devFolds, cfg, seed, progress);
  clock.mark('candidates');

  // Test-year scores of every candidate (for the comparison; selection never looks at them).
  const testMats = matricesOf(dev.pipeline, testRows);
  const testProb = new Map<LearnerKind, Float64Array>();
  for (const [kind, d] of developed) {
    testProb.set(kind, calibrate(d.calibrator, rawScores(d.final, matrixFor(testMats, kind))));
  }
  const { selection, standardErrors } = selectFrom(developed, dev, cfg, seed);
  const chosen = developed.get(selection.kind)!;
  clock.mark('selection');

  const bt = evaluateBacktest({ createdAt, dev, chosen, cfg, seed, sha256, testRows, testYear, progress });
  const backtestModel = bt.file;
  clock.mark('backtest');
  opts.onBacktest?.({
    file: bt.file,
    model: bt.model,
    devRows,
    testRows,
    testYear,
    cfg,
    seed,
    dataSha256: sha256,
    createdAt,
    developedModel: (kind) => {
      const d = developed.get(kind);
      if (!d) return null;
      return kind === selection.kind
        ? bt.file
        : backtestFile({ createdAt, cfg, seed, dataSha256: sha256 }, dev, d);
    },
  });

  let ablation: AblationRow[] = [];
  if (cfg.ablation && selection.kind !== 'persistence') {
    progress.stage('Feature ablation', 8);
    ablation = runAblation({
      kind: selection.kind,
      devRows,
      testRows,
      cfg,
      folds: stratifiedGroupFolds(dev.y, dev.groups, ABLATION_FOLDS, seed),
      seed: deriveSeed(seed, SIMPLICITY_ORDER.indexOf(selection.kind)),
      iterations: chosen.finalIterations,
      onRow: () => progress.tick(),
    });
    progress.done();
  }

  clock.mark('ablation');
  // Production model: refit on every transition with the same procedure, or keep the backtest model.
  const refit = opts.refit ? refitProduction(rows, selection, cfg, seed, progress) : null;
  clock.mark('refit');
  const production = refit
    ? assembleModel({
        createdAt,
        prepared: refit.prepared,
        dev: refit.developed,
        cfg,
        fit: 'refit',
        seed,
        dataSha256: sha256,
        chosenOn: `transições com ano do rótulo ${refit.prepared.labelYears.join(', ')} (reajuste)`,
      })
    : backtestModel;
  const prodPrepared = refit?.prepared ?? dev;

  progress.stage('Writing artifacts', 1);
  const prodModel: LoadedModelV1 = loadModel(JSON.parse(JSON.stringify(production)));
  const candidates = candidateResults({
    developed,
    testProb,
    yTest: bt.yTest,
    testYear,
    seed,
    standardErrors,
    cfg,
  });
  const context: RunContext = {
    createdAt,
    cfg,
    seed,
    testYear,
    dev,
    testRows,
    prodPrepared,
    refit: opts.refit,
    selection,
    chosen,
    refitDev: refit?.developed ?? null,
    production,
    prodModel,
    data: { path: opts.dataPath, sha256, rows: rows.length, synthetic, source_sha256: sourceSha256 },
  };
  const rendered = renderArtifacts(context, bt, candidates, ablation, opts.guardrails ?? null);
  const files = opts.artifactsDir === null ? [] : publishArtifacts(opts.artifactsDir, rendered);
  opts.onArtifacts?.(rendered);
  clock.mark('artifacts');
  progress.tick();
  progress.done();

  return {
    artifactsDir: opts.artifactsDir,
    files,
    learner: selection.kind,
    threshold: prodModel.threshold,
    testYear,
    developmentYears: dev.labelYears,
    productionYears: prodPrepared.labelYears,
    refit: opts.refit,
    selection,
    validation: bt.validation,
    test: bt.test,
    candidates,
    ablation,
    durationMs: Math.round(performance.now() - t0),
    stagesMs: clock.ms,
  };
}
