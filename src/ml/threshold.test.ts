import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { confusionAt, fbetaOf, precisionOf, recallOf } from './metrics.js';
import { arr, loadGolden } from './testing/golden.js';
import { chooseThreshold, DEFAULT_THRESHOLD_POLICY } from './threshold.js';

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

  it('defaults to F2 with recall ≥ 0.75', () => {
    expect(DEFAULT_THRESHOLD_POLICY).toEqual({
      kind: 'max_fbeta_with_min_recall',
      beta: 2,
      min_recall: 0.75,
    });
    const c = golden.cases[0];
    expect(chooseThreshold(arr(c.y), arr(c.score)).threshold).toBe(c.choice.threshold);
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
