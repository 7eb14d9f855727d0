/**
 * The contract between training (which writes model files), the registry (which stores them) and
 * serving/scoring (which load them). Implementations live in this folder; callers depend only on this.
 */
import type { FieldSpec, StudentRecord } from '../core/student.js';

/** One factor behind a score: a derived feature's additive contribution (log-odds or probability). */
export interface Factor {
  /** Derived feature name, e.g. `ieg`, `anos_no_programa`, `defasagem`. */
  feature: string;
  /** Portuguese label for people. */
  label: string;
  /** The feature's value for this student (null when missing). */
  value: number | string | null;
  /** Signed contribution to the raw score (log-odds for GBDT/LR); positive raises the risk. */
  contribution: number;
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
}

/** model_signature(_v1).json: the input and output schema clients validate against. */
export interface ModelSignature {
  signature_version: 1;
  inputs: FieldSpec[];
  outputs: Array<{ name: string; type: string; description: string; categories?: string[] }>;
  example_request: Record<string, unknown>;
  example_response: Record<string, unknown>;
}
