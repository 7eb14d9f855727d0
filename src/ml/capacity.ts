/**
 * Capacity: how many students of a scored cohort the team can follow up, and which ones. Pure ranking,
 * used by cohort scoring (a whole year's students scored at once), where the model's fixed threshold
 * is not the only option: the cohort's own calibrated mean risk says how many are expected to lag.
 *
 * Capacities:
 * - `expected` (default, ratio 1.25): at most ratio × the expected number lagging, Σ of the calibrated
 *   scores. Uses the cohort's inputs only (its outcomes are not known when it is scored).
 * - `share`: at most this share of the cohort (top k%).
 * - `count`: at most this many students (top N).
 *
 * Students are ranked by score, highest first. A group of equal scores is never split: when the last
 * places would cut through a tie, the whole tie is left out (never more than the capacity; the number
 * left out is returned). Scores must not be NaN.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { orderByScoreDesc } from './metrics.js';

export type Capacity =
  | { kind: 'expected'; ratio: number }
  | { kind: 'share'; share: number }
  | { kind: 'count'; count: number };

export const DEFAULT_CAPACITY: Readonly<Capacity> = Object.freeze({ kind: 'expected', ratio: 1.25 });

export interface CapacityResult {
  /** 1 for the students flagged, in input order. */
  flagged: Uint8Array;
  /** Students flagged (≤ limit). */
  count: number;
  /** The most students the capacity allows. */
  limit: number;
  /** Lowest score flagged (null when nobody is). */
  cutoff: number | null;
  /** Students of the tie that straddled the limit, all left out so as not to exceed it. */
  tiesLeftOut: number;
  /** Student indices by decreasing score (ties in input order): the priority list. */
  order: Uint32Array;
}

/** The most students a capacity allows in a cohort with these scores. */
export function capacityLimit(scores: ArrayLike<number>, capacity: Capacity): number {
  const n = scores.length;
  switch (capacity.kind) {
    case 'expected': {
      if (!(capacity.ratio >= 0)) throw new AppError(ML_ERRORS.INVALID_OPTION, 'capacity ratio must be ≥ 0');
      let s = 0;
      for (let i = 0; i < n; i++) s += scores[i]!;
      // A hair of tolerance so 1.25 × 8.0 does not become 9.999… → 9.
      return Math.min(n, Math.floor(capacity.ratio * s + 1e-9));
    }
    case 'share':
      if (!(capacity.share >= 0 && capacity.share <= 1))
        throw new AppError(ML_ERRORS.INVALID_OPTION, 'capacity share must be from 0 to 1');
      return Math.min(n, Math.floor(capacity.share * n + 1e-9));
    case 'count':
      if (!(Number.isInteger(capacity.count) && capacity.count >= 0))
        throw new AppError(ML_ERRORS.INVALID_OPTION, 'capacity count must be a whole number ≥ 0');
      return Math.min(n, capacity.count);
    default:
      throw new AppError(
        ML_ERRORS.INVALID_OPTION,
        `unknown capacity kind "${String((capacity as { kind: unknown }).kind)}"`,
      );
  }
}

/** Flags the highest-scored students up to the capacity, never splitting a tie. */
export function flagByCapacity(
  scores: ArrayLike<number>,
  capacity: Capacity = DEFAULT_CAPACITY,
): CapacityResult {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new AppError(ML_ERRORS.INVALID_VALUE, `score at row ${i} is NaN`);
  }
  const limit = capacityLimit(scores, capacity);
  const order = orderByScoreDesc(scores);
  let count = limit;
  let tiesLeftOut = 0;
  if (limit > 0 && limit < order.length && scores[order[limit]!] === scores[order[limit - 1]!]) {
    const tied = scores[order[limit - 1]!]!;
    while (count > 0 && scores[order[count - 1]!] === tied) count--;
    let end = limit;
    while (end < order.length && scores[order[end]!] === tied) end++;
    tiesLeftOut = end - count;
  }
  const flagged = new Uint8Array(scores.length);
  for (let r = 0; r < count; r++) flagged[order[r]!] = 1;
  return {
    flagged,
    count,
    limit,
    cutoff: count > 0 ? scores[order[count - 1]!]! : null,
    tiesLeftOut,
    order,
  };
}
