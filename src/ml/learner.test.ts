import { describe, expect, it } from 'vitest';
import { fitForest } from './forest.js';
import { fitGbdt } from './gbdt.js';
import {
  contributions,
  type LearnerState,
  predictProba,
  predictRaw,
  predictRow,
  rawToProba,
  rawUnit,
} from './learner.js';
import { fitLogistic } from './logistic.js';
import { selectRows, selectValues } from './matrix.js';
import { applyImputer, fitMedianImputer } from './preprocess.js';
import { arr, loadGolden, mat } from './testing/golden.js';

const g = loadGolden('learners.json');
const rows = Array.from({ length: 200 }, (_, i) => i);
const X = selectRows(mat(g.X), rows);
const Xi = selectRows(mat(g.X_imputed), rows);
const y = selectValues(arr(g.y), rows);

const states: Array<[LearnerState, ReturnType<typeof mat>]> = [
  [fitLogistic(Xi, y), Xi],
  [fitGbdt(X, y, { maxIter: 10 }), X],
  [fitForest(X, y, { nEstimators: 10, seed: 1 }), X],
];

describe('learner dispatch is consistent for every kind', () => {
  for (const [st, data] of states) {
    it(st.kind, () => {
      const raw = predictRaw(st, data);
      const proba = predictProba(st, data);
      expect(rawUnit(st)).toBe(st.kind === 'forest' ? 'probability' : 'log_odds');
      for (let i = 0; i < 15; i++) {
        expect(predictRow(st, data.data, i * data.cols)).toBe(raw[i]);
        expect(rawToProba(st, raw[i]!)).toBeCloseTo(proba[i]!, 15);
        const c = contributions(st, data.data, i * data.cols);
        expect(c.length).toBe(data.cols + 1);
        expect(Math.abs(c.reduce((s, v) => s + v, 0) - raw[i]!)).toBeLessThan(1e-10);
      }
    });
  }
});

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
