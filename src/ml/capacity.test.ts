import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { capacityLimit, DEFAULT_CAPACITY, flagByCapacity } from './capacity.js';
import { ML_ERRORS } from './errors.js';

describe('capacity: flag the highest scores up to what the team can follow', () => {
  it('default: at most 1.25 × the expected number lagging (sum of calibrated scores)', () => {
    expect(DEFAULT_CAPACITY).toEqual({ kind: 'expected', ratio: 1.25 });
    const s = [0.2, 0.9, 0.5, 0.8, 0.4, 0.2];
    // Σ = 3.0 → 1.25 × 3.0 = 3.75 → at most 3 students: the 0.9, 0.8 and 0.5.
    const r = flagByCapacity(s);
    expect(r.limit).toBe(3);
    expect(Array.from(r.flagged)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(r).toMatchObject({ count: 3, cutoff: 0.5, tiesLeftOut: 0 });
    expect(Array.from(r.order)).toEqual([1, 3, 2, 4, 0, 5]);
  });

  it('exact products do not lose a place to rounding (1.25 × 8 = 10)', () => {
    expect(capacityLimit(new Array(16).fill(0.5), { kind: 'expected', ratio: 1.25 })).toBe(10);
  });

  it('top k% and top N', () => {
    const s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    expect(flagByCapacity(s, { kind: 'share', share: 0.3 }).cutoff).toBe(0.8);
    expect(flagByCapacity(s, { kind: 'count', count: 2 }).cutoff).toBe(0.9);
    expect(flagByCapacity(s, { kind: 'count', count: 50 }).count).toBe(10);
    expect(flagByCapacity(s, { kind: 'share', share: 0 })).toMatchObject({ count: 0, cutoff: null });
  });

  it('never splits a tie: the whole tie at the last places is left out', () => {
    const r = flagByCapacity([0.9, 0.7, 0.7, 0.7, 0.1], { kind: 'count', count: 2 });
    expect(Array.from(r.flagged)).toEqual([1, 0, 0, 0, 0]);
    expect(r).toMatchObject({ limit: 2, count: 1, cutoff: 0.9, tiesLeftOut: 3 });
    // A tie that fits entirely is kept.
    expect(flagByCapacity([0.9, 0.7, 0.7, 0.1], { kind: 'count', count: 3 }).count).toBe(3);
  });

  it('rejects NaN scores and impossible capacities with ML errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (e) {
        return isAppError(e) ? e.spec : e;
      }
    };
    expect(code(() => flagByCapacity([0.1, Number.NaN]))).toBe(ML_ERRORS.INVALID_VALUE);
    expect(code(() => flagByCapacity([0.1], { kind: 'share', share: 1.5 }))).toBe(ML_ERRORS.INVALID_OPTION);
    expect(code(() => flagByCapacity([0.1], { kind: 'count', count: 1.5 }))).toBe(ML_ERRORS.INVALID_OPTION);
    expect(code(() => flagByCapacity([0.1], { kind: 'expected', ratio: -1 }))).toBe(ML_ERRORS.INVALID_OPTION);
  });
});
