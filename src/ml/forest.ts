/**
 * Random forest of classification trees, following sklearn `RandomForestClassifier`: gini criterion,
 * bootstrap rows, `max_features` features drawn at each node (features constant in the node do not
 * count, as in sklearn), min_samples_leaf / min_samples_split counted on distinct in-bag rows, max_depth,
 * class_weight 'balanced' / 'balanced_subsample'. Seeded; the RNG differs from numpy's, so individual
 * trees differ from sklearn's and parity is on quality (ROC-AUC), not on trees.
 *
 * Split search runs over the same ≤ 255 quantile bins as GBDT: exact whenever a feature has ≤ 255
 * distinct values; a split's threshold is the training-wide bin edge (the midpoint between the two
 * nearest distinct training values around it, where sklearn uses the two nearest values in the node).
 *
 * Missing values (which sklearn 1.2 forests reject) are handled natively: each split tries the node's
 * missing rows on both sides and keeps the better; when no training row at the node was missing, a
 * missing value at prediction goes to the child with the larger training weight (left on a tie).
 *
 * Each leaf holds the weighted fraction of class 1; the raw prediction (and probability) is the mean
 * over trees of the leaf reached. Contributions are therefore in probability units.
 *
 * This file draws each tree's sample (bootstrap, class weights) and assembles the forest; the tree grower
 * (split search, node expansion) is forest-grower.ts.
 */
import { AppError } from '../core/error-base.js';
import { fitBinMapper } from './binning.js';
import { ML_ERRORS } from './errors.js';
import { ForestTreeGrower } from './forest-grower.js';
import {
  checkBothClasses,
  checkFeatureCount,
  checkTrainingInput,
  type Labels,
  type Matrix,
} from './matrix.js';
import { createRng, deriveSeed, type Rng } from './rng.js';
import {
  emptyTrees,
  expectedSum,
  type FlatTrees,
  sumTreesBatch,
  sumTreesRow,
  TreeShapWorkspace,
  treeShapAdd,
} from './tree.js';
import { explainerFor, type TreeExplainer } from './tree-explainer.js';
import { rowWeights } from './weights.js';

export interface ForestOptions {
  /** Trees (default 100). */
  nEstimators?: number;
  /** Features drawn per node: 'sqrt' (default), 'log2', a count ≥ 1, or a fraction in (0, 1). */
  maxFeatures?: 'sqrt' | 'log2' | number;
  maxDepth?: number | null;
  /** Minimum training rows (in-bag, distinct) per leaf (default 1). */
  minSamplesLeaf?: number;
  /** Minimum rows to split a node (default 2). */
  minSamplesSplit?: number;
  bootstrap?: boolean;
  classWeight?: 'balanced' | 'balanced_subsample' | { 0: number; 1: number } | null;
  maxBins?: number;
  seed?: number;
}

export interface ForestState {
  kind: 'forest';
  n_features: number;
  /** Leaf value = weighted class-1 fraction; cover = weighted in-bag rows (bootstrap counts × class weights). */
  trees: FlatTrees;
  params: {
    n_estimators: number;
    max_features: number;
    max_depth: number | null;
    min_samples_leaf: number;
    min_samples_split: number;
    bootstrap: boolean;
    class_weight: string | null;
    seed: number;
  };
}

function resolveForestParams(opts: ForestOptions, p: number): ForestState['params'] {
  const bad = (m: string) => new AppError(ML_ERRORS.INVALID_OPTION, `forest: ${m}`);
  const mf = opts.maxFeatures ?? 'sqrt';
  let maxFeatures: number;
  if (mf === 'sqrt') maxFeatures = Math.max(1, Math.floor(Math.sqrt(p)));
  else if (mf === 'log2') maxFeatures = Math.max(1, Math.floor(Math.log2(p)));
  else if (mf > 0 && mf < 1) maxFeatures = Math.max(1, Math.floor(mf * p));
  else if (Number.isInteger(mf) && mf >= 1) maxFeatures = Math.min(p, mf);
  else throw bad('maxFeatures must be "sqrt", "log2", an integer ≥ 1 or a fraction in (0, 1)');
  const cw = opts.classWeight ?? null;
  const params = {
    n_estimators: opts.nEstimators ?? 100,
    max_features: maxFeatures,
    max_depth: opts.maxDepth ?? null,
    min_samples_leaf: opts.minSamplesLeaf ?? 1,
    min_samples_split: opts.minSamplesSplit ?? 2,
    bootstrap: opts.bootstrap ?? true,
    class_weight: cw === null ? null : typeof cw === 'string' ? cw : `{0:${cw[0]},1:${cw[1]}}`,
    seed: opts.seed ?? 0,
  };
  if (!(params.n_estimators >= 1) || !Number.isInteger(params.n_estimators))
    throw bad('nEstimators must be an integer ≥ 1');
  if (params.max_depth !== null && !(params.max_depth >= 1)) throw bad('maxDepth must be ≥ 1 or null');
  if (!(params.min_samples_leaf >= 1)) throw bad('minSamplesLeaf must be ≥ 1');
  if (!(params.min_samples_split >= 2)) throw bad('minSamplesSplit must be ≥ 2');
  return params;
}

/** Bootstrap counts of one tree: n draws with replacement (or 1 per row without bootstrap). */
function drawCounts(counts: Float64Array, bootstrap: boolean, rng: Rng): void {
  const n = counts.length;
  counts.fill(bootstrap ? 0 : 1);
  if (bootstrap) for (let k = 0; k < n; k++) counts[rng.int(n)]! += 1;
}

/**
 * One tree's row weights w = count × base weight (× the sample's own class weights for
 * 'balanced_subsample', computed with multiplicity as sklearn) and its in-bag rows (w > 0) in
 * idx[0 .. m). Returns m.
 */
function inBagRows(
  counts: Float64Array,
  base: Float64Array,
  y: Labels,
  balancedSubsample: boolean,
  w: Float64Array,
  idx: Uint32Array,
): number {
  const n = counts.length;
  let sub0 = 1;
  let sub1 = 1;
  if (balancedSubsample) {
    let c0 = 0;
    let c1 = 0;
    for (let i = 0; i < n; i++) y[i] === 1 ? (c1 += counts[i]!) : (c0 += counts[i]!);
    sub0 = c0 > 0 ? (c0 + c1) / (2 * c0) : 1;
    sub1 = c1 > 0 ? (c0 + c1) / (2 * c1) : 1;
  }
  let m = 0;
  for (let i = 0; i < n; i++) {
    w[i] = counts[i]! * base[i]! * (y[i] === 1 ? sub1 : sub0);
    if (w[i]! > 0) idx[m++] = i;
  }
  return m;
}

export function fitForest(
  X: Matrix,
  y: Labels,
  opts: ForestOptions = {},
  sampleWeight?: ArrayLike<number>,
): ForestState {
  checkTrainingInput(X, y, sampleWeight);
  checkBothClasses(y, sampleWeight);
  const params = resolveForestParams(opts, X.cols);
  const cw = opts.classWeight ?? null;
  const base = rowWeights(y, cw === 'balanced_subsample' ? null : cw, sampleWeight);
  const trees = emptyTrees();
  const grower = new ForestTreeGrower(X, y, fitBinMapper(X, opts.maxBins ?? 255), params, trees);
  const counts = new Float64Array(X.rows);
  for (let t = 0; t < params.n_estimators; t++) {
    // One stream per tree: the bootstrap draw, then the feature draws of its nodes.
    const rng = createRng(deriveSeed(params.seed, t));
    drawCounts(counts, params.bootstrap, rng);
    const m = inBagRows(counts, base, y, cw === 'balanced_subsample', grower.w, grower.idx);
    if (m === 0) throw new AppError(ML_ERRORS.INVALID_VALUE, 'forest: every training row has zero weight');
    grower.grow(m, rng);
  }
  return { kind: 'forest', n_features: X.cols, trees, params };
}

/** Mean class-1 probability over trees for one row (zero allocation). */
export function predictRowForest(state: ForestState, row: ArrayLike<number>, offset = 0): number {
  return sumTreesRow(state.trees, row, offset) / state.trees.roots.length;
}

/** Raw prediction = probability for the forest. */
export function predictRawForest(state: ForestState, X: Matrix): Float64Array {
  checkFeatureCount(X, state.n_features);
  const out = new Float64Array(X.rows);
  sumTreesBatch(state.trees, X.data, X.rows, X.cols, out);
  const k = state.trees.roots.length;
  for (let i = 0; i < X.rows; i++) out[i] = out[i]! / k;
  return out;
}

export function expectedRawForest(state: ForestState): number {
  return expectedSum(state.trees) / state.trees.roots.length;
}

/**
 * Exact TreeSHAP contributions in probability units; last entry = bias; Σ = predictRowForest. Uses the
 * state's TreeExplainer (built on first use, then cached); passing a TreeShapWorkspace runs the
 * path-by-path reference algorithm instead.
 */
export function contributionsForest(
  state: ForestState,
  row: ArrayLike<number>,
  offset = 0,
  ws?: TreeShapWorkspace | TreeExplainer,
): Float64Array {
  const out = new Float64Array(state.n_features + 1);
  const scale = 1 / state.trees.roots.length;
  if (ws instanceof TreeShapWorkspace) {
    for (const r of state.trees.roots) treeShapAdd(state.trees, r, row, offset, out, scale, ws);
  } else (ws ?? explainerFor(state.trees, scale)).add(row, offset, out);
  out[state.n_features] = expectedRawForest(state);
  return out;
}
