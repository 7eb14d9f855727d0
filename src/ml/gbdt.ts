/**
 * Histogram gradient boosting for binary log-loss, following sklearn `HistGradientBoostingClassifier`
 * (1.2): features binned into ≤ 255 bins plus a missing bin (binning.ts); each iteration fits a tree to
 * the gradients/hessians of the log-loss, grown best-first (the leaf with the largest gain is split next)
 * under max_leaf_nodes, max_depth, min_samples_leaf and l2_regularization; leaf value
 * −G/(H + λ) × learning_rate. Missing values: at each split both directions are tried for the missing bin
 * and the better is kept; for a feature with no missing value in training, missing values at prediction
 * go to the child that had more training samples. Histograms of the larger child are obtained by
 * subtraction (only over the bins that are non-empty in the parent). Gradients and hessians are
 * float32 like sklearn's, so that near-ties between splits resolve the same way: on the golden fixtures
 * (NaN in 3 of 10 columns, class/sample weights, depth and leaf limits, 200 iterations) the raw
 * predictions equal sklearn's `decision_function` to 1e-9. Deterministic: the only randomness is the
 * internal validation split for early stopping (seeded; its draw differs from sklearn's).
 *
 * This file holds the boosting loop (gradients, early stopping, the hold-out); the tree grower (histograms,
 * split finding, node expansion) is gbdt-grower.ts.
 *
 * Raw prediction = baseline log-odds + Σ tree leaf values; probability = sigmoid(raw).
 */
import { AppError } from '../core/error-base.js';
import { fitBinMapper } from './binning.js';
import { ML_ERRORS } from './errors.js';
import { HistTreeGrower } from './gbdt-grower.js';
import {
  checkBothClasses,
  checkFeatureCount,
  checkTrainingInput,
  type Labels,
  type Matrix,
  selectRows,
  selectValues,
} from './matrix.js';
import { createRng, shuffleInPlace } from './rng.js';
import {
  emptyTrees,
  expectedSum,
  type FlatTrees,
  leafOf,
  sumTreesBatch,
  sumTreesRow,
  TreeShapWorkspace,
  treeShapAdd,
} from './tree.js';
import { explainerFor, type TreeExplainer } from './tree-explainer.js';
import { type ClassWeight, rowWeights } from './weights.js';

export interface GbdtOptions {
  /** Shrinkage applied to every leaf (default 0.1). */
  learningRate?: number;
  /** Boosting iterations = trees (default 100). */
  maxIter?: number;
  /** Leaves per tree (default 31; null = unlimited, bounded by maxDepth / minSamplesLeaf). */
  maxLeafNodes?: number | null;
  /** Maximum depth in edges (default: none). */
  maxDepth?: number | null;
  /** Minimum training rows per leaf (default 20). */
  minSamplesLeaf?: number;
  /** L2 penalty λ on leaf values (default 0). */
  l2Regularization?: number;
  /** Bins for non-missing values, ≤ 255 (default 255). */
  maxBins?: number;
  classWeight?: ClassWeight;
  /**
   * Early stopping (default false). When true, the validation loss is computed after every iteration on
   * `validation` if given, else on a stratified `validationFraction` of the training rows (held out from
   * fitting, drawn with `seed`); training stops when none of the last `nIterNoChange` scores improves on the
   * score `nIterNoChange` iterations earlier by more than `tol` (sklearn's rule; the trees built so far are
   * kept, as sklearn does).
   */
  earlyStopping?: boolean;
  validation?: { X: Matrix; y: Labels; sampleWeight?: ArrayLike<number> };
  /** Default 0.1; null = measure the training loss instead (no hold-out). */
  validationFraction?: number | null;
  /** Default 10. */
  nIterNoChange?: number;
  /** Default 1e-7. */
  tol?: number;
  /**
   * Record `train_score` (the training loss per iteration) when a validation set decides early stopping
   * (default true, as sklearn's `train_score_`). It costs a log-loss pass over the training rows per
   * iteration; callers that only keep the iteration count turn it off. The fit is the same either way.
   */
  trainScore?: boolean;
  seed?: number;
}

export interface GbdtState {
  kind: 'gbdt';
  n_features: number;
  /** Initial raw prediction: log-odds of the (weighted) training positive rate. */
  baseline: number;
  /** Every tree; leaf values already include the learning rate. cover = training rows per node. */
  trees: FlatTrees;
  n_iter: number;
  /** Options actually used (defaults filled in), for the model metadata. */
  params: {
    learning_rate: number;
    max_iter: number;
    max_leaf_nodes: number | null;
    max_depth: number | null;
    min_samples_leaf: number;
    l2_regularization: number;
    max_bins: number;
    early_stopping: boolean;
    n_iter_no_change: number;
    tol: number;
    /** Where early stopping measured the loss: a given set, a held-out fraction, or the training rows. */
    validation: 'given' | 'fraction' | 'training' | null;
    validation_fraction: number | null;
  };
  /** Loss history (negative log-loss per iteration, index 0 = baseline) when early stopping ran. */
  validation_score: number[];
  train_score: number[];
}

function resolveGbdtParams(opts: GbdtOptions): GbdtState['params'] {
  const params = {
    learning_rate: opts.learningRate ?? 0.1,
    max_iter: opts.maxIter ?? 100,
    max_leaf_nodes: opts.maxLeafNodes === undefined ? 31 : opts.maxLeafNodes,
    max_depth: opts.maxDepth ?? null,
    min_samples_leaf: opts.minSamplesLeaf ?? 20,
    l2_regularization: opts.l2Regularization ?? 0,
    max_bins: opts.maxBins ?? 255,
    early_stopping: opts.earlyStopping ?? false,
    n_iter_no_change: opts.nIterNoChange ?? 10,
    tol: opts.tol ?? 1e-7,
    validation: !opts.earlyStopping
      ? null
      : opts.validation
        ? ('given' as const)
        : opts.validationFraction === null
          ? ('training' as const)
          : ('fraction' as const),
    validation_fraction:
      opts.earlyStopping && !opts.validation
        ? opts.validationFraction === undefined
          ? 0.1
          : opts.validationFraction
        : null,
  };
  const bad = (m: string) => new AppError(ML_ERRORS.INVALID_OPTION, `gbdt: ${m}`);
  if (!(params.learning_rate > 0)) throw bad('learningRate must be > 0');
  if (!(params.max_iter >= 1) || !Number.isInteger(params.max_iter))
    throw bad('maxIter must be an integer ≥ 1');
  if (params.max_leaf_nodes !== null && !(params.max_leaf_nodes >= 2))
    throw bad('maxLeafNodes must be ≥ 2 or null');
  if (!(params.n_iter_no_change >= 1)) throw bad('nIterNoChange must be ≥ 1');
  const vf = params.validation_fraction;
  if (vf !== null && !(vf > 0 && vf < 1))
    throw bad('validationFraction must be in (0, 1), or null to use the training loss');
  if (params.max_depth !== null && !(params.max_depth >= 1)) throw bad('maxDepth must be ≥ 1 or null');
  if (!(params.min_samples_leaf >= 1)) throw bad('minSamplesLeaf must be ≥ 1');
  if (!(params.l2_regularization >= 0)) throw bad('l2Regularization must be ≥ 0');
  return params;
}

/** Stratified hold-out of `fraction` of the rows per class (at least one per class of ≥ 2 rows). */
function stratifiedHoldout(
  y: Labels,
  fraction: number,
  seed: number,
): { train: Uint32Array; val: Uint32Array } {
  const rng = createRng(seed);
  const train: number[] = [];
  const val: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    shuffleInPlace(rows, rng);
    const k = rows.length >= 2 ? Math.max(1, Math.round(fraction * rows.length)) : 0;
    val.push(...rows.slice(0, k));
    train.push(...rows.slice(k));
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return { train: Uint32Array.from(train), val: Uint32Array.from(val) };
}

function meanLogLoss(raw: Float64Array, y: Labels, w: Float64Array | null): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < raw.length; i++) {
    const z = raw[i]!;
    const l = (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] === 1 ? z : 0);
    const wi = w ? w[i]! : 1;
    s += wi * l;
    sw += wi;
  }
  return s / sw;
}

/** sklearn `_should_stop`: no score among the last n beats the one n iterations earlier by more than tol. */
function shouldStop(scores: number[], nIterNoChange: number, tol: number): boolean {
  const ref = nIterNoChange + 1;
  if (scores.length < ref) return false;
  const refScore = scores[scores.length - ref]! + tol;
  for (let k = scores.length - ref + 1; k < scores.length; k++) if (scores[k]! > refScore) return false;
  return true;
}

/** The rows the trees are fitted on, and the set early stopping measures (null: the training rows). */
interface FitSets {
  X: Matrix;
  y: Labels;
  w: Float64Array | null;
  val: { X: Matrix; y: Labels; w: Float64Array | null } | null;
}

function fitSets(
  X: Matrix,
  y: Labels,
  opts: GbdtOptions,
  params: GbdtState['params'],
  sampleWeight?: ArrayLike<number>,
): FitSets {
  const w = opts.classWeight || sampleWeight ? rowWeights(y, opts.classWeight, sampleWeight) : null;
  if (!params.early_stopping) return { X, y, w, val: null };
  if (opts.validation) {
    const v = opts.validation;
    checkTrainingInput(v.X, v.y, v.sampleWeight);
    checkFeatureCount(v.X, X.cols);
    return { X, y, w, val: { X: v.X, y: v.y, w: v.sampleWeight ? Float64Array.from(v.sampleWeight) : null } };
  }
  if (params.validation_fraction === null) return { X, y, w, val: null };
  const split = stratifiedHoldout(y, params.validation_fraction, opts.seed ?? 0);
  return {
    X: selectRows(X, split.train),
    y: selectValues(y, split.train),
    w: w ? selectValues(w, split.train) : null,
    val: {
      X: selectRows(X, split.val),
      y: selectValues(y, split.val),
      w: w ? selectValues(w, split.val) : null,
    },
  };
}

/** Log-odds of the weighted positive rate (clipped like sklearn): the raw prediction before any tree. */
function baselineLogOdds(y: Labels, w: Float64Array | null): number {
  let sy = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    sy += wi * y[i]!;
    sw += wi;
  }
  const eps = Number.EPSILON;
  const rate = Math.min(Math.max(sy / sw, eps), 1 - eps);
  return Math.log(rate / (1 - rate));
}

/** Per-row gradient and hessian of the (weighted) log-loss at `raw`, rounded to float32 as sklearn's. */
function logLossGradients(
  raw: Float64Array,
  y: Labels,
  w: Float64Array | null,
  g: Float32Array,
  h: Float32Array,
): void {
  for (let i = 0; i < raw.length; i++) {
    const pr = 1 / (1 + Math.exp(-raw[i]!));
    const wi = w ? w[i]! : 1;
    g[i] = wi * (pr - y[i]!);
    h[i] = wi * pr * (1 - pr);
  }
}

export function fitGbdt(
  X: Matrix,
  y: Labels,
  opts: GbdtOptions = {},
  sampleWeight?: ArrayLike<number>,
): GbdtState {
  checkTrainingInput(X, y, sampleWeight);
  checkBothClasses(y, sampleWeight);
  const params = resolveGbdtParams(opts);
  const { X: Xt, y: yt, w: wt, val } = fitSets(X, y, opts, params, sampleWeight);
  const trees = emptyTrees();
  const grower = new HistTreeGrower(Xt, fitBinMapper(Xt, params.max_bins), params, trees);
  const baseline = baselineLogOdds(yt, wt);
  // Raw predictions on the training rows (and the validation set): leaves add their values as trees grow.
  const raw = new Float64Array(Xt.rows).fill(baseline);
  const valRaw = val ? new Float64Array(val.X.rows).fill(baseline) : null;
  const early = params.early_stopping;
  const trainScore: number[] = [];
  const valScore: number[] = [];
  // The training loss is needed when it decides early stopping (no validation set), else only recorded.
  const recordTrain = early && (!val || opts.trainScore !== false);
  if (early) {
    if (recordTrain) trainScore.push(-meanLogLoss(raw, yt, wt));
    if (val) valScore.push(-meanLogLoss(valRaw!, val.y, val.w));
  }
  let nIter = 0;
  for (let it = 0; it < params.max_iter; it++) {
    logLossGradients(raw, yt, wt, grower.g, grower.h);
    grower.grow(raw);
    nIter = it + 1;
    if (!early) continue;
    if (recordTrain) trainScore.push(-meanLogLoss(raw, yt, wt));
    if (val) {
      const root = trees.roots[trees.roots.length - 1]!;
      for (let i = 0; i < val.X.rows; i++)
        valRaw![i]! += trees.value[leafOf(trees, root, val.X.data, i * Xt.cols)]!;
      valScore.push(-meanLogLoss(valRaw!, val.y, val.w));
    }
    if (shouldStop(val ? valScore : trainScore, params.n_iter_no_change, params.tol)) break;
  }
  return {
    kind: 'gbdt',
    n_features: Xt.cols,
    baseline,
    trees,
    n_iter: nIter,
    params,
    validation_score: valScore,
    train_score: trainScore,
  };
}

/** Raw log-odds of one row at `row[offset ..]` (zero allocation). */
export function predictRowGbdt(state: GbdtState, row: ArrayLike<number>, offset = 0): number {
  return state.baseline + sumTreesRow(state.trees, row, offset);
}

export function predictRawGbdt(state: GbdtState, X: Matrix): Float64Array {
  checkFeatureCount(X, state.n_features);
  const out = new Float64Array(X.rows);
  sumTreesBatch(state.trees, X.data, X.rows, X.cols, out);
  for (let i = 0; i < X.rows; i++) out[i] = state.baseline + out[i]!;
  return out;
}

export function predictProbaGbdt(state: GbdtState, X: Matrix): Float64Array {
  const raw = predictRawGbdt(state, X);
  for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-raw[i]!));
  return raw;
}

/** Expected raw output over the training distribution (the TreeSHAP bias term). */
export function expectedRawGbdt(state: GbdtState): number {
  return state.baseline + expectedSum(state.trees);
}

/**
 * Exact TreeSHAP contributions in log-odds: out[j] for each feature and out[n_features] = bias
 * (expectedRawGbdt); Σ out = predictRowGbdt(state, row). Uses the state's TreeExplainer (built on first
 * use, then cached); passing a TreeShapWorkspace runs the path-by-path reference algorithm instead.
 */
export function contributionsGbdt(
  state: GbdtState,
  row: ArrayLike<number>,
  offset = 0,
  ws?: TreeShapWorkspace | TreeExplainer,
): Float64Array {
  const out = new Float64Array(state.n_features + 1);
  if (ws instanceof TreeShapWorkspace) {
    for (const r of state.trees.roots) treeShapAdd(state.trees, r, row, offset, out, 1, ws);
  } else (ws ?? explainerFor(state.trees)).add(row, offset, out);
  out[state.n_features] = expectedRawGbdt(state);
  return out;
}
