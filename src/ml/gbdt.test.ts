import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import {
  contributionsGbdt,
  expectedRawGbdt,
  fitGbdt,
  type GbdtOptions,
  predictRawGbdt,
  predictRowGbdt,
} from './gbdt.js';
import { selectRows, selectValues } from './matrix.js';
import { rocAuc } from './metrics.js';
import { arr, loadGolden, mat, maxAbsDiff } from './testing/golden.js';
import { maxDepthOf, TreeShapWorkspace } from './tree.js';

const golden = loadGolden('learners.json');
const X = mat(golden.X);
const y = arr(golden.y);
const Xtr = selectRows(X, golden.train);
const ytr = selectValues(y, golden.train);
const Xte = selectRows(X, golden.test);
const yte = selectValues(y, golden.test);

// biome-ignore lint/suspicious/noExplicitAny: sklearn parameter names from the golden file
function optsFrom(p: any): GbdtOptions {
  return {
    maxIter: p.max_iter,
    maxDepth: p.max_depth ?? null,
    l2Regularization: p.l2_regularization ?? 0,
    minSamplesLeaf: p.min_samples_leaf ?? 20,
    learningRate: p.learning_rate ?? 0.1,
    maxLeafNodes: p.max_leaf_nodes === undefined ? 31 : p.max_leaf_nodes,
    classWeight: p.class_weight ?? null,
  };
}

describe('GBDT reproduces sklearn HistGradientBoostingClassifier (with NaN in 3 columns)', () => {
  for (const c of golden.hgb) {
    it(`${c.name}: raw predictions equal sklearn decision_function`, () => {
      const st = fitGbdt(Xtr, ytr, optsFrom(c.params), c.sample_weight ? arr(c.sample_weight) : undefined);
      expect(st.n_iter).toBe(c.n_iter);
      const raw = predictRawGbdt(st, Xte);
      // Same binning, float32 gradients, split rules and missing-value routing: equal up to rounding.
      expect(maxAbsDiff(raw, c.raw_test)).toBeLessThan(1e-9);
      expect(rocAuc(yte, raw)).toBeGreaterThanOrEqual(c.auc_test - 1e-9);
    });
  }

  it('early stopping on an internal validation fraction: mean AUC over 5 seeds within 0.01 of sklearn', () => {
    let sum = 0;
    for (let seed = 0; seed < 5; seed++) {
      const st = fitGbdt(Xtr, ytr, { maxIter: 500, earlyStopping: true, seed });
      expect(st.n_iter).toBeLessThan(500);
      expect(st.validation_score.length).toBe(st.n_iter + 1);
      sum += rocAuc(yte, predictRawGbdt(st, Xte));
    }
    expect(sum / 5).toBeGreaterThan(golden.hgb_early_stopping.auc_test_mean - 0.01);
  });

  it('early stopping on a given validation set follows sklearn _should_stop', () => {
    const st = fitGbdt(Xtr, ytr, {
      maxIter: 300,
      earlyStopping: true,
      validation: { X: Xte, y: yte },
      nIterNoChange: 5,
      tol: 0,
    });
    const s = st.validation_score;
    expect(s.length).toBe(st.n_iter + 1);
    // Stopped: none of the last 5 beats the one 5 earlier; and it did not stop any earlier.
    const last = s.length - 1;
    if (st.n_iter < 300) {
      for (let k = last - 4; k <= last; k++) expect(s[k]!).toBeLessThanOrEqual(s[last - 5]!);
    }
    for (let end = 6; end < last; end++) {
      const ref = s[end - 5]!;
      expect(s.slice(end - 4, end + 1).some((v) => v > ref)).toBe(true);
    }
  });

  it('trainScore: false skips only the training-loss history: the same trees and stopping point', () => {
    const opts = { maxIter: 200, earlyStopping: true, validationFraction: 0.2, seed: 3 };
    const full = fitGbdt(Xtr, ytr, opts);
    const lean = fitGbdt(Xtr, ytr, { ...opts, trainScore: false });
    expect(full.train_score.length).toBe(full.n_iter + 1);
    expect(lean.train_score).toEqual([]);
    expect(lean.n_iter).toBe(full.n_iter);
    expect(JSON.stringify({ ...lean, train_score: null })).toBe(
      JSON.stringify({ ...full, train_score: null }),
    );
    // Without a validation set the training loss decides, so it is kept whatever the option says.
    const byTrain = fitGbdt(Xtr, ytr, {
      maxIter: 60,
      earlyStopping: true,
      validationFraction: null,
      tol: 0.05,
      trainScore: false,
    });
    expect(byTrain.train_score.length).toBe(byTrain.n_iter + 1);
  });

  it('early stopping on the training loss when validationFraction is null', () => {
    const st = fitGbdt(Xtr, ytr, { maxIter: 60, earlyStopping: true, validationFraction: null, tol: 0.05 });
    expect(st.params.validation).toBe('training');
    expect(st.validation_score).toEqual([]);
    expect(st.train_score.length).toBe(st.n_iter + 1);
    expect(st.n_iter).toBeLessThan(60);
  });

  it('is deterministic, JSON round-trips, and the row path equals the batch path', () => {
    const a = fitGbdt(Xtr, ytr, { maxIter: 15 });
    const b = fitGbdt(Xtr, ytr, { maxIter: 15 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const back = JSON.parse(JSON.stringify(a));
    const raw = predictRawGbdt(a, Xte);
    expect(Array.from(predictRawGbdt(back, Xte))).toEqual(Array.from(raw));
    for (let i = 0; i < 10; i++) expect(predictRowGbdt(back, Xte.data, i * Xte.cols)).toBe(raw[i]);
  });

  it('unseen missing values go to the child with more training samples', () => {
    // Feature 1 has no NaN in training; a NaN at prediction must follow the bigger child of each split.
    const st = fitGbdt(Xtr, ytr, { maxIter: 5 });
    const t = st.trees;
    for (let i = 0; i < t.feature.length; i++) {
      if (t.feature[i] === 1) {
        const l = t.cover[t.left[i]!]!;
        const r = t.cover[t.right[i]!]!;
        expect(t.nan_left[i]).toBe(l > r ? 1 : 0);
      }
    }
  });

  it('TreeSHAP contributions add up to the raw prediction (rows with NaN included)', () => {
    const st = fitGbdt(Xtr, ytr, { maxIter: 30 });
    const ws = new TreeShapWorkspace(maxDepthOf(st.trees));
    const bias = expectedRawGbdt(st);
    for (let i = 0; i < 40; i++) {
      const c = contributionsGbdt(st, Xte.data, i * Xte.cols, ws);
      expect(c.length).toBe(X.cols + 1);
      expect(c[X.cols]).toBe(bias);
      const sum = c.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - predictRowGbdt(st, Xte.data, i * Xte.cols))).toBeLessThan(1e-10);
    }
  });

  it('rejects bad options and one-class data with AppErrors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isAppError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => fitGbdt(Xtr, ytr, { learningRate: 0 }))).toBe(ML_ERRORS.INVALID_OPTION.code);
    expect(code(() => fitGbdt(Xtr, ytr, { maxBins: 300 }))).toBe(ML_ERRORS.INVALID_OPTION.code);
    expect(code(() => fitGbdt(Xtr, new Float64Array(Xtr.rows).fill(2)))).toBe(ML_ERRORS.INVALID_VALUE.code);
    expect(code(() => fitGbdt(Xtr, new Float64Array(Xtr.rows)))).toBe(ML_ERRORS.SINGLE_CLASS.code);
  });
});
