/**
 * The JSON artifacts that describe a training run besides the model itself: the candidates' results,
 * model_comparison.json and model_metadata_v1.json (including the operating point the team acts on).
 */
import type { ModelingRow } from '../data/transitions.js';
import type { MetricSet } from '../ml/metrics.js';
import { MODEL_FORMAT_VERSION, type ModelFileV1, TARGET } from '../model/format.js';
import type { LearnerKind } from '../model/learners.js';
import type { LoadedModelV1 } from '../model/load.js';
import type { AblationRow } from './ablation.js';
import { CANDIDATE_LABEL, complexityOf, inputModeOf } from './candidates.js';
import type { TrainConfig } from './config.js';
import type { Developed } from './develop.js';
import { evaluationBlock } from './evaluate.js';
import { labelShiftProjection } from './operating-point.js';
import type { Prepared } from './prepared.js';
import type { Selection } from './select.js';
import { libraryVersions } from './versions.js';

export interface CandidateResult {
  kind: LearnerKind;
  label: string;
  input: 'raw' | 'imputed';
  /** `candidata` may be shipped; `referência` is evaluated for comparison only. */
  role: 'candidata' | 'referência';
  threshold: number;
  threshold_rule: string;
  meets_recall: boolean;
  validation: Record<string, number | null>;
  /** Grouped-bootstrap standard error of the validation PR-AUC (the selection rule's noise). */
  validation_pr_auc_se: number | null;
  /** Informational only: never used to choose. */
  test: Record<string, number | null> | null;
  gbdt_iterations: number | null;
  /** Fitted parameters (coefficients or leaves): the tie-breaker of the selection rule. */
  parameters: number;
  fit_ms: number;
}

/** Share lagging at which the report and metadata project the fixed threshold (besides validation's). */
export const PROJECTED_PREVALENCES = [0.3, 0.4, 0.5] as const;

const r6 = (v: number): number | null => (Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e6);
const metricRecord = (m: MetricSet): Record<string, number | null> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, r6(v as number)]));

export function candidateResults(inp: {
  developed: Map<LearnerKind, Developed>;
  testProb: Map<LearnerKind, Float64Array>;
  yTest: Float64Array;
  testYear: number;
  seed: number;
  standardErrors: Map<LearnerKind, number>;
  cfg: TrainConfig;
}): CandidateResult[] {
  return [...inp.developed.values()].map((d) => {
    const p = inp.testProb.get(d.kind)!;
    const tm = evaluationBlock(inp.yTest, p, d.threshold.threshold, [inp.testYear], 0, inp.seed);
    return {
      kind: d.kind,
      label: CANDIDATE_LABEL[d.kind],
      input: inputModeOf(d.kind),
      role: inp.cfg.eligible.includes(d.kind) ? 'candidata' : 'referência',
      threshold: d.threshold.threshold,
      threshold_rule: d.threshold.rule,
      meets_recall: d.threshold.rule === 'max_fbeta' || d.threshold.rule === 'min_recall',
      validation: metricRecord(d.validation),
      validation_pr_auc_se: r6(inp.standardErrors.get(d.kind) ?? Number.NaN),
      test: Object.fromEntries(Object.entries(tm.metrics).map(([k, v]) => [k, v.value])),
      gbdt_iterations: d.finalIterations,
      parameters: complexityOf(d.final),
      fit_ms: Math.round(d.fitMs),
    };
  });
}

/** What buildMetadata and buildComparison need from the run. */
export interface RunContext {
  createdAt: string;
  cfg: TrainConfig;
  seed: number;
  testYear: number;
  dev: Prepared;
  testRows: ModelingRow[];
  prodPrepared: Prepared;
  refit: boolean;
  selection: Selection;
  chosen: Developed;
  refitDev: Developed | null;
  production: ModelFileV1;
  prodModel: LoadedModelV1;
  /** The modelling dataset; `source_sha256` is the workbook's (or CSV folder's) it was ingested from. */
  data: { path: string; sha256: string; rows: number; synthetic: boolean; source_sha256: string | null };
}

export function buildComparison(ctx: RunContext, candidates: CandidateResult[], ablation: AblationRow[]) {
  return {
    comparison_version: 1,
    created_at: ctx.createdAt,
    protocol: {
      development_label_years: ctx.dev.labelYears,
      test_label_year: ctx.testYear,
      validation: `validação cruzada estratificada por rótulo e agrupada por aluno (${ctx.cfg.folds} dobras) nas transições de desenvolvimento`,
      threshold_policy: ctx.cfg.threshold_policy,
      calibration: ctx.cfg.calibration,
    },
    selection: { ...ctx.selection, winner: ctx.selection.kind },
    note: 'As métricas de teste são informativas: a escolha usa apenas a validação.',
    candidates,
    ablation: {
      note: 'O aprendiz escolhido refeito sem cada atributo derivado (ou grupo), ou com ele quando está fora do padrão; informativo, não entra na escolha.',
      rows: ablation,
    },
  };
}

/** The operating point: threshold, how it was chosen, bands, capacity and the label-shift projection. */
function operatingPoint(ctx: RunContext) {
  const d = ctx.refitDev ?? ctx.chosen;
  const validation = { y: ctx.prodPrepared.y, p: d.oofProb };
  const validationRate = ctx.prodPrepared.y.reduce((a, b) => a + b, 0) / ctx.prodPrepared.y.length;
  return {
    threshold: ctx.prodModel.threshold,
    rule: d.threshold.rule,
    validation: d.threshold.validation,
    risk_bands: ctx.production.risk_bands,
    capacity: ctx.cfg.capacity,
    label_shift: labelShiftProjection(
      validation,
      ctx.prodModel.threshold,
      [...new Set([...PROJECTED_PREVALENCES, r6(validationRate) as number])].sort((a, b) => a - b),
    ),
  };
}

export function buildMetadata(ctx: RunContext) {
  const { dev, prodPrepared, cfg } = ctx;
  return {
    metadata_version: 1,
    created_at: ctx.createdAt,
    model_file: 'model_v1.json',
    model_format_version: MODEL_FORMAT_VERSION,
    learner: ctx.selection.kind,
    /** True when the training data came from the synthetic workbook (`defasagem synth`): fake students. */
    synthetic: ctx.data.synthetic,
    target: TARGET,
    protocol: {
      test_label_year: ctx.testYear,
      development_label_years: dev.labelYears,
      production_label_years: prodPrepared.labelYears,
      refit: ctx.refit,
      folds: cfg.folds,
      selection: ctx.selection.rule,
    },
    training_periods: {
      development: {
        label_years: dev.labelYears,
        observation_years: dev.labelYears.map((y) => y - 1),
        rows: dev.rows.length,
      },
      test: { label_years: [ctx.testYear], observation_years: [ctx.testYear - 1], rows: ctx.testRows.length },
      production: {
        label_years: prodPrepared.labelYears,
        observation_years: prodPrepared.labelYears.map((y) => y - 1),
        rows: prodPrepared.rows.length,
      },
    },
    features: ctx.prodModel.file.features.features.map((f) => ({
      name: f.name,
      label: f.label,
      derivation: f.derivation,
    })),
    dropped_constant_features: ctx.prodModel.file.features.dropped_constant,
    threshold: ctx.prodModel.threshold,
    threshold_policy: ctx.production.threshold_policy,
    threshold_choice: {
      backtest: {
        threshold: ctx.chosen.threshold.threshold,
        rule: ctx.chosen.threshold.rule,
        validation: ctx.chosen.threshold.validation,
      },
      ...(ctx.refitDev
        ? {
            production: {
              threshold: ctx.refitDev.threshold.threshold,
              rule: ctx.refitDev.threshold.rule,
              validation: ctx.refitDev.threshold.validation,
              oof_metrics: metricRecord(ctx.refitDev.validation),
            },
          }
        : {}),
    },
    operating_point: operatingPoint(ctx),
    risk_bands: ctx.production.risk_bands,
    calibration: {
      kind: cfg.calibration,
      fitted_on: ctx.production.calibrator.kind === 'none' ? null : ctx.production.calibrator.fitted_on,
    },
    config: cfg,
    seed: ctx.seed,
    data: ctx.data,
    library_versions: libraryVersions(),
  };
}
