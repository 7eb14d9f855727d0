/**
 * Developing one candidate on a set of transitions: cross-fitting (out-of-fold raw scores), a
 * calibrator and a threshold fitted on those out-of-fold scores only, and the final learner fitted on
 * every row of the set with the settings the folds chose (GBDT iterations by early stopping).
 */
import { type CalibratorState, calibrate, fitCalibrator } from '../ml/calibration.js';
import { type Matrix, selectRows, selectValues } from '../ml/matrix.js';
import { evaluateAt, type MetricSet } from '../ml/metrics.js';
import { deriveSeed } from '../ml/rng.js';
import { chooseThreshold, type ThresholdChoice } from '../ml/threshold.js';
import type { LearnerBlock, LearnerKind } from '../model/learners.js';
import { fitCandidate, rawScores } from './candidates.js';
import type { TrainConfig } from './config.js';
import type { Fold } from './folds.js';

export interface Developed {
  kind: LearnerKind;
  /** Out-of-fold raw scores and their calibrated probabilities (validation). */
  oofRaw: Float64Array;
  oofProb: Float64Array;
  calibrator: CalibratorState;
  threshold: ThresholdChoice;
  /** Validation metrics at the chosen threshold on the out-of-fold probabilities. */
  validation: MetricSet;
  /** GBDT iterations per fold (early stopping) and the median used for the final fit. */
  foldIterations: number[];
  finalIterations: number | null;
  /** The learner fitted on every row of the set. */
  final: LearnerBlock;
  fitMs: number;
}

export interface DevelopInput {
  kind: LearnerKind;
  /** The feature matrix in the candidate's input mode (raw or imputed). */
  X: Matrix;
  y: Float64Array;
  folds: Fold[];
  cfg: TrainConfig;
  seed: number;
  persistenceFeature: number;
  onFold?: () => void;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

export function develop(inp: DevelopInput): Developed {
  const t0 = performance.now();
  const { kind, X, y, folds, cfg } = inp;
  const oofRaw = new Float64Array(X.rows);
  const foldIterations: number[] = [];
  folds.forEach((fold, k) => {
    const fitted = fitCandidate(kind, selectRows(X, fold.train), selectValues(y, fold.train), cfg, {
      seed: deriveSeed(inp.seed, k),
      earlyStopping: true,
      persistenceFeature: inp.persistenceFeature,
    });
    if (fitted.iterations !== undefined) foldIterations.push(fitted.iterations);
    const raw = rawScores(fitted.block, selectRows(X, fold.valid));
    fold.valid.forEach((i, q) => {
      oofRaw[i] = raw[q]!;
    });
    inp.onFold?.();
  });
  const calibrator = fitCalibrator(cfg.calibration, oofRaw, y);
  const oofProb = calibrate(calibrator, oofRaw);
  const threshold = chooseThreshold(y, oofProb, cfg.threshold_policy);
  const validation = evaluateAt(y, oofProb, threshold.threshold).metrics;
  const finalIterations = foldIterations.length > 0 ? Math.max(1, median(foldIterations)) : null;
  const final = fitCandidate(kind, X, y, cfg, {
    seed: deriveSeed(inp.seed, folds.length),
    earlyStopping: false,
    ...(finalIterations !== null ? { gbdtIterations: finalIterations } : {}),
    persistenceFeature: inp.persistenceFeature,
  }).block;
  return {
    kind,
    oofRaw,
    oofProb,
    calibrator,
    threshold,
    validation,
    foldIterations,
    finalIterations,
    final,
    fitMs: performance.now() - t0,
  };
}
