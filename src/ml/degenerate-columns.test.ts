import { describe, expect, it } from 'vitest';
import { fitForest } from './forest.js';
import { fitGbdt } from './gbdt.js';
import { fitLogistic } from './logistic.js';
import { applyImputer, fitMedianImputer } from './preprocess.js';
import { mat } from './testing/golden.js';

describe('degenerate columns', () => {
  it('constant and all-missing columns are never split on and do not break any learner', () => {
    const n = 120;
    const Xd = mat(
      Array.from({ length: n }, (_, i) => [
        i % 7 === 0 ? Number.NaN : (i * 37) % 11,
        5,
        Number.NaN,
        (i * 13) % 17,
      ]),
    );
    const yd = Array.from({ length: n }, (_, i) => (((i * 37) % 11) + ((i * 13) % 17) > 12 ? 1 : 0));
    const gb = fitGbdt(Xd, yd, { maxIter: 10, minSamplesLeaf: 5 });
    const rf = fitForest(Xd, yd, { nEstimators: 10, seed: 2 });
    for (const t of [gb.trees, rf.trees]) {
      expect(t.feature.some((f) => f === 1 || f === 2)).toBe(false);
      expect(t.feature.some((f) => f === 0 || f === 3)).toBe(true);
    }
    const imp = fitMedianImputer(Xd);
    expect(imp.medians[2]).toBe(0);
    const lr = fitLogistic(applyImputer(imp, Xd), yd);
    expect(lr.coef[1]).toBe(0);
    expect(lr.coef[2]).toBe(0);
  });
});
