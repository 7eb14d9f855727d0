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
 */
import { AppError } from '../core/error-base.js';
import { binOf, fitBinMapper, MISSING_BIN, splitThreshold } from './binning.js';
import { ML_ERRORS } from './errors.js';
import {
  checkBothClasses,
  checkFeatureCount,
  checkTrainingInput,
  type Labels,
  type Matrix,
} from './matrix.js';
import { createRng, deriveSeed } from './rng.js';
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

interface ForestSplit {
  feature: number;
  bin: number;
  missingLeft: boolean;
}

export function fitForest(
  X: Matrix,
  y: Labels,
  opts: ForestOptions = {},
  sampleWeight?: ArrayLike<number>,
): ForestState {
  checkTrainingInput(X, y, sampleWeight);
  checkBothClasses(y, sampleWeight);
  const n = X.rows;
  const p = X.cols;
  const params = resolveForestParams(opts, p);
  const cw = opts.classWeight ?? null;
  const base = rowWeights(y, cw === 'balanced_subsample' ? null : cw, sampleWeight);
  const mapper = fitBinMapper(X, opts.maxBins ?? 255);
  const nb = mapper.nBins;
  // Column-major bins; the missing bin of feature f is stored as nb[f].
  const bins = new Uint8Array(n * p);
  for (let f = 0; f < p; f++) {
    const thr = mapper.thresholds[f]!;
    for (let i = 0; i < n; i++) {
      const b = binOf(thr, X.data[i * p + f]!);
      bins[f * n + i] = b === MISSING_BIN ? nb[f]! : b;
    }
  }
  const trees = emptyTrees();
  const msl = params.min_samples_leaf;
  const w = new Float64Array(n);
  const counts = new Float64Array(n);
  const idx = new Uint32Array(n);
  const tmp = new Uint32Array(n);
  const feats = new Int32Array(p);
  // Per-bin class weights interleaved (index 2·bin + label): the hot loop adds without a branch on y.
  const hw = new Float64Array(512);
  const hc = new Float64Array(256);
  const yy = new Uint8Array(n);
  for (let i = 0; i < n; i++) yy[i] = y[i] === 1 ? 1 : 0;

  for (let t = 0; t < params.n_estimators; t++) {
    const rng = createRng(deriveSeed(params.seed, t));
    counts.fill(params.bootstrap ? 0 : 1);
    if (params.bootstrap) for (let k = 0; k < n; k++) counts[rng.int(n)]! += 1;
    let sub0 = 1;
    let sub1 = 1;
    if (cw === 'balanced_subsample') {
      // Class weights from the bootstrap sample itself (with multiplicity), as sklearn.
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
    if (m === 0) throw new AppError(ML_ERRORS.INVALID_VALUE, 'forest: every training row has zero weight');

    const findSplit = (start: number, end: number): ForestSplit | null => {
      for (let f = 0; f < p; f++) feats[f] = f;
      let best: ForestSplit | null = null;
      let bestProxy = Number.NEGATIVE_INFINITY;
      let visited = 0;
      for (let k = 0; k < p && visited < params.max_features; k++) {
        const j = k + rng.int(p - k);
        const f = feats[j]!;
        feats[j] = feats[k]!;
        feats[k] = f;
        const col = f * n;
        const miss = nb[f]!;
        let lo = 255;
        let hi = 0;
        for (let q = start; q < end; q++) {
          const i = idx[q]!;
          const b = bins[col + i]!;
          if (b < lo) lo = b;
          if (b > hi) hi = b;
          hw[(b << 1) | yy[i]!]! += w[i]!;
          hc[b]! += 1;
        }
        // Constant features (one bin in this node) do not count towards max_features, as in sklearn.
        if (lo !== hi) {
          visited++;
          let t0 = 0;
          let t1 = 0;
          let tc = 0;
          for (let b = lo; b <= hi; b++) {
            t0 += hw[b << 1]!;
            t1 += hw[(b << 1) | 1]!;
            tc += hc[b]!;
          }
          const m0 = hw[miss << 1]!;
          const m1 = hw[(miss << 1) | 1]!;
          const mc = hc[miss]!;
          const proxy = (a0: number, a1: number, b0: number, b1: number): number => {
            const wa = a0 + a1;
            const wb = b0 + b1;
            return (wa > 0 ? (a0 * a0 + a1 * a1) / wa : 0) + (wb > 0 ? (b0 * b0 + b1 * b1) / wb : 0);
          };
          // Non-missing bins ascending: left = bins ≤ b. With missing rows, try them on both sides.
          let l0 = 0;
          let l1 = 0;
          let lc = 0;
          const lastNonMissing = mc > 0 ? Math.min(hi, miss - 1) : hi;
          for (let b = lo; b <= lastNonMissing; b++) {
            if (hc[b] === 0) continue;
            l0 += hw[b << 1]!;
            l1 += hw[(b << 1) | 1]!;
            lc += hc[b]!;
            // Missing right (skip the split that leaves only missing rows on the right when there are none).
            if (b < lastNonMissing || mc > 0) {
              const rc = tc - lc;
              if (lc >= msl && rc >= msl) {
                const v = proxy(l0, l1, t0 - l0, t1 - l1);
                if (v > bestProxy) {
                  bestProxy = v;
                  best = { feature: f, bin: b, missingLeft: false };
                }
              }
            }
            // Missing left.
            if (mc > 0 && b < lastNonMissing) {
              const lcm = lc + mc;
              const rc = tc - lcm;
              if (lcm >= msl && rc >= msl) {
                const v = proxy(l0 + m0, l1 + m1, t0 - l0 - m0, t1 - l1 - m1);
                if (v > bestProxy) {
                  bestProxy = v;
                  best = { feature: f, bin: b, missingLeft: true };
                }
              }
            }
          }
        }
        hw.fill(0, lo << 1, (hi << 1) + 2);
        hc.fill(0, lo, hi + 1);
      }
      return best;
    };

    const grow = (start: number, end: number, depth: number): number => {
      let w0 = 0;
      let w1 = 0;
      for (let q = start; q < end; q++) {
        const i = idx[q]!;
        if (y[i] === 1) w1 += w[i]!;
        else w0 += w[i]!;
      }
      const id = trees.feature.length;
      trees.feature.push(-1);
      trees.threshold.push(0);
      trees.nan_left.push(0);
      trees.left.push(-1);
      trees.right.push(-1);
      trees.value.push(w1 / (w0 + w1));
      trees.cover.push(w0 + w1);
      const count = end - start;
      const canSplit =
        (params.max_depth === null || depth < params.max_depth) &&
        count >= params.min_samples_split &&
        count >= 2 * msl &&
        w0 > 0 &&
        w1 > 0;
      if (!canSplit) return id;
      const s = findSplit(start, end);
      if (!s) return id;
      const col = s.feature * n;
      const miss = nb[s.feature]!;
      let li = start;
      let ri = 0;
      let sawMissing = false;
      for (let q = start; q < end; q++) {
        const i = idx[q]!;
        const b = bins[col + i]!;
        let goLeft: boolean;
        if (b === miss) {
          sawMissing = true;
          goLeft = s.missingLeft;
        } else goLeft = b <= s.bin;
        if (goLeft) idx[li++] = i;
        else tmp[ri++] = i;
      }
      idx.set(tmp.subarray(0, ri), li);
      const left = grow(start, li, depth + 1);
      const right = grow(li, end, depth + 1);
      trees.feature[id] = s.feature;
      trees.threshold[id] = splitThreshold(mapper, s.feature, s.bin);
      // Without missing rows here, an unseen missing value follows the heavier child.
      trees.nan_left[id] = sawMissing
        ? s.missingLeft
          ? 1
          : 0
        : trees.cover[left]! >= trees.cover[right]!
          ? 1
          : 0;
      trees.left[id] = left;
      trees.right[id] = right;
      return id;
    };
    trees.roots.push(grow(0, m, 0));
  }
  return { kind: 'forest', n_features: p, trees, params };
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

export const predictProbaForest = predictRawForest;

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
