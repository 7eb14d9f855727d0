/**
 * The decision-threshold policy, chosen on VALIDATION data only (never on test). A student is flagged
 * when score ≥ threshold (`isFlagged`); the cut-points examined are the distinct validation scores.
 *
 * `min_recall_with_flag_cap` (the default, `{ min_recall: 0.85, max_flag_ratio: 1.25 }`): the HIGHEST
 * cut-point whose validation recall is ≥ min_recall, i.e. the fewest students flagged that still catch
 * the required share of those who will lag (rule `min_recall`). Recall at a fixed cut depends only on
 * how the students who lag are scored, not on how many of them there are, which is what lets one fixed
 * threshold serve cohorts with different shares lagging. The flag cap then bounds the share flagged by
 * max_flag_ratio × the share EXPECTED to lag, taken as the mean of the (calibrated) validation scores:
 * the outcomes are not used for the cap. If the recall cut flags more than the cap, the lowest cut-point
 * within the cap is taken instead (rule `flag_cap`, recall below the floor: the report says so).
 *
 * `max_fbeta_with_min_recall` (`{ beta: 2, min_recall: 0.75 }`, the previous default): among the
 * cut-points with recall ≥ min_recall, the highest F-beta; ties go to the higher precision, then to the
 * higher threshold. Where most students lag, F2 is best when nearly everybody is flagged, so this policy
 * flags far more than a team can follow up when the share lagging falls: kept for comparison.
 *
 * Fallback (both): when no cut-point reaches min_recall (only possible if min_recall > 1 or with
 * zero-weight positives — with at least one positive, the lowest score reaches recall 1), the cut-point
 * with the highest recall is chosen (ties: highest F-beta, F2 for the cap policy, then higher threshold)
 * and `rule` says so.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { binaryCurve, type Confusion, fbetaOf, precisionOf, recallOf } from './metrics.js';

export interface FbetaThresholdPolicy {
  kind: 'max_fbeta_with_min_recall';
  beta: number;
  min_recall: number;
}

export interface CappedThresholdPolicy {
  kind: 'min_recall_with_flag_cap';
  min_recall: number;
  /** Flag at most this multiple of the share expected to lag (mean calibrated score). */
  max_flag_ratio: number;
}

export type ThresholdPolicy = FbetaThresholdPolicy | CappedThresholdPolicy;
export const THRESHOLD_POLICY_KINDS = ['min_recall_with_flag_cap', 'max_fbeta_with_min_recall'] as const;

export const DEFAULT_THRESHOLD_POLICY: Readonly<CappedThresholdPolicy> = Object.freeze({
  kind: 'min_recall_with_flag_cap',
  min_recall: 0.85,
  max_flag_ratio: 1.25,
});

/** F-beta reported for the cap policy (which does not optimise one): recall weighs more than precision. */
const REPORTED_BETA = 2;

export interface ThresholdChoice {
  threshold: number;
  policy: ThresholdPolicy;
  /**
   * `max_fbeta` / `min_recall` when the recall floor was met, `flag_cap` when the cap moved the cut
   * above the recall floor's, `fallback_highest_recall` when no cut reached the floor.
   */
  rule: 'max_fbeta' | 'min_recall' | 'flag_cap' | 'fallback_highest_recall';
  /** Validation metrics at the chosen threshold. */
  validation: {
    precision: number;
    recall: number;
    /** F-beta with the policy's beta (2 for the cap policy). */
    fbeta: number;
    f1: number;
    /** Share of rows flagged positive. */
    flagged_rate: number;
    /** Share expected to lag: the mean score (weighted). */
    expected_rate: number;
    confusion: Confusion;
  };
  /** Distinct cut-points examined. */
  candidates: number;
}

/** The one decision rule everywhere (training metrics, reports, serving): flagged iff score ≥ threshold. */
export function isFlagged(score: number, threshold: number): boolean {
  return score >= threshold;
}

export function checkThresholdPolicy(policy: ThresholdPolicy): void {
  if (policy.kind !== 'max_fbeta_with_min_recall' && policy.kind !== 'min_recall_with_flag_cap') {
    throw new AppError(
      ML_ERRORS.INVALID_OPTION,
      `unknown threshold policy kind "${String((policy as { kind: unknown }).kind)}"`,
    );
  }
  if (!(policy.min_recall >= 0)) {
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'threshold policy needs min_recall ≥ 0');
  }
  if (policy.kind === 'max_fbeta_with_min_recall' && !(policy.beta > 0)) {
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'threshold policy needs beta > 0');
  }
  if (policy.kind === 'min_recall_with_flag_cap' && !(policy.max_flag_ratio > 0)) {
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'threshold policy needs max_flag_ratio > 0');
  }
}

function checkInputs(yTrue: ArrayLike<number>, yScore: ArrayLike<number>): void {
  if (yTrue.length === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'threshold selection received no rows');
  if (yScore.length !== yTrue.length) {
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${yTrue.length} labels but ${yScore.length} scores`);
  }
  for (let i = 0; i < yScore.length; i++) {
    if (Number.isNaN(yScore[i]!)) throw new AppError(ML_ERRORS.INVALID_VALUE, `score at row ${i} is NaN`);
  }
}

/** Weighted mean score: the share of rows a calibrated model expects to be positive. */
export function expectedRate(yScore: ArrayLike<number>, sampleWeight?: ArrayLike<number>): number {
  let s = 0;
  let w = 0;
  for (let i = 0; i < yScore.length; i++) {
    const wi = sampleWeight ? sampleWeight[i]! : 1;
    s += wi * yScore[i]!;
    w += wi;
  }
  return w > 0 ? s / w : Number.NaN;
}

/** Chooses the threshold on validation labels and (calibrated) scores by `policy`. */
export function chooseThreshold(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  policy: ThresholdPolicy = DEFAULT_THRESHOLD_POLICY,
  sampleWeight?: ArrayLike<number>,
): ThresholdChoice {
  checkThresholdPolicy(policy);
  checkInputs(yTrue, yScore);
  const curve = binaryCurve(yTrue, yScore, sampleWeight);
  const k = curve.tps.length;
  const P = curve.tps[k - 1]!;
  const N = curve.fps[k - 1]!;
  if (!(P > 0)) throw new AppError(ML_ERRORS.SINGLE_CLASS, 'threshold selection needs at least one positive');
  // Cut-point j flags every row with score ≥ thresholds[j] (thresholds descend with j).
  const at = (j: number): Confusion => ({
    tp: curve.tps[j]!,
    fp: curve.fps[j]!,
    fn: P - curve.tps[j]!,
    tn: N - curve.fps[j]!,
  });
  const beta = policy.kind === 'max_fbeta_with_min_recall' ? policy.beta : REPORTED_BETA;
  const expected = expectedRate(yScore, sampleWeight);
  const first =
    policy.kind === 'max_fbeta_with_min_recall'
      ? maxFbetaCut(k, at, policy)
      : minRecallCut(k, at, policy.min_recall);
  let best = first.best;
  let rule: ThresholdChoice['rule'] = first.rule;
  if (best < 0) {
    rule = 'fallback_highest_recall';
    best = highestRecallCut(k, at, beta);
  }
  if (policy.kind === 'min_recall_with_flag_cap') {
    const cap = policy.max_flag_ratio * expected * (P + N);
    // Lowest cut-point within the cap (the most students the cap allows), if the chosen one exceeds it.
    if (curve.tps[best]! + curve.fps[best]! > cap) {
      let j = best;
      while (j > 0 && curve.tps[j]! + curve.fps[j]! > cap) j--;
      best = j;
      rule = 'flag_cap';
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
      fbeta: fbetaOf(c, beta),
      f1: fbetaOf(c, 1),
      flagged_rate: (c.tp + c.fp) / (P + N),
      expected_rate: expected,
      confusion: c,
    },
    candidates: k,
  };
}

type At = (j: number) => Confusion;

/** Max F-beta among cut-points meeting the recall floor; -1 when none does. */
function maxFbetaCut(k: number, at: At, policy: FbetaThresholdPolicy): { best: number; rule: 'max_fbeta' } {
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
  return { best, rule: 'max_fbeta' };
}

/** The highest cut-point whose recall reaches the floor (recall only grows as the cut goes down). */
function minRecallCut(k: number, at: At, minRecall: number): { best: number; rule: 'min_recall' } {
  for (let j = 0; j < k; j++) if (recallOf(at(j)) >= minRecall) return { best: j, rule: 'min_recall' };
  return { best: -1, rule: 'min_recall' };
}

function highestRecallCut(k: number, at: At, beta: number): number {
  let best = -1;
  let bestR = -1;
  let bestF = -1;
  for (let j = 0; j < k; j++) {
    const c = at(j);
    const r = recallOf(c);
    const f = fbetaOf(c, beta);
    if (r > bestR || (r === bestR && f > bestF)) {
      best = j;
      bestR = r;
      bestF = f;
    }
  }
  return best;
}
