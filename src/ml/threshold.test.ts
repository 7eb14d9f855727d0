import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { confusionAt, fbetaOf, precisionOf, recallOf } from './metrics.js';
import { arr, loadGolden } from './testing/golden.js';
import { chooseThreshold, DEFAULT_THRESHOLD_POLICY, isFlagged } from './threshold.js';

const golden = loadGolden('threshold.json');

describe('threshold policy: max F-beta subject to recall ≥ min_recall', () => {
  for (const c of golden.cases) {
    it(`${c.name}: same cut-point as an independent sklearn brute force`, () => {
      const policy = { kind: 'max_fbeta_with_min_recall' as const, beta: c.beta, min_recall: c.min_recall };
      const r = chooseThreshold(arr(c.y), arr(c.score), policy);
      expect(r.rule).toBe('max_fbeta');
      expect(r.threshold).toBe(c.choice.threshold);
      expect(Math.abs(r.validation.fbeta - c.choice.fbeta)).toBeLessThan(1e-12);
      expect(Math.abs(r.validation.precision - c.choice.precision)).toBeLessThan(1e-12);
      expect(Math.abs(r.validation.recall - c.choice.recall)).toBeLessThan(1e-12);
      expect(r.validation.recall).toBeGreaterThanOrEqual(c.min_recall);
      // Metrics reported at the threshold are what confusionAt gives with the same rule (score ≥ t).
      const cm = confusionAt(arr(c.y), arr(c.score), r.threshold);
      expect(cm).toEqual(r.validation.confusion);
      expect(fbetaOf(cm, c.beta)).toBe(r.validation.fbeta);
      expect(precisionOf(cm)).toBe(r.validation.precision);
      expect(recallOf(cm)).toBe(r.validation.recall);
      expect(JSON.parse(JSON.stringify(r.policy))).toEqual(policy);
    });
  }

  it('the recall floor decides the cut when F-beta alone would cut higher (golden f05 case)', () => {
    const c = golden.cases.find((x: { name: string }) => x.name === 'f05_recall70_floor_decides');
    const free = chooseThreshold(arr(c.y), arr(c.score), {
      kind: 'max_fbeta_with_min_recall',
      beta: 0.5,
      min_recall: 0,
    });
    // Unconstrained, F0.5 prefers a higher cut that misses the floor...
    expect(free.threshold).toBeGreaterThan(c.choice.threshold);
    expect(free.validation.recall).toBeLessThan(0.7);
    // ...so with the floor the chosen cut is the floor's, as sklearn's brute force found.
    const r = chooseThreshold(arr(c.y), arr(c.score), {
      kind: 'max_fbeta_with_min_recall',
      beta: 0.5,
      min_recall: 0.7,
    });
    expect(r.threshold).toBe(c.choice.threshold);
  });

  it('a cut where recall equals the floor exactly is admitted (≥, not >)', () => {
    // 4 students lag (scores 0.9, 0.7, 0.6, 0.4); 3 of 4 = 0.75 exactly at the cut 0.6.
    const y = [1, 0, 1, 1, 0, 1];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    // F0.5 would prefer the top cut (0.9: precision 1); the floor moves it down to exactly 0.75.
    const r = chooseThreshold(y, s, { kind: 'max_fbeta_with_min_recall', beta: 0.5, min_recall: 0.75 });
    expect(r.threshold).toBe(0.6);
    expect(r.validation.recall).toBe(0.75);
    expect(r.validation.confusion).toEqual({ tp: 3, fp: 1, fn: 1, tn: 1 });
  });

  it('falls back to the highest-recall cut when the constraint cannot be met, and says so', () => {
    // With zero-weight positives beyond the lowest score, no cut can reach recall > 1.
    const r = chooseThreshold([0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8], {
      kind: 'max_fbeta_with_min_recall',
      beta: 2,
      min_recall: 1.5,
    });
    expect(r.rule).toBe('fallback_highest_recall');
    expect(r.validation.recall).toBe(1);
    // Highest recall (1) reached at 0.4 and at the lower cuts: the best F2 among them is at 0.4.
    expect(r.threshold).toBe(0.4);
  });

  it('a validation set without positives is an ML_SINGLE_CLASS error', () => {
    try {
      chooseThreshold([0, 0, 0], [0.2, 0.5, 0.7]);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.spec).toBe(ML_ERRORS.SINGLE_CLASS);
    }
  });
});

describe('threshold policy: fewest flags at the recall floor, capped by the expected share', () => {
  for (const c of golden.capped) {
    it(`${c.name}: same cut-point and rule as an independent sklearn brute force`, () => {
      const policy = {
        kind: 'min_recall_with_flag_cap' as const,
        min_recall: c.min_recall,
        max_flag_ratio: c.max_flag_ratio,
      };
      const r = chooseThreshold(arr(c.y), arr(c.score), policy);
      expect(r.threshold).toBe(c.choice.threshold);
      expect(r.rule).toBe(c.choice.rule);
      expect(Math.abs(r.validation.precision - c.choice.precision)).toBeLessThan(1e-12);
      expect(Math.abs(r.validation.recall - c.choice.recall)).toBeLessThan(1e-12);
      expect(Math.abs(r.validation.flagged_rate - c.choice.flagged_rate)).toBeLessThan(1e-12);
      expect(Math.abs(r.validation.expected_rate - c.choice.expected_rate)).toBeLessThan(1e-12);
      expect(confusionAt(arr(c.y), arr(c.score), r.threshold)).toEqual(r.validation.confusion);
      if (r.rule === 'min_recall') {
        expect(r.validation.recall).toBeGreaterThanOrEqual(c.min_recall);
        expect(r.validation.flagged_rate).toBeLessThanOrEqual(c.max_flag_ratio * r.validation.expected_rate);
      } else {
        expect(r.validation.recall).toBeLessThan(c.min_recall);
      }
    });
  }

  it('the recall floor decides: recall equals the floor exactly, and the next higher cut misses it', () => {
    const c = golden.capped.find((x: { name: string }) => x.name === 'recall_floor_exact');
    const y = arr(c.y);
    const s = arr(c.score);
    const r = chooseThreshold(y, s, {
      kind: 'min_recall_with_flag_cap',
      min_recall: c.min_recall,
      max_flag_ratio: c.max_flag_ratio,
    });
    expect(r.rule).toBe('min_recall');
    expect(r.validation.recall).toBe(c.min_recall);
    const higher = Math.min(...Array.from(s).filter((v) => v > r.threshold));
    expect(recallOf(confusionAt(y, s, higher))).toBeLessThan(c.min_recall);
  });

  it('hand-typed: fewest flags that reach the floor; the cap moves the cut up when it binds', () => {
    const y = [1, 0, 1, 1, 0, 1, 0, 0];
    const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.2, 0.1];
    // Recall 3/4 first reached at 0.6 (4 flagged); mean score 0.525 → cap 1.25 × 0.525 × 8 = 5.25.
    const ok = chooseThreshold(y, s, {
      kind: 'min_recall_with_flag_cap',
      min_recall: 0.75,
      max_flag_ratio: 1.25,
    });
    expect(ok).toMatchObject({ threshold: 0.6, rule: 'min_recall' });
    expect(ok.validation.expected_rate).toBeCloseTo(0.525, 12);
    // Recall 1 needs 0.4 (6 flagged) > 5.25: the cap keeps the lowest cut within it, 0.5 (5 flagged).
    const capped = chooseThreshold(y, s, {
      kind: 'min_recall_with_flag_cap',
      min_recall: 1,
      max_flag_ratio: 1.25,
    });
    expect(capped).toMatchObject({ threshold: 0.5, rule: 'flag_cap' });
    expect(capped.validation.recall).toBe(0.75);
    expect(capped.validation.flagged_rate).toBe(5 / 8);
  });

  it('is the default: validation recall ≥ 0.85 with at most 1.25 × the expected share flagged', () => {
    expect(DEFAULT_THRESHOLD_POLICY).toEqual({
      kind: 'min_recall_with_flag_cap',
      min_recall: 0.85,
      max_flag_ratio: 1.25,
    });
    const c = golden.capped[1];
    const r = chooseThreshold(arr(c.y), arr(c.score), {
      ...DEFAULT_THRESHOLD_POLICY,
      min_recall: c.min_recall,
    });
    expect(r.threshold).toBe(c.choice.threshold);
    expect(chooseThreshold(arr(c.y), arr(c.score)).validation.recall).toBeGreaterThanOrEqual(0.85);
  });

  it('rejects a non-positive cap', () => {
    expect(() =>
      chooseThreshold([0, 1], [0.1, 0.9], {
        kind: 'min_recall_with_flag_cap',
        min_recall: 0.5,
        max_flag_ratio: 0,
      }),
    ).toThrow(/max_flag_ratio/);
  });
});

describe('isFlagged: the one boundary rule', () => {
  it('a score exactly at the threshold is flagged; one just below is not', () => {
    expect(isFlagged(0.6, 0.6)).toBe(true);
    expect(isFlagged(0.5999999999999999, 0.6)).toBe(false);
    // Same rule as confusionAt, which every training metric uses.
    expect(confusionAt([1, 0], [0.6, 0.5999999999999999], 0.6)).toEqual({ tp: 1, fp: 0, fn: 0, tn: 1 });
  });
});
