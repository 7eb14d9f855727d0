/**
 * The candidate learners, each fitted the same way on a feature matrix: a uniform `fit` returning the
 * model file's learner block, and raw scores through the same compiled learner serving uses (so a
 * candidate is evaluated exactly as it would run in production).
 */
import { fitForest } from '../ml/forest.js';
import { fitGbdt } from '../ml/gbdt.js';
import { fitLogistic } from '../ml/logistic.js';
import type { Matrix } from '../ml/matrix.js';
import { compileLearner, type LearnerBlock, type LearnerKind } from '../model/learners.js';
import type { TrainConfig } from './config.js';

/** Canonical order of the candidates in reports (roughly simplest first). */
export const SIMPLICITY_ORDER: readonly LearnerKind[] = [
  'persistence',
  'logistic_regression',
  'random_forest',
  'gbdt',
];

export const CANDIDATE_LABEL: Record<LearnerKind, string> = {
  persistence: 'Persistência (atrasado agora → atrasado no próximo ano)',
  logistic_regression: 'Regressão logística (L2)',
  random_forest: 'Floresta aleatória',
  gbdt: 'Gradient boosting raso (árvores de profundidade limitada)',
};

/** Whether the candidate sees median-imputed features (`imputed`) or NaN for missing (`raw`). */
export function inputModeOf(kind: LearnerKind): 'raw' | 'imputed' {
  // The forest reads imputed rows so that it sees exactly what scikit-learn's forest sees in the parity test.
  return kind === 'gbdt' ? 'raw' : 'imputed';
}

export interface FitOptions {
  seed: number;
  /** GBDT: hold out part of the fitting rows and stop early (cross-fitting); else use `gbdtIterations`. */
  earlyStopping: boolean;
  gbdtIterations?: number;
  /** Index of `atrasado_agora` among the features (persistence). */
  persistenceFeature: number;
}

export interface FittedCandidate {
  block: LearnerBlock;
  /** Boosting iterations actually used (GBDT). */
  iterations?: number;
}

export function fitCandidate(
  kind: LearnerKind,
  X: Matrix,
  y: Float64Array,
  cfg: TrainConfig,
  opts: FitOptions,
): FittedCandidate {
  const input = inputModeOf(kind);
  switch (kind) {
    case 'persistence': {
      const j = opts.persistenceFeature;
      let s = 0;
      for (let i = 0; i < X.rows; i++) s += X.data[i * X.cols + j]!;
      return {
        block: {
          kind,
          input,
          output: 'flag',
          params: { feature: 'atrasado_agora' },
          state: { kind: 'persistence', feature_index: j, base_value: s / X.rows },
        },
      };
    }
    case 'logistic_regression': {
      const state = fitLogistic(X, y, { C: cfg.logistic_regression.C });
      return { block: { kind, input, output: 'log_odds', params: { ...cfg.logistic_regression }, state } };
    }
    case 'random_forest': {
      const c = cfg.random_forest;
      const state = fitForest(X, y, {
        nEstimators: c.n_estimators,
        maxFeatures: c.max_features,
        maxDepth: c.max_depth,
        minSamplesLeaf: c.min_samples_leaf,
        seed: opts.seed,
      });
      return { block: { kind, input, output: 'probability', params: { ...c, seed: opts.seed }, state } };
    }
    case 'gbdt': {
      const c = cfg.gbdt;
      const state = fitGbdt(X, y, {
        learningRate: c.learning_rate,
        maxIter: opts.earlyStopping ? c.max_iter : (opts.gbdtIterations ?? c.max_iter),
        maxLeafNodes: c.max_leaf_nodes,
        maxDepth: c.max_depth,
        minSamplesLeaf: c.min_samples_leaf,
        l2Regularization: c.l2_regularization,
        earlyStopping: opts.earlyStopping,
        validationFraction: c.validation_fraction,
        nIterNoChange: c.n_iter_no_change,
        // Cross-fitting keeps only the iteration count: the training-loss history is not needed.
        trainScore: false,
        seed: opts.seed,
      });
      return {
        block: {
          kind,
          input,
          output: 'log_odds',
          params: { ...c, iterations: state.n_iter, early_stopping: opts.earlyStopping, seed: opts.seed },
          state,
        },
        iterations: state.n_iter,
      };
    }
  }
}

/** Raw scores of every row of X through the compiled learner (the serving code path). */
export function rawScores(block: LearnerBlock, X: Matrix): Float64Array {
  const l = compileLearner(block, X.cols);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = l.raw(X.data, i * X.cols);
  return out;
}

/**
 * Fitted parameters of a learner: coefficients for the linear model, leaves for tree ensembles, one
 * for persistence. The selection rule breaks near-ties towards fewer parameters: a smaller model is
 * cheaper to serve and to explain, and less likely to have fitted noise.
 */
export function complexityOf(block: LearnerBlock): number {
  const s = block.state as { coef?: number[]; trees?: { feature: number[] } };
  if (block.kind === 'persistence') return 1;
  if (s.coef) return s.coef.length + 1;
  if (s.trees) return s.trees.feature.reduce((n, f) => n + (f === -1 ? 1 : 0), 0);
  return Number.POSITIVE_INFINITY;
}
