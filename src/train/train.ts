/**
 * The training run behind `defasagem train`: temporal split, candidates developed on the earlier
 * transitions only, selection by a documented rule, a backtest on the test year, the production refit,
 * and every artifact written at once. Library code: takes a Progress, never prints.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import type { StudentRecord } from '../core/student.js';
import { readModelingDatasetWithInfo } from '../data/modeling-dataset.js';
import type { ModelingRow } from '../data/transitions.js';
import { compilePipeline, type FeaturePipeline, fitFeaturePipeline } from '../features/pipeline.js';
import { calibrate } from '../ml/calibration.js';
import { createMatrix, type Matrix } from '../ml/matrix.js';
import { deriveSeed } from '../ml/rng.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileV1, TARGET } from '../model/format.js';
import type { LearnerKind } from '../model/learners.js';
import { type LoadedModelV1, loadModel } from '../model/load.js';
import { buildSignature } from '../model/signature.js';
import type { EvaluationBlock, MetricsFile } from '../model/types.js';
import { checkArtifactsTarget, publishArtifacts } from './artifacts.js';
import { buildBaseline } from './baseline.js';
import { CANDIDATE_LABEL, complexityOf, inputModeOf, rawScores, SIMPLICITY_ORDER } from './candidates.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import { type Developed, develop } from './develop.js';
import { TRAIN_ERRORS } from './errors.js';
import { byGroup, evaluationBlock } from './evaluate.js';
import { type Fold, stratifiedGroupFolds } from './folds.js';
import { renderReport } from './report.js';
import { libraryVersions } from './versions.js';

export interface TrainOptions {
  dataPath: string;
  artifactsDir: string;
  seed: number;
  testYear?: number;
  refit: boolean;
  config?: TrainConfig;
  progress?: Progress;
  /** Clock for created_at (tests pin it). */
  now?: () => Date;
}

export interface CandidateResult {
  kind: LearnerKind;
  label: string;
  input: 'raw' | 'imputed';
  threshold: number;
  threshold_rule: string;
  meets_recall: boolean;
  validation: Record<string, number | null>;
  /** Informational only: never used to choose. */
  test: Record<string, number | null> | null;
  gbdt_iterations: number | null;
  /** Fitted parameters (coefficients or leaves): the tie-breaker of the selection rule. */
  parameters: number;
  fit_ms: number;
}

export interface TrainSummary {
  artifactsDir: string;
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
  durationMs: number;
}

const r6 = (v: number): number | null => (Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e6);
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Every fold must fit on both classes, or the learners fail with an error about a fold, not the data. */
function checkFolds(folds: readonly Fold[], y: Float64Array, what: string): void {
  folds.forEach((fold, f) => {
    let pos = 0;
    for (const i of fold.train) pos += y[i]!;
    if (pos === 0 || pos === fold.train.length) {
      const total = y.reduce((a, b) => a + b, 0);
      throw new AppError(
        TRAIN_ERRORS.TOO_FEW_ROWS,
        `The ${what} transitions (${y.length} rows, ${total} positive) are too few for ${folds.length}-fold cross-fitting: fold ${f + 1} would be fitted on one class only`,
        { set: what, rows: y.length, positives: total, folds: folds.length, fold: f + 1 },
      );
    }
  });
}

function labelYearOf(r: StudentRecord): number {
  return (r.ano_base as number) + 1;
}

/** A development set: rows, their pipeline and matrices in both input modes. */
interface Prepared {
  rows: ModelingRow[];
  y: Float64Array;
  pipeline: FeaturePipeline;
  raw: Matrix;
  imputed: Matrix;
  groups: Array<string | null>;
  labelYears: number[];
}

function prepare(rows: ModelingRow[], cfg: TrainConfig): Prepared {
  const pipeline = compilePipeline(fitFeaturePipeline(rows, cfg.features));
  const w = pipeline.width;
  return {
    rows,
    y: Float64Array.from(rows, (r) => r.em_risco),
    pipeline,
    raw: createMatrix(rows.length, w, pipeline.transform(rows, false)),
    imputed: createMatrix(rows.length, w, pipeline.transform(rows, true)),
    groups: rows.map((r) => r.aluno_id ?? null),
    labelYears: [...new Set(rows.map(labelYearOf))].sort((a, b) => a - b),
  };
}

function matrixFor(p: Prepared, kind: LearnerKind): Matrix {
  return inputModeOf(kind) === 'raw' ? p.raw : p.imputed;
}

function metricRecord(m: Record<string, number>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, r6(v)]));
}

function loadRows(dataPath: string): Promise<{ rows: ModelingRow[]; sha256: string; synthetic: boolean }> {
  return readModelingDatasetWithInfo(dataPath).then((info) => {
    const sha256 = createHash('sha256').update(readFileSync(dataPath)).digest('hex');
    const bad = info.rows.findIndex((r) => r.ano_base === null || !Number.isInteger(r.ano_base));
    if (bad >= 0) {
      throw new AppError(
        TRAIN_ERRORS.DATASET_INVALID,
        `Row ${bad + 1} of ${dataPath} has no ano_base (needed for the temporal split)`,
        {
          path: dataPath,
          row: bad + 1,
        },
      );
    }
    return { rows: info.rows, sha256, synthetic: info.synthetic };
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

/** The selection rule, applied to validation (out-of-fold) results only. */
export function selectCandidate(
  results: ReadonlyArray<{ kind: LearnerKind; prAuc: number; meetsRecall: boolean; complexity: number }>,
  tolerance: number,
): { kind: LearnerKind; rule: string; reason: string } {
  const rule = `Entre os candidatos que atingem o recall mínimo na validação com o seu limiar, o de maior PR-AUC na validação fora da dobra; diferenças de até ${tolerance} ficam com o modelo mais simples (menos parâmetros ajustados: coeficientes ou folhas).`;
  const eligible = results.filter((r) => r.meetsRecall && !Number.isNaN(r.prAuc));
  const pool = eligible.length > 0 ? eligible : results.filter((r) => !Number.isNaN(r.prAuc));
  const best = Math.max(...pool.map((r) => r.prAuc));
  const near = pool.filter((r) => r.prAuc >= best - tolerance);
  near.sort(
    (a, b) =>
      a.complexity - b.complexity || SIMPLICITY_ORDER.indexOf(a.kind) - SIMPLICITY_ORDER.indexOf(b.kind),
  );
  const winner = near[0]!;
  const top = pool.find((r) => r.prAuc === best)!;
  const reason =
    (eligible.length === 0
      ? 'Nenhum candidato atingiu o recall mínimo na validação; escolhido pelo PR-AUC. '
      : '') +
    (winner.kind === top.kind
      ? `${winner.kind} teve o maior PR-AUC de validação (${winner.prAuc.toFixed(4)}).`
      : `${winner.kind} (PR-AUC ${winner.prAuc.toFixed(4)}) ficou a no máximo ${tolerance} do melhor, ${top.kind} (${top.prAuc.toFixed(4)}), e é mais simples (${winner.complexity} parâmetros contra ${top.complexity}).`);
  return { kind: winner.kind, rule, reason };
}

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const cfg = opts.config ?? (structuredClone(DEFAULT_TRAIN_CONFIG) as TrainConfig);
  const progress = opts.progress ?? silentProgress;
  const createdAt = (opts.now ?? (() => new Date()))().toISOString();
  // Before any work: a file or a foreign folder at --artifacts would only fail after training.
  checkArtifactsTarget(opts.artifactsDir);

  progress.stage('Lendo dados', 1);
  const { rows, sha256, synthetic } = await loadRows(opts.dataPath);
  progress.tick();
  progress.done();

  // Temporal split on the label year (t+1).
  const years = [...new Set(rows.map(labelYearOf))].sort((a, b) => a - b);
  const testYear = opts.testYear ?? years[years.length - 1]!;
  const testRows = rows.filter((r) => labelYearOf(r) === testYear);
  const devRows = rows.filter((r) => labelYearOf(r) < testYear);
  if (testRows.length === 0 || devRows.length === 0) {
    throw new AppError(
      TRAIN_ERRORS.SPLIT_IMPOSSIBLE,
      testRows.length === 0
        ? `No transitions have label year ${testYear} (label years in the data: ${years.join(', ')})`
        : `No transitions before label year ${testYear} to develop the model on`,
      { test_year: testYear, label_years: years },
    );
  }
  for (const [name, set] of [
    ['development', devRows],
    ['test', testRows],
  ] as const) {
    const pos = set.reduce((a, r) => a + r.em_risco, 0);
    if (pos === 0 || pos === set.length) {
      throw new AppError(TRAIN_ERRORS.SPLIT_IMPOSSIBLE, `The ${name} transitions hold only one class`, {
        test_year: testYear,
      });
    }
  }

  const kinds = SIMPLICITY_ORDER.filter((k) => cfg.candidates.includes(k) || k === 'persistence');
  const dev = prepare(devRows, cfg);
  const persistenceFeature = dev.pipeline.names.indexOf('atrasado_agora');
  const activeKinds = kinds.filter((k) => k !== 'persistence' || persistenceFeature >= 0);
  const devFolds = stratifiedGroupFolds(dev.y, dev.groups, cfg.folds, opts.seed);
  checkFolds(devFolds, dev.y, 'development');

  progress.stage('Validação cruzada (candidatos)', activeKinds.length * cfg.folds);
  const developed = new Map<LearnerKind, Developed>();
  for (const kind of activeKinds) {
    developed.set(
      kind,
      develop({
        kind,
        X: matrixFor(dev, kind),
        y: dev.y,
        folds: devFolds,
        cfg,
        seed: deriveSeed(opts.seed, SIMPLICITY_ORDER.indexOf(kind)),
        persistenceFeature,
        onFold: () => progress.tick(),
      }),
    );
  }
  progress.done();

  // Test-year scores of every candidate (for the comparison; selection never looks at them).
  const yTest = Float64Array.from(testRows, (r) => r.em_risco);
  const testRawMat = createMatrix(
    testRows.length,
    dev.pipeline.width,
    dev.pipeline.transform(testRows, false),
  );
  const testImpMat = createMatrix(
    testRows.length,
    dev.pipeline.width,
    dev.pipeline.transform(testRows, true),
  );
  const testProb = new Map<LearnerKind, Float64Array>();
  for (const [kind, d] of developed) {
    const raw = rawScores(d.final, inputModeOf(kind) === 'raw' ? testRawMat : testImpMat);
    testProb.set(kind, calibrate(d.calibrator, raw));
  }

  const selection = selectCandidate(
    [...developed.values()].map((d) => ({
      kind: d.kind,
      prAuc: d.validation.pr_auc,
      meetsRecall: d.threshold.rule === 'max_fbeta',
      complexity: complexityOf(d.final),
    })),
    cfg.selection_tolerance,
  );
  const chosen = developed.get(selection.kind)!;

  progress.stage('Avaliação (bootstrap)', 3);
  const devYearsLabel = dev.labelYears.join(', ');
  const backtestModel = assembleModel({
    createdAt,
    prepared: dev,
    dev: chosen,
    cfg,
    fit: 'backtest',
    seed: opts.seed,
    dataSha256: sha256,
    chosenOn: `transições com ano do rótulo ${devYearsLabel}`,
  });
  const backtest = loadModel(JSON.parse(JSON.stringify(backtestModel)));
  const validationBlock = evaluationBlock(
    dev.y,
    chosen.oofProb,
    chosen.threshold.threshold,
    dev.labelYears,
    cfg.bootstrap,
    opts.seed,
  );
  progress.tick();
  const pTest = backtest.predictProba(testRows);
  const testBlock = evaluationBlock(yTest, pTest, backtest.threshold, [testYear], cfg.bootstrap, opts.seed);
  progress.tick();
  const groups = byGroup(
    testRows,
    yTest,
    pTest,
    backtest.threshold,
    [testYear],
    cfg.bootstrap_groups,
    opts.seed,
  );
  progress.tick();
  progress.done();

  // Production model: refit on every transition with the same procedure, or keep the backtest model.
  let production: ModelFileV1 = backtestModel;
  let prodPrepared = dev;
  let refitDev: Developed | null = null;
  if (opts.refit) {
    progress.stage('Reajuste em todos os anos', cfg.folds);
    prodPrepared = prepare(rows, cfg);
    const pf = prodPrepared.pipeline.names.indexOf('atrasado_agora');
    const prodFolds = stratifiedGroupFolds(prodPrepared.y, prodPrepared.groups, cfg.folds, opts.seed);
    checkFolds(prodFolds, prodPrepared.y, 'production');
    refitDev = develop({
      kind: selection.kind,
      X: matrixFor(prodPrepared, selection.kind),
      y: prodPrepared.y,
      folds: prodFolds,
      cfg,
      seed: deriveSeed(opts.seed, 100 + SIMPLICITY_ORDER.indexOf(selection.kind)),
      persistenceFeature: pf,
      onFold: () => progress.tick(),
    });
    production = assembleModel({
      createdAt,
      prepared: prodPrepared,
      dev: refitDev,
      cfg,
      fit: 'refit',
      seed: opts.seed,
      dataSha256: sha256,
      chosenOn: `transições com ano do rótulo ${prodPrepared.labelYears.join(', ')} (reajuste)`,
    });
    progress.done();
  }

  progress.stage('Escrevendo artefatos', 1);
  const prodModel: LoadedModelV1 = loadModel(JSON.parse(JSON.stringify(production)));
  const signature = buildSignature(prodModel);
  const candidates: CandidateResult[] = [...developed.values()].map((d) => {
    const p = testProb.get(d.kind)!;
    const tm = evaluationBlock(yTest, p, d.threshold.threshold, [testYear], 0, opts.seed);
    return {
      kind: d.kind,
      label: CANDIDATE_LABEL[d.kind],
      input: inputModeOf(d.kind),
      threshold: d.threshold.threshold,
      threshold_rule: d.threshold.rule,
      meets_recall: d.threshold.rule === 'max_fbeta',
      validation: metricRecord(d.validation as unknown as Record<string, number>),
      test: Object.fromEntries(Object.entries(tm.metrics).map(([k, v]) => [k, v.value])),
      gbdt_iterations: d.finalIterations,
      parameters: complexityOf(d.final),
      fit_ms: Math.round(d.fitMs),
    };
  });
  const metrics: MetricsFile = {
    metrics_version: 1,
    learner: selection.kind,
    threshold: prodModel.threshold,
    validation: validationBlock,
    test: testBlock,
    by_group: groups,
  };
  const comparison = {
    comparison_version: 1,
    created_at: createdAt,
    protocol: {
      development_label_years: dev.labelYears,
      test_label_year: testYear,
      validation: `validação cruzada estratificada por rótulo e agrupada por aluno (${cfg.folds} dobras) nas transições de desenvolvimento`,
      threshold_policy: cfg.threshold_policy,
      calibration: cfg.calibration,
    },
    selection: { ...selection, winner: selection.kind },
    note: 'As métricas de teste são informativas: a escolha usa apenas a validação.',
    candidates,
  };
  const baselineScores = prodModel.predictProba(prodPrepared.rows);
  const baseline = buildBaseline({
    createdAt,
    records: prodPrepared.rows,
    labelYears: prodPrepared.labelYears,
    scores: baselineScores,
    threshold: prodModel.threshold,
  });
  const metadata = {
    metadata_version: 1,
    created_at: createdAt,
    model_file: 'model_v1.json',
    model_format_version: MODEL_FORMAT_VERSION,
    learner: selection.kind,
    target: TARGET,
    protocol: {
      test_label_year: testYear,
      development_label_years: dev.labelYears,
      production_label_years: prodPrepared.labelYears,
      refit: opts.refit,
      folds: cfg.folds,
      selection: selection.rule,
    },
    training_periods: {
      development: {
        label_years: dev.labelYears,
        observation_years: dev.labelYears.map((y) => y - 1),
        rows: dev.rows.length,
      },
      test: { label_years: [testYear], observation_years: [testYear - 1], rows: testRows.length },
      production: {
        label_years: prodPrepared.labelYears,
        observation_years: prodPrepared.labelYears.map((y) => y - 1),
        rows: prodPrepared.rows.length,
      },
    },
    features: prodModel.file.features.features.map((f) => ({
      name: f.name,
      label: f.label,
      derivation: f.derivation,
    })),
    dropped_constant_features: prodModel.file.features.dropped_constant,
    threshold: prodModel.threshold,
    threshold_policy: production.threshold_policy,
    threshold_choice: {
      backtest: {
        threshold: chosen.threshold.threshold,
        rule: chosen.threshold.rule,
        validation: chosen.threshold.validation,
      },
      ...(refitDev
        ? {
            production: {
              threshold: refitDev.threshold.threshold,
              rule: refitDev.threshold.rule,
              validation: refitDev.threshold.validation,
              oof_metrics: metricRecord(refitDev.validation as unknown as Record<string, number>),
            },
          }
        : {}),
    },
    risk_bands: production.risk_bands,
    calibration: {
      kind: cfg.calibration,
      fitted_on: production.calibrator.kind === 'none' ? null : production.calibrator.fitted_on,
    },
    config: cfg,
    seed: opts.seed,
    data: { path: opts.dataPath, sha256, rows: rows.length, synthetic },
    library_versions: libraryVersions(),
  };
  const report = renderReport({
    createdAt,
    metrics,
    comparison: candidates,
    selection,
    model: prodModel,
    backtest,
    testYear,
    devYears: dev.labelYears,
    refit: opts.refit,
    yTest,
    pTest,
    synthetic,
    cfg,
    testRows,
  });
  const files = publishArtifacts(opts.artifactsDir, {
    'model_v1.json': json(production),
    'model_metadata_v1.json': json(metadata),
    'model_signature_v1.json': json(signature),
    'metrics_v1.json': json(metrics),
    'model_comparison.json': json(comparison),
    'model_report.md': report,
    'baseline_v1.json': json(baseline),
  });
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
    validation: validationBlock,
    test: testBlock,
    candidates,
    durationMs: Math.round(performance.now() - t0),
  };
}
