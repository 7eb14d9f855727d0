/**
 * The learner parity check on the real temporal split: the feature matrices of the backtest (fitted on
 * the development transitions, applied to the test year) exported as CSV for scikit-learn
 * (scripts/golden/real_split_sklearn.py), and our learners fitted with the hyper-parameters of
 * scikit-learn's defaults on exactly the same rows and columns.
 */
import type { ModelingRow } from '../data/transitions.js';
import { compilePipeline, fitFeaturePipeline } from '../features/pipeline.js';
import { fitForest, predictRawForest } from '../ml/forest.js';
import { fitGbdt, predictRawGbdt } from '../ml/gbdt.js';
import { fitLogistic, predictRawLogistic } from '../ml/logistic.js';
import { createMatrix, type Matrix } from '../ml/matrix.js';
import { averagePrecision, rocAuc } from '../ml/metrics.js';
import { DEFAULT_TRAIN_CONFIG } from './config.js';

export interface RealSplit {
  names: readonly string[];
  train: { raw: Matrix; imputed: Matrix; y: Float64Array };
  test: { raw: Matrix; imputed: Matrix; y: Float64Array };
}

/** Development = label year < testYear; test = label year === testYear (the default protocol). */
export function realSplit(rows: readonly ModelingRow[], testYear: number): RealSplit {
  const dev = rows.filter((r) => (r.ano_base as number) + 1 < testYear);
  const test = rows.filter((r) => (r.ano_base as number) + 1 === testYear);
  const p = compilePipeline(fitFeaturePipeline(dev, DEFAULT_TRAIN_CONFIG.features));
  const part = (set: ModelingRow[]) => ({
    raw: createMatrix(set.length, p.width, p.transform(set, false)),
    imputed: createMatrix(set.length, p.width, p.transform(set, true)),
    y: Float64Array.from(set, (r) => r.em_risco),
  });
  return { names: p.names, train: part(dev), test: part(test) };
}

/** One CSV (split, em_risco, features...) of the raw or imputed matrices; NaN is an empty cell. */
export function splitCsv(s: RealSplit, which: 'raw' | 'imputed'): string {
  const lines = [['split', 'em_risco', ...s.names].join(',')];
  for (const [name, part] of [
    ['train', s.train],
    ['test', s.test],
  ] as const) {
    const m = part[which];
    for (let i = 0; i < m.rows; i++) {
      const cells = [name, String(part.y[i])];
      for (let j = 0; j < m.cols; j++) {
        const v = m.data[i * m.cols + j]!;
        cells.push(Number.isNaN(v) ? '' : String(v));
      }
      lines.push(cells.join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The shipped GBDT's shape with a fixed number of iterations (the script's DEPTH3 and DEPTH3_ITER). */
export const DEPTH3_PARITY = {
  learningRate: 0.05,
  maxIter: 120,
  maxLeafNodes: 8,
  maxDepth: 3,
  minSamplesLeaf: 20,
  l2Regularization: 1,
} as const;

/** Test-year ROC-AUC of our learners with scikit-learn's default hyper-parameters (see the script). */
export function ourRealSplitAucs(s: RealSplit): {
  gbdt: number;
  gbdt_depth3: number;
  gbdt_depth3_pr: number;
  random_forest: number;
  logistic_regression: number;
} {
  const gbdt = fitGbdt(s.train.raw, s.train.y, {
    learningRate: 0.1,
    maxIter: 100,
    maxLeafNodes: 31,
    minSamplesLeaf: 20,
    l2Regularization: 0,
    seed: 0,
  });
  const forestAucs = [0, 1, 2, 3, 4].map((seed) => {
    const f = fitForest(s.train.imputed, s.train.y, {
      nEstimators: 300,
      maxFeatures: 'sqrt',
      minSamplesLeaf: 1,
      seed,
    });
    return rocAuc(s.test.y, predictRawForest(f, s.test.imputed));
  });
  const lr = fitLogistic(s.train.imputed, s.train.y, { C: 1 });
  const depth3 = predictRawGbdt(fitGbdt(s.train.raw, s.train.y, { ...DEPTH3_PARITY, seed: 0 }), s.test.raw);
  return {
    gbdt: rocAuc(s.test.y, predictRawGbdt(gbdt, s.test.raw)),
    gbdt_depth3: rocAuc(s.test.y, depth3),
    gbdt_depth3_pr: averagePrecision(s.test.y, depth3),
    random_forest: forestAucs.reduce((a, b) => a + b, 0) / forestAucs.length,
    logistic_regression: rocAuc(s.test.y, predictRawLogistic(lr, s.test.imputed)),
  };
}
