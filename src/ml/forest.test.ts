import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import {
  contributionsForest,
  expectedRawForest,
  fitForest,
  predictRawForest,
  predictRowForest,
} from './forest.js';
import { selectRows, selectValues } from './matrix.js';
import { rocAuc } from './metrics.js';
import { arr, loadGolden, mat } from './testing/golden.js';

const golden = loadGolden('learners.json');
const y = arr(golden.y);
const ytr = selectValues(y, golden.train);
const yte = selectValues(y, golden.test);
const split = (X: ReturnType<typeof mat>) => ({
  tr: selectRows(X, golden.train),
  te: selectRows(X, golden.test),
});
const withNaN = split(mat(golden.X));
const imputed = split(mat(golden.X_imputed));

describe('random forest ROC-AUC is within 0.01 of (or better than) sklearn RandomForestClassifier', () => {
  for (const c of golden.rf) {
    // biome-ignore lint/suspicious/noExplicitAny: sklearn parameter names from the golden file
    const opts = (p: any, seed: number) => ({
      nEstimators: p.n_estimators,
      minSamplesLeaf: p.min_samples_leaf ?? 1,
      maxDepth: p.max_depth ?? null,
      classWeight: p.class_weight ?? null,
      seed,
    });
    it(`${c.name}: mean AUC over 5 seeds, on the same imputed data and on data with NaN`, () => {
      for (const data of [imputed, withNaN]) {
        let sum = 0;
        for (let seed = 0; seed < 5; seed++) {
          sum += rocAuc(yte, predictRawForest(fitForest(data.tr, ytr, opts(c.params, seed)), data.te));
        }
        expect(sum / 5).toBeGreaterThan(c.auc_test_mean - 0.01);
      }
    });
  }
});

describe('random forest behaviour', () => {
  const st = fitForest(withNaN.tr, ytr, { nEstimators: 20, minSamplesLeaf: 3, seed: 5 });

  it('is deterministic for a seed and differs across seeds; JSON round-trips; row path = batch path', () => {
    const again = fitForest(withNaN.tr, ytr, { nEstimators: 20, minSamplesLeaf: 3, seed: 5 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(st));
    const other = fitForest(withNaN.tr, ytr, { nEstimators: 20, minSamplesLeaf: 3, seed: 6 });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(st));
    const back = JSON.parse(JSON.stringify(st));
    const raw = predictRawForest(st, withNaN.te);
    expect(Array.from(predictRawForest(back, withNaN.te))).toEqual(Array.from(raw));
    for (let i = 0; i < 15; i++)
      expect(predictRowForest(st, withNaN.te.data, i * withNaN.te.cols)).toBe(raw[i]);
  });

  it('probabilities are in [0, 1]; leaves respect min_samples_leaf in weight terms; covers add up', () => {
    const p = predictRawForest(st, withNaN.te);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    const t = st.trees;
    for (let i = 0; i < t.feature.length; i++) {
      if (t.feature[i]! >= 0) {
        expect(Math.abs(t.cover[t.left[i]!]! + t.cover[t.right[i]!]! - t.cover[i]!)).toBeLessThan(1e-9);
      }
    }
  });

  it('without bootstrap and with unlimited depth, a tree fits the training labels exactly', () => {
    const Xs = selectRows(
      imputed.tr,
      Array.from({ length: 100 }, (_, i) => i),
    );
    const ys = selectValues(
      ytr,
      Array.from({ length: 100 }, (_, i) => i),
    );
    const one = fitForest(Xs, ys, { nEstimators: 1, bootstrap: false, maxFeatures: 1 });
    const p = predictRawForest(one, Xs);
    // Distinct rows → pure leaves (rows are unique in this synthetic data).
    for (let i = 0; i < 100; i++) expect(p[i]).toBe(ys[i]);
  });

  it('class_weight balanced raises the scores of the minority class', () => {
    const plain = fitForest(withNaN.tr, ytr, { nEstimators: 30, minSamplesLeaf: 10, seed: 1 });
    const bal = fitForest(withNaN.tr, ytr, {
      nEstimators: 30,
      minSamplesLeaf: 10,
      seed: 1,
      classWeight: 'balanced',
    });
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const rate = ytr.reduce((s, v) => s + v, 0) / ytr.length;
    const dir = rate < 0.5 ? 1 : -1;
    expect(
      dir * (mean(predictRawForest(bal, withNaN.te)) - mean(predictRawForest(plain, withNaN.te))),
    ).toBeGreaterThan(0);
  });

  it('TreeSHAP contributions (probability units) add up to the prediction', () => {
    const bias = expectedRawForest(st);
    for (let i = 0; i < 30; i++) {
      const c = contributionsForest(st, withNaN.te.data, i * withNaN.te.cols);
      expect(c[c.length - 1]).toBe(bias);
      const sum = c.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - predictRowForest(st, withNaN.te.data, i * withNaN.te.cols))).toBeLessThan(1e-10);
    }
  });

  it('rejects bad options with ML_INVALID_OPTION and one-class labels with ML_SINGLE_CLASS', () => {
    const specOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isAppError(e) ? e.spec : e;
      }
      return undefined;
    };
    expect(specOf(() => fitForest(withNaN.tr, ytr, { maxFeatures: 0 }))).toBe(ML_ERRORS.INVALID_OPTION);
    expect(specOf(() => fitForest(withNaN.tr, new Float64Array(ytr.length).fill(1)))).toBe(
      ML_ERRORS.SINGLE_CLASS,
    );
  });
});
