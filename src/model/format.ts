/**
 * The model file (model_v1.json): a versioned, self-contained JSON document. Everything needed to turn
 * a raw StudentRecord into a calibrated risk score and its explanation is inside: the fitted feature
 * pipeline, the learner's state, the calibrator, the threshold and the risk bands. docs/model.md
 * documents every field; bump MODEL_FORMAT_VERSION on any incompatible change.
 */

import type { FeaturePipelineSpec } from '../features/pipeline.js';
import type { CalibratorState } from '../ml/calibration.js';
import type { ThresholdPolicy } from '../ml/threshold.js';
import type { LearnerBlock } from './learners.js';
import type { ModelFileHeader } from './types.js';

export const MODEL_FORMAT = 'defasagem-model';
export const MODEL_FORMAT_VERSION = 1;

/** Maps the learner's raw score to a probability; `none` when the raw score already is one. */
export type CalibratorBlock =
  | { kind: 'none' }
  | { kind: 'isotonic' | 'platt'; fitted_on: string; state: CalibratorState };

/**
 * Risk bands for people: `baixo` below the threshold (not flagged), `medio` from the threshold, `alto`
 * from `alto_from` = max(threshold, alto_min_probability). The score is calibrated, so with the default
 * 0.5 `alto` reads "more likely than not to be behind next year".
 */
export interface RiskBands {
  medio_from: number;
  alto_from: number;
  alto_min_probability: number;
}

export interface TargetDefinition {
  name: 'em_risco';
  definition: string;
}

/** Short, human-facing summary of how this model was trained (the full story is in the metadata). */
export interface TrainingSummaryBlock {
  /** Label years (t+1) of the rows the learner was fitted on. */
  label_years: number[];
  rows: number;
  positives: number;
  seed: number;
  /** `backtest` (fitted before the test year) or `refit` (all transitions). */
  fit: 'backtest' | 'refit';
  data_sha256: string;
  [k: string]: unknown;
}

export interface ModelFileV1 extends ModelFileHeader {
  format: typeof MODEL_FORMAT;
  format_version: typeof MODEL_FORMAT_VERSION;
  created_at: string;
  target: TargetDefinition;
  features: FeaturePipelineSpec;
  learner: LearnerBlock;
  calibrator: CalibratorBlock;
  /** Decision threshold on the calibrated score: risk_label = 1 when score ≥ threshold. */
  threshold: number;
  threshold_policy: ThresholdPolicy & { chosen_on: string };
  risk_bands: RiskBands;
  training: TrainingSummaryBlock;
}

export const TARGET: TargetDefinition = {
  name: 'em_risco',
  definition:
    'em_risco = 1 quando o aluno observado no ano t está com defasagem < 0 (atrasado em relação à fase ideal) no ano t+1.',
};
