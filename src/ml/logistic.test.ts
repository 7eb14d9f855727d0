import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import {
  contributionsLogistic,
  fitLogistic,
  predictProbaLogistic,
  predictRawLogistic,
  predictRowLogistic,
} from './logistic.js';
import { rowView, selectRows, selectValues } from './matrix.js';
import { rocAuc } from './metrics.js';
import { applyImputer, fitMedianImputer, imputeRowInPlace } from './preprocess.js';
import { arr, loadGolden, mat, maxAbsDiff } from './testing/golden.js';

const golden = loadGolden('logistic.json');
const X = mat(golden.X);
const y = arr(golden.y);

describe('logistic regression matches sklearn make_pipeline(StandardScaler(), LogisticRegression())', () => {
  for (const c of golden.cases) {
    it(`${c.name}: coefficients, intercept, scaler and probabilities`, () => {
      const st = fitLogistic(X, y, { C: c.C, classWeight: c.class_weight });
      expect(maxAbsDiff(st.means, c.means)).toBeLessThan(1e-12);
      expect(maxAbsDiff(st.scales, c.scales)).toBeLessThan(1e-12);
      // sklearn newton-cg solved to tol 1e-12: both are the exact optimum.
      expect(maxAbsDiff(st.coef, c.coef)).toBeLessThan(1e-6);
      expect(Math.abs(st.intercept - c.intercept)).toBeLessThan(1e-6);
      // sklearn defaults (lbfgs, tol 1e-4) stop early: close, not equal.
      expect(maxAbsDiff(st.coef, c.coef_default)).toBeLessThan(1e-3);
      const p = predictProbaLogistic(
        st,
        selectRows(
          X,
          Array.from({ length: 50 }, (_, i) => i),
        ),
      );
      expect(maxAbsDiff(p, c.proba)).toBeLessThan(1e-7);
    });
  }

  it('sample weights', () => {
    const w = golden.weighted;
    const st = fitLogistic(mat(w.X), arr(w.y), {}, arr(w.weight));
    expect(maxAbsDiff(st.coef, w.coef)).toBeLessThan(1e-6);
    expect(Math.abs(st.intercept - w.intercept)).toBeLessThan(1e-6);
  });

  it('row fast path, batch and contributions agree; contributions add up to the margin; state is JSON', () => {
    const st = JSON.parse(JSON.stringify(fitLogistic(X, y)));
    const raw = predictRawLogistic(st, X);
    for (let i = 0; i < 20; i++) {
      const row = rowView(X, i);
      expect(predictRowLogistic(st, X.data, i * X.cols)).toBe(raw[i]);
      const c = contributionsLogistic(st, row);
      expect(c.length).toBe(X.cols + 1);
      expect(c[X.cols]).toBe(st.intercept);
      expect(Math.abs(c.reduce((s, v) => s + v, 0) - raw[i]!)).toBeLessThan(1e-12);
    }
  });

  it('rejects NaN (impute first) and a single class', () => {
    const Xn = mat([
      [1, Number.NaN],
      [2, 3],
    ]);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isAppError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => fitLogistic(Xn, [0, 1]))).toBe(ML_ERRORS.INVALID_VALUE.code);
    expect(code(() => fitLogistic(mat([[1], [2]]), [1, 1]))).toBe(ML_ERRORS.SINGLE_CLASS.code);
  });
});

describe('median imputer matches sklearn SimpleImputer(strategy="median")', () => {
  it('medians, apply and the in-place row path', () => {
    const Xn = mat(golden.imputer.X);
    const st = fitMedianImputer(Xn);
    expect(maxAbsDiff(st.medians, golden.imputer.medians)).toBeLessThan(1e-12);
    const filled = applyImputer(st, Xn);
    expect(filled.data.some(Number.isNaN)).toBe(false);
    const row = Float64Array.from(rowView(Xn, 0));
    imputeRowInPlace(st, row);
    expect(Array.from(row)).toEqual(Array.from(rowView(filled, 0)));
  });
});

describe('logistic regression on the learner fixture', () => {
  it('ROC-AUC within 0.01 of sklearn and the same coefficients', () => {
    const g = loadGolden('learners.json');
    const Xi = mat(g.X_imputed);
    const yy = arr(g.y);
    const st = fitLogistic(selectRows(Xi, g.train), selectValues(yy, g.train));
    const auc = rocAuc(selectValues(yy, g.test), predictRawLogistic(st, selectRows(Xi, g.test)));
    expect(auc).toBeGreaterThan(g.lr.auc_test - 0.01);
    expect(maxAbsDiff(st.coef, g.lr.coef)).toBeLessThan(1e-3);
  });
});
