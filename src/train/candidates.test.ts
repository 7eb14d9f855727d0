import { describe, expect, it } from 'vitest';
import { createMatrix } from '../ml/matrix.js';
import { compileLearner } from '../model/learners.js';
import { fitCandidate } from './candidates.js';
import { DEFAULT_TRAIN_CONFIG } from './config.js';

describe('persistence baseline (it can be served, so it must explain itself exactly)', () => {
  it('contributions add up to its score for every row, lagging now or not', () => {
    // Two features: something, and atrasado_agora (index 1).
    const X = createMatrix(5, 2, Float64Array.from([3, 1, 4, 0, 5, 1, 6, 1, 7, 0]));
    const y = Float64Array.from([1, 0, 1, 1, 0]);
    const fitted = fitCandidate('persistence', X, y, DEFAULT_TRAIN_CONFIG, {
      seed: 1,
      earlyStopping: false,
      persistenceFeature: 1,
    });
    const l = compileLearner(fitted.block, 2);
    const out = new Float64Array(2);
    for (let i = 0; i < X.rows; i++) {
      const base = l.contributions(X.data, i * 2, out);
      expect(base).toBeCloseTo(0.6, 15);
      expect(out[0]).toBe(0);
      expect(base + out[0]! + out[1]!).toBeCloseTo(l.raw(X.data, i * 2), 15);
      expect(l.raw(X.data, i * 2)).toBe(X.data[i * 2 + 1]);
    }
  });
});
