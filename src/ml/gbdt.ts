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
 * Raw prediction = baseline log-odds + Σ tree leaf values; probability = sigmoid(raw).
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

interface GrowNode {
  start: number;
  end: number;
  G: number;
  H: number;
  depth: number;
  /** −G/(H + λ) before shrinkage (0 for the root, as sklearn). */
  value: number;
  flat: number;
  hist: { data: Float64Array; bits: Int32Array } | null;
  split: {
    gain: number;
    feature: number;
    bin: number;
    missingLeft: boolean;
    GL: number;
    HL: number;
    CL: number;
  } | null;
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

const MIN_HESSIAN_TO_SPLIT = 1e-3;

function nodeValue(G: number, H: number, l2: number): number {
  return -G / (H + l2 + 1e-15);
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

export function fitGbdt(
  X: Matrix,
  y: Labels,
  opts: GbdtOptions = {},
  sampleWeight?: ArrayLike<number>,
): GbdtState {
  checkTrainingInput(X, y, sampleWeight);
  checkBothClasses(y, sampleWeight);
  const params = resolveGbdtParams(opts);
  const early = params.early_stopping;
  const nIterNoChange = params.n_iter_no_change;
  const tol = params.tol;
  const weightsAll = opts.classWeight || sampleWeight ? rowWeights(y, opts.classWeight, sampleWeight) : null;

  // Training rows, and the validation set used for early stopping (if any).
  let Xt = X;
  let yt: Labels = y;
  let wt = weightsAll;
  let val: { X: Matrix; y: Labels; w: Float64Array | null } | null = null;
  if (early) {
    if (opts.validation) {
      const v = opts.validation;
      checkTrainingInput(v.X, v.y, v.sampleWeight);
      checkFeatureCount(v.X, X.cols);
      val = { X: v.X, y: v.y, w: v.sampleWeight ? Float64Array.from(v.sampleWeight) : null };
    } else if (params.validation_fraction !== null) {
      const split = stratifiedHoldout(y, params.validation_fraction, opts.seed ?? 0);
      Xt = selectRows(X, split.train);
      yt = selectValues(y, split.train);
      wt = weightsAll ? selectValues(weightsAll, split.train) : null;
      val = {
        X: selectRows(X, split.val),
        y: selectValues(y, split.val),
        w: weightsAll ? selectValues(weightsAll, split.val) : null,
      };
    }
  }

  const n = Xt.rows;
  const p = Xt.cols;
  const mapper = fitBinMapper(Xt, params.max_bins);
  const nb = mapper.nBins;
  // Column-major bins where the missing bin of feature f is stored as nb[f] (compact histograms).
  const bins = new Uint8Array(n * p);
  for (let f = 0; f < p; f++) {
    const thr = mapper.thresholds[f]!;
    for (let i = 0; i < n; i++) {
      const b = binOf(thr, Xt.data[i * p + f]!);
      bins[f * n + i] = b === MISSING_BIN ? nb[f]! : b;
    }
  }
  const hOff = new Int32Array(p + 1);
  for (let f = 0; f < p; f++) hOff[f + 1] = hOff[f]! + (nb[f]! + 1) * 3;
  const HS = hOff[p]!;

  // Baseline: log-odds of the weighted positive rate (clipped like sklearn).
  let sy = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const w = wt ? wt[i]! : 1;
    sy += w * yt[i]!;
    sw += w;
  }
  const eps = Number.EPSILON;
  const rate = Math.min(Math.max(sy / sw, eps), 1 - eps);
  const baseline = Math.log(rate / (1 - rate));

  const raw = new Float64Array(n).fill(baseline);
  // Gradients and hessians are float32, as in sklearn (G_H_DTYPE); sums and leaf values are float64.
  // Keeping sklearn's rounding makes near-tied splits resolve the same way.
  const g = new Float32Array(n);
  const h = new Float32Array(n);
  const og = new Float32Array(n);
  const oh = new Float32Array(n);
  const part = new Uint32Array(n);
  const tmp = new Uint32Array(n);
  const trees = emptyTrees();
  // A histogram: (G, H, count) per bin of every feature, plus a bitmap of its non-empty bins (8 words of
  // 32 bits per feature). Scans, subtraction and zeroing visit only the bins set in the bitmap, so deep
  // nodes with few rows cost little; bins outside the bitmap may hold stale values and are never read.
  interface Hist {
    data: Float64Array;
    bits: Int32Array;
  }
  const pool: Hist[] = [];
  const takeHist = (): Hist => pool.pop() ?? { data: new Float64Array(HS), bits: new Int32Array(p * 8) };
  const giveHist = (a: Hist | null): void => {
    if (a) pool.push(a);
  };
  // Words of the bitmap that can be non-zero for feature f (bins 0..nb[f], the last being missing).
  const nWords = Uint8Array.from(nb, (v) => (v >> 5) + 1);
  const lr = params.learning_rate;
  const l2 = params.l2_regularization;
  const msl = params.min_samples_leaf;

  /** Brute-force histogram of a node; `parent` (if any) bounds the bins that need zeroing first. */
  const buildHist = (node: GrowNode, parent: Hist | null): Hist => {
    const hist = takeHist();
    const data = hist.data;
    const bits = hist.bits;
    if (parent) {
      const pb = parent.bits;
      for (let f = 0; f < p; f++) {
        const o = hOff[f]!;
        for (let k = 0, nw = nWords[f]!; k < nw; k++) {
          let w = pb[f * 8 + k]!;
          while (w !== 0) {
            const t = w & -w;
            const q = o + 3 * ((k << 5) + 31 - Math.clz32(t));
            data[q] = 0;
            data[q + 1] = 0;
            data[q + 2] = 0;
            w ^= t;
          }
        }
      }
    } else data.fill(0);
    const { start, end } = node;
    for (let k = start; k < end; k++) {
      const i = part[k]!;
      og[k] = g[i]!;
      oh[k] = h[i]!;
    }
    bits.fill(0);
    for (let f = 0; f < p; f++) {
      const o = hOff[f]!;
      const base = f * n;
      const bo = f * 8;
      for (let k = start; k < end; k++) {
        const b = bins[base + part[k]!]!;
        const q = o + 3 * b;
        data[q]! += og[k]!;
        data[q + 1]! += oh[k]!;
        data[q + 2]! += 1;
        bits[bo + (b >> 5)]! |= 1 << (b & 31);
      }
    }
    return hist;
  };

  /** parent ← parent − small over the parent's non-empty bins; the result is the larger child's. */
  const subtractInto = (parent: Hist, small: Hist): void => {
    const pd = parent.data;
    const sd = small.data;
    const pb = parent.bits;
    for (let f = 0; f < p; f++) {
      const o = hOff[f]!;
      for (let k = 0, nw = nWords[f]!; k < nw; k++) {
        let w = pb[f * 8 + k]!;
        let out = w;
        while (w !== 0) {
          const t = w & -w;
          const q = o + 3 * ((k << 5) + 31 - Math.clz32(t));
          pd[q] = pd[q]! - sd[q]!;
          pd[q + 1] = pd[q + 1]! - sd[q + 1]!;
          const c = pd[q + 2]! - sd[q + 2]!;
          pd[q + 2] = c;
          if (c === 0) out ^= t;
          w ^= t;
        }
        pb[f * 8 + k] = out;
      }
    }
  };

  const findSplit = (node: GrowNode): void => {
    const { data: hist, bits } = node.hist!;
    const G = node.G;
    const H = node.H;
    const C = node.end - node.start;
    const lossCur = G * node.value;
    let best: GrowNode['split'] = null;
    let bestGain = -1;
    for (let f = 0; f < p; f++) {
      const o = hOff[f]!;
      const nbf = nb[f]!;
      const hm = mapper.hasMissing[f]!;
      const nw = nWords[f]!;
      // Left to right over the non-empty bins b < end: missing values (bin nbf) go right. Skipping empty
      // bins is exact: an empty bin leaves the candidate as it was at the previous bin.
      let gl = 0;
      let hl = 0;
      let cl = 0;
      const end = nbf - 1 + hm;
      scanLR: for (let k = 0; k < nw; k++) {
        let w = bits[f * 8 + k]!;
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          const b = (k << 5) + 31 - Math.clz32(t);
          if (b >= end) break scanLR;
          const q = o + 3 * b;
          gl += hist[q]!;
          hl += hist[q + 1]!;
          cl += hist[q + 2]!;
          if (cl < msl) continue;
          if (C - cl < msl) break scanLR;
          if (hl < MIN_HESSIAN_TO_SPLIT) continue;
          const hr = H - hl;
          if (hr < MIN_HESSIAN_TO_SPLIT) break scanLR;
          const gr = G - gl;
          const gain = lossCur - gl * nodeValue(gl, hl, l2) - gr * nodeValue(gr, hr, l2);
          if (gain > bestGain && gain > 0) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, missingLeft: false, GL: gl, HL: hl, CL: cl };
          }
        }
      }
      if (hm === 0) continue;
      // Right to left: add non-empty bins j = nbf−1 … 1 to the right (split "bin ≤ j−1 left"); missing left.
      let gr = 0;
      let hr = 0;
      let cr = 0;
      scanRL: for (let k = nw - 1; k >= 0; k--) {
        let w = bits[f * 8 + k]!;
        while (w !== 0) {
          const j = (k << 5) + 31 - Math.clz32(w);
          w ^= 1 << (j & 31);
          if (j >= nbf) continue;
          if (j === 0) break scanRL;
          const q = o + 3 * j;
          gr += hist[q]!;
          hr += hist[q + 1]!;
          cr += hist[q + 2]!;
          if (cr < msl) continue;
          if (C - cr < msl) break scanRL;
          if (hr < MIN_HESSIAN_TO_SPLIT) continue;
          const hl2 = H - hr;
          if (hl2 < MIN_HESSIAN_TO_SPLIT) break scanRL;
          const gl2 = G - gr;
          const gain = lossCur - gl2 * nodeValue(gl2, hl2, l2) - gr * nodeValue(gr, hr, l2);
          if (gain > bestGain && gain > 0) {
            bestGain = gain;
            best = { gain, feature: f, bin: j - 1, missingLeft: true, GL: gl2, HL: hl2, CL: C - cr };
          }
        }
      }
    }
    node.split = best;
  };

  const newNode = (
    start: number,
    end: number,
    G: number,
    H: number,
    depth: number,
    value: number,
  ): GrowNode => {
    const flat = trees.feature.length;
    trees.feature.push(-1);
    trees.threshold.push(0);
    trees.nan_left.push(0);
    trees.left.push(-1);
    trees.right.push(-1);
    trees.value.push(value * lr);
    trees.cover.push(end - start);
    return { start, end, G, H, depth, value, flat, hist: null, split: null };
  };

  const finalizeLeaf = (node: GrowNode): void => {
    const v = trees.value[node.flat]!;
    for (let k = node.start; k < node.end; k++) raw[part[k]!]! += v;
    giveHist(node.hist);
    node.hist = null;
  };

  const growTree = (): void => {
    for (let i = 0; i < n; i++) part[i] = i;
    let G0 = 0;
    let H0 = 0;
    for (let i = 0; i < n; i++) {
      G0 += g[i]!;
      H0 += h[i]!;
    }
    const root = newNode(0, n, G0, H0, 0, 0);
    trees.roots.push(root.flat);
    const splittable: GrowNode[] = [];
    let finalized = 0;
    const consider = (node: GrowNode): void => {
      findSplit(node);
      if (node.split) splittable.push(node);
      else {
        finalizeLeaf(node);
        finalized++;
      }
    };
    if (n < 2 * msl || H0 < MIN_HESSIAN_TO_SPLIT) {
      finalizeLeaf(root);
      return;
    }
    root.hist = buildHist(root, null);
    consider(root);
    while (splittable.length > 0) {
      let bi = 0;
      for (let k = 1; k < splittable.length; k++)
        if (splittable[k]!.split!.gain > splittable[bi]!.split!.gain) bi = k;
      const node = splittable.splice(bi, 1)[0]!;
      const s = node.split!;
      // Partition the node's rows: left ones first (stable), right ones after.
      const base = s.feature * n;
      const missingBin = nb[s.feature]!;
      let li = node.start;
      let ri = 0;
      for (let k = node.start; k < node.end; k++) {
        const i = part[k]!;
        const b = bins[base + i]!;
        const goLeft = b === missingBin ? s.missingLeft : b <= s.bin;
        if (goLeft) part[li++] = i;
        else tmp[ri++] = i;
      }
      part.set(tmp.subarray(0, ri), li);
      const depth = node.depth + 1;
      const HR = node.H - s.HL;
      const GR = node.G - s.GL;
      const left = newNode(node.start, li, s.GL, s.HL, depth, nodeValue(s.GL, s.HL, l2));
      const right = newNode(li, node.end, GR, HR, depth, nodeValue(GR, HR, l2));
      const nLeft = li - node.start;
      const nRight = node.end - li;
      const missingLeft = mapper.hasMissing[s.feature] ? s.missingLeft : nLeft > nRight;
      trees.feature[node.flat] = s.feature;
      trees.threshold[node.flat] = splitThreshold(mapper, s.feature, s.bin);
      trees.nan_left[node.flat] = missingLeft ? 1 : 0;
      trees.left[node.flat] = left.flat;
      trees.right[node.flat] = right.flat;
      const nLeaves = finalized + splittable.length + 2;
      if (params.max_leaf_nodes !== null && nLeaves === params.max_leaf_nodes) {
        giveHist(node.hist);
        node.hist = null;
        finalizeLeaf(left);
        finalizeLeaf(right);
        for (const other of splittable) finalizeLeaf(other);
        splittable.length = 0;
        return;
      }
      if (params.max_depth !== null && depth === params.max_depth) {
        giveHist(node.hist);
        node.hist = null;
        finalizeLeaf(left);
        finalizeLeaf(right);
        finalized += 2;
        continue;
      }
      const leftLeaf = nLeft < 2 * msl;
      const rightLeaf = nRight < 2 * msl;
      if (!leftLeaf || !rightLeaf) {
        // Brute-force histogram for the smaller child, subtraction (in the parent's buffer) for the other.
        const small = nLeft < nRight ? left : right;
        const large = small === left ? right : left;
        small.hist = buildHist(small, node.hist);
        subtractInto(node.hist!, small.hist);
        large.hist = node.hist;
        node.hist = null;
      } else {
        giveHist(node.hist);
        node.hist = null;
      }
      if (leftLeaf) {
        finalizeLeaf(left);
        finalized++;
      } else consider(left);
      if (rightLeaf) {
        finalizeLeaf(right);
        finalized++;
      } else consider(right);
    }
  };

  // Early-stopping bookkeeping.
  const trainScore: number[] = [];
  const valScore: number[] = [];
  const valRaw = val ? new Float64Array(val.X.rows).fill(baseline) : null;
  if (early) {
    trainScore.push(-meanLogLoss(raw, yt, wt));
    if (val) valScore.push(-meanLogLoss(valRaw!, val.y, val.w));
  }

  let nIter = 0;
  for (let it = 0; it < params.max_iter; it++) {
    for (let i = 0; i < n; i++) {
      const pr = 1 / (1 + Math.exp(-raw[i]!));
      const w = wt ? wt[i]! : 1;
      g[i] = w * (pr - yt[i]!);
      h[i] = w * pr * (1 - pr);
    }
    growTree();
    nIter = it + 1;
    if (early) {
      trainScore.push(-meanLogLoss(raw, yt, wt));
      if (val) {
        const root = trees.roots[trees.roots.length - 1]!;
        for (let i = 0; i < val.X.rows; i++)
          valRaw![i]! += trees.value[leafOf(trees, root, val.X.data, i * p)]!;
        valScore.push(-meanLogLoss(valRaw!, val.y, val.w));
      }
      if (shouldStop(val ? valScore : trainScore, nIterNoChange, tol)) break;
    }
  }

  return {
    kind: 'gbdt',
    n_features: p,
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
