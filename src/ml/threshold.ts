/**
 * The decision-threshold policy, chosen on VALIDATION data only (never on test).
 *
 * Default policy `{ kind: 'max_fbeta_with_min_recall', beta: 2, min_recall: 0.75 }`: among every distinct
 * score of the validation set used as a cut-point (positive iff score ≥ cut), keep those with
 * recall ≥ min_recall and take the one with the highest F-beta; ties go to the higher precision, then
 * to the higher threshold (fewer students flagged).
 * Fallback: when no cut-point reaches min_recall (only possible if min_recall > 1 or with zero-weight
 * positives — with at least one positive, the lowest score reaches recall 1), the cut-point with the
 * highest recall is chosen (ties: highest F-beta, then higher threshold) and `rule` says so.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { binaryCurve, type Confusion, fbetaOf, precisionOf, recallOf } from './metrics.js';

export interface ThresholdPolicy {
  kind: 'max_fbeta_with_min_recall';
  beta: number;
  min_recall: number;
}

export const DEFAULT_THRESHOLD_POLICY: Readonly<ThresholdPolicy> = Object.freeze({
  kind: 'max_fbeta_with_min_recall',
  beta: 2,
  min_recall: 0.75,
});

export interface ThresholdChoice {
  threshold: number;
  policy: ThresholdPolicy;
  /** `max_fbeta` when the constraint was met, `fallback_highest_recall` otherwise. */
  rule: 'max_fbeta' | 'fallback_highest_recall';
  /** Validation metrics at the chosen threshold. */
  validation: {
    precision: number;
    recall: number;
    fbeta: number;
    f1: number;
    /** Share of rows flagged positive. */
    flagged_rate: number;
    confusion: Confusion;
  };
  /** Distinct cut-points examined. */
  candidates: number;
}

export function checkThresholdPolicy(policy: ThresholdPolicy): void {
  if (policy.kind !== 'max_fbeta_with_min_recall') {
    throw new AppError(ML_ERRORS.INVALID_OPTION, `unknown threshold policy kind "${String(policy.kind)}"`);
  }
  if (!(policy.beta > 0) || !(policy.min_recall >= 0)) {
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'threshold policy needs beta > 0 and min_recall ≥ 0');
  }
}

/** Chooses the threshold on validation labels and (calibrated) scores by `policy`. */
export function chooseThreshold(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  policy: ThresholdPolicy = DEFAULT_THRESHOLD_POLICY,
  sampleWeight?: ArrayLike<number>,
): ThresholdChoice {
  checkThresholdPolicy(policy);
  if (yTrue.length === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'threshold selection received no rows');
  if (yScore.length !== yTrue.length) {
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${yTrue.length} labels but ${yScore.length} scores`);
  }
  for (let i = 0; i < yScore.length; i++) {
    if (Number.isNaN(yScore[i]!)) throw new AppError(ML_ERRORS.INVALID_VALUE, `score at row ${i} is NaN`);
  }
  const curve = binaryCurve(yTrue, yScore, sampleWeight);
  const k = curve.tps.length;
  const P = curve.tps[k - 1]!;
  const N = curve.fps[k - 1]!;
  if (!(P > 0)) throw new AppError(ML_ERRORS.SINGLE_CLASS, 'threshold selection needs at least one positive');
  const at = (j: number): Confusion => ({
    tp: curve.tps[j]!,
    fp: curve.fps[j]!,
    fn: P - curve.tps[j]!,
    tn: N - curve.fps[j]!,
  });
  // Scan from the highest cut-point down; strict ">" keeps the higher threshold on exact ties.
  let best = -1;
  let bestF = -1;
  let bestP = -1;
  for (let j = 0; j < k; j++) {
    const c = at(j);
    if (recallOf(c) < policy.min_recall) continue;
    const f = fbetaOf(c, policy.beta);
    const p = precisionOf(c);
    if (f > bestF || (f === bestF && p > bestP)) {
      best = j;
      bestF = f;
      bestP = p;
    }
  }
  let rule: ThresholdChoice['rule'] = 'max_fbeta';
  if (best < 0) {
    rule = 'fallback_highest_recall';
    let bestR = -1;
    for (let j = 0; j < k; j++) {
      const c = at(j);
      const r = recallOf(c);
      const f = fbetaOf(c, policy.beta);
      if (r > bestR || (r === bestR && f > bestF)) {
        best = j;
        bestR = r;
        bestF = f;
      }
    }
  }
  const c = at(best);
  return {
    threshold: curve.thresholds[best]!,
    policy: { ...policy },
    rule,
    validation: {
      precision: precisionOf(c),
      recall: recallOf(c),
      fbeta: fbetaOf(c, policy.beta),
      f1: fbetaOf(c, 1),
      flagged_rate: (c.tp + c.fp) / (P + N),
      confusion: c,
    },
    candidates: k,
  };
}
