/**
 * The contract between training (which writes model files), the registry (which stores them) and
 * serving/scoring (which load them). Implementations live in this folder; callers depend only on this.
 */
import type { FieldSpec, StudentRecord } from '../core/student.js';
import { METRIC_KEYS, type MetricKey } from '../ml/metrics.js';

/**
 * One factor behind a score: a derived feature's exact additive contribution to the learner's raw
 * score, with Portuguese words for people and the approximate effect on the student's risk.
 */
export interface Factor {
  /** Derived feature name, e.g. `ieg`, `anos_no_programa`, `defasagem`, `instituicao_publica`. */
  feature: string;
  /**
   * What the feature is for this student, in Portuguese, stated from the value and a reference the
   * model holds (e.g. "IDA 3,2 — abaixo da mediana dos alunos (6,1)", "Idade não informada").
   */
  label: string;
  /** The sentence to show: label, direction and approximate effect ("…: aumenta o risco em cerca de 8,1 pontos percentuais"). */
  text: string;
  /** The feature's value for this student before imputation (the category for one-hot features); null when missing. */
  value: number | string | null;
  /** True when the value is unknown for this student (a missing value is its own factor). */
  missing: boolean;
  /** Exact signed contribution to the learner's raw score (unit in `contribution_unit`); positive raises the risk. */
  contribution: number;
  /** Unit of `contribution`: the learner's raw score (log-odds for GBDT and logistic regression). */
  contribution_unit: 'log_odds' | 'probability' | 'flag';
  /**
   * Approximate effect on this student's risk, in percentage points: the calibrated risk minus the
   * calibrated risk of the raw score without this contribution. Effects of several factors do not add up.
   */
  effect_pp: number;
  direction: 'aumenta' | 'reduz';
}

export type RiskBand = 'alto' | 'medio' | 'baixo';

export interface ScoredStudent {
  /** Calibrated probability of lagging next year. */
  risk_score: number;
  /** 1 when risk_score ≥ the model's threshold. */
  risk_label: 0 | 1;
}

/** A loaded, ready-to-use model. Pure: no I/O after load. */
export interface LoadedModel {
  readonly formatVersion: number;
  /** Decision threshold on the calibrated score (chosen on validation data). */
  readonly threshold: number;
  /** Names of the derived features the learner sees, in order. */
  readonly featureNames: readonly string[];
  /** Learner kind, e.g. `gbdt`, `random_forest`, `logistic_regression`, `persistence`. */
  readonly learner: string;
  /** Calibrated probabilities for many students (the hot path: typed arrays, no per-row objects). */
  predictProba(records: readonly StudentRecord[]): Float64Array;
  /** Calibrated probability for one student. */
  predictOne(record: StudentRecord): number;
  /** Exact additive contributions per derived feature, sorted by |contribution|, top `k`. */
  explain(record: StudentRecord, k?: number): Factor[];
  /**
   * `predictOne(record)` and `explain(record, k)` at once, the features computed once and the trees
   * walked once: the same numbers, bit for bit (the request path of one student with its factors).
   */
  predictExplain(record: StudentRecord, k: number): { score: number; factors: Factor[] };
}

/** model_signature(_v1).json: the input and output schema clients validate against. */
export interface ModelSignature {
  signature_version: 1;
  inputs: FieldSpec[];
  outputs: Array<{ name: string; type: string; description: string; categories?: string[] }>;
  example_request: Record<string, unknown>;
  example_response: Record<string, unknown>;
}

/** Every model file starts with this header; the registry reads `format_version` into the manifest. */
export interface ModelFileHeader {
  format: 'defasagem-model';
  format_version: number;
  created_at: string;
}

/** The metric names of metrics files: exactly the ML core's metric set, in its order. */
export const METRIC_NAMES: readonly MetricKey[] = METRIC_KEYS;
export type MetricName = MetricKey;

/** A point estimate with a bootstrap 95% interval (null bounds when not computed). */
export interface MetricWithCI {
  value: number;
  ci_low: number | null;
  ci_high: number | null;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Metrics of one evaluation set at the model's threshold. */
export interface EvaluationBlock {
  /** Label years covered, e.g. [2024]. */
  label_years: number[];
  n: number;
  positives: number;
  base_rate: number;
  /** Mean calibrated score: the share the model expects to lag (compare with base_rate). */
  mean_predicted?: number;
  threshold: number;
  metrics: Record<MetricName, MetricWithCI>;
  confusion: Confusion;
}

/**
 * metrics(_v1).json: comparable across versions without guesswork (same names, same blocks).
 * The registry's guardrails read `test.metrics.{roc_auc,precision,recall}.value`.
 */
export interface MetricsFile {
  metrics_version: 1;
  learner: string;
  threshold: number;
  validation: EvaluationBlock;
  /** Backtest on the held-out test year; null only when no later year exists. */
  test: EvaluationBlock | null;
  /** Per group (gender, school type, fase) on the test set. */
  by_group: Record<string, Record<string, EvaluationBlock>>;
}
