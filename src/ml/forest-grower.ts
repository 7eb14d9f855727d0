/**
 * The tree grower of the random forest (forest.ts): one classification tree per call to `grow`, on the
 * in-bag rows and weights the forest drew for it. Gini criterion; at each node `max_features` features
 * are drawn (features constant in the node do not count, as in sklearn); min_samples_leaf and
 * min_samples_split count distinct in-bag rows; depth-first, left child first.
 *
 * Split search runs over the training-wide bins (binning.ts). Each split tries the node's missing rows on
 * both sides and keeps the better; when no training row at the node was missing, a missing value at
 * prediction goes to the child with the larger training weight (left on a tie).
 *
 * The grower owns every buffer of the fit, so growing a tree allocates only its nodes.
 */
import { type BinMapper, binColumns, splitThreshold } from './binning.js';
import type { Labels, Matrix } from './matrix.js';
import type { Rng } from './rng.js';
import type { FlatTrees } from './tree.js';

/** The tree-shape options of a forest fit (ForestState['params'] names). */
export interface ForestGrowerParams {
  max_features: number;
  max_depth: number | null;
  min_samples_leaf: number;
  min_samples_split: number;
}

interface ForestSplit {
  feature: number;
  bin: number;
  missingLeft: boolean;
}

/** Gini proxy of a split (Σ_side Σ_class w² / w_side; larger is better) from the class weights per side. */
function giniProxy(a0: number, a1: number, b0: number, b1: number): number {
  const wa = a0 + a1;
  const wb = b0 + b1;
  return (wa > 0 ? (a0 * a0 + a1 * a1) / wa : 0) + (wb > 0 ? (b0 * b0 + b1 * b1) / wb : 0);
}

export class ForestTreeGrower {
  /** Per-row weight of the current tree (bootstrap count × class and sample weights); the caller fills it. */
  readonly w: Float64Array;
  /** In-bag rows (w > 0) of the current tree in idx[0 .. m); the caller fills it. Nodes own contiguous runs. */
  readonly idx: Uint32Array;
  private readonly n: number;
  private readonly p: number;
  private readonly mapper: BinMapper;
  private readonly nb: Uint16Array;
  /** Column-major bins; the missing bin of feature f is stored as nb[f]. */
  private readonly bins: Uint8Array;
  private readonly y: Labels;
  /** Labels as 0/1 bytes, to index `hw` without a branch. */
  private readonly yy: Uint8Array;
  private readonly tmp: Uint32Array;
  /** Feature order of the current node's draw (partial Fisher–Yates). */
  private readonly feats: Int32Array;
  /** Per-bin class weights interleaved (index 2·bin + label): the hot loop adds without a branch on y. */
  private readonly hw = new Float64Array(512);
  /** Per-bin row counts. */
  private readonly hc = new Float64Array(256);
  private readonly maxFeatures: number;
  private readonly maxDepth: number | null;
  private readonly msl: number;
  private readonly minSamplesSplit: number;
  private rng: Rng | null = null;
  // Best split of the node being searched.
  private best: ForestSplit | null = null;
  private bestProxy = Number.NEGATIVE_INFINITY;

  constructor(
    X: Matrix,
    y: Labels,
    mapper: BinMapper,
    params: ForestGrowerParams,
    private readonly trees: FlatTrees,
  ) {
    const n = X.rows;
    const p = X.cols;
    this.n = n;
    this.p = p;
    this.mapper = mapper;
    this.nb = mapper.nBins;
    this.bins = binColumns(mapper, X);
    this.y = y;
    this.yy = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.yy[i] = y[i] === 1 ? 1 : 0;
    this.w = new Float64Array(n);
    this.idx = new Uint32Array(n);
    this.tmp = new Uint32Array(n);
    this.feats = new Int32Array(p);
    this.maxFeatures = params.max_features;
    this.maxDepth = params.max_depth;
    this.msl = params.min_samples_leaf;
    this.minSamplesSplit = params.min_samples_split;
  }

  /** Grows a tree on the in-bag rows idx[0 .. m) with weights `w`, feature draws from `rng`; appends it. */
  grow(m: number, rng: Rng): void {
    this.rng = rng;
    this.trees.roots.push(this.growNode(0, m, 0));
  }

  /** Appends the node over idx[start .. end) and, recursively, its subtree; returns its index. */
  private growNode(start: number, end: number, depth: number): number {
    const { idx, y, w, trees } = this;
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
      (this.maxDepth === null || depth < this.maxDepth) &&
      count >= this.minSamplesSplit &&
      count >= 2 * this.msl &&
      w0 > 0 &&
      w1 > 0;
    if (!canSplit) return id;
    const s = this.findSplit(start, end);
    if (!s) return id;
    const { mid, sawMissing } = this.partition(start, end, s);
    const left = this.growNode(start, mid, depth + 1);
    const right = this.growNode(mid, end, depth + 1);
    trees.feature[id] = s.feature;
    trees.threshold[id] = splitThreshold(this.mapper, s.feature, s.bin);
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
  }

  /** Reorders idx[start .. end): left rows first (stable), right ones after. */
  private partition(start: number, end: number, s: ForestSplit): { mid: number; sawMissing: boolean } {
    const { idx, tmp, bins } = this;
    const col = s.feature * this.n;
    const miss = this.nb[s.feature]!;
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
    return { mid: li, sawMissing };
  }

  /** Draws features until `max_features` non-constant ones were searched; returns the best split or null. */
  private findSplit(start: number, end: number): ForestSplit | null {
    const { p, n, feats, idx, bins, yy, w, hw, hc } = this;
    const rng = this.rng!;
    for (let f = 0; f < p; f++) feats[f] = f;
    this.best = null;
    this.bestProxy = Number.NEGATIVE_INFINITY;
    let visited = 0;
    for (let k = 0; k < p && visited < this.maxFeatures; k++) {
      const j = k + rng.int(p - k);
      const f = feats[j]!;
      feats[j] = feats[k]!;
      feats[k] = f;
      const col = f * n;
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
        this.scanBins(f, lo, hi);
      }
      hw.fill(0, lo << 1, (hi << 1) + 2);
      hc.fill(0, lo, hi + 1);
    }
    return this.best;
  }

  /** Tries every split of feature f's histogram (bins lo..hi), missing rows on either side. */
  private scanBins(f: number, lo: number, hi: number): void {
    const { hw, hc, msl } = this;
    const miss = this.nb[f]!;
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
    let bestProxy = this.bestProxy;
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
          const v = giniProxy(l0, l1, t0 - l0, t1 - l1);
          if (v > bestProxy) {
            bestProxy = v;
            this.best = { feature: f, bin: b, missingLeft: false };
          }
        }
      }
      // Missing left.
      if (mc > 0 && b < lastNonMissing) {
        const lcm = lc + mc;
        const rc = tc - lcm;
        if (lcm >= msl && rc >= msl) {
          const v = giniProxy(l0 + m0, l1 + m1, t0 - l0 - m0, t1 - l1 - m1);
          if (v > bestProxy) {
            bestProxy = v;
            this.best = { feature: f, bin: b, missingLeft: true };
          }
        }
      }
    }
    this.bestProxy = bestProxy;
  }
}
