/**
 * The tree grower of the histogram GBDT (gbdt.ts), following sklearn's `TreeGrower` (1.2): one tree per
 * call to `grow`, fitted to the gradients/hessians in `g`/`h`, grown best-first (the leaf with the largest
 * gain is split next) under max_leaf_nodes, max_depth, min_samples_leaf and l2_regularization; leaf value
 * −G/(H + λ) × learning_rate. At each split both directions are tried for the missing bin and the better
 * is kept; for a feature with no missing value in training, missing values at prediction go to the child
 * that had more training samples. Histograms of the larger child are obtained by subtraction (only over
 * the bins that are non-empty in the parent).
 *
 * The grower owns every buffer of the fit (bins, gradients, row partition, a pool of histograms), so
 * growing a tree allocates only its nodes. Its hot loops read the buffers through locals.
 */
import { type BinMapper, binColumns, splitThreshold } from './binning.js';
import type { Matrix } from './matrix.js';
import type { FlatTrees } from './tree.js';

/** The tree-shape options of a GBDT fit (GbdtState['params'] names). */
export interface GrowerParams {
  learning_rate: number;
  max_leaf_nodes: number | null;
  max_depth: number | null;
  min_samples_leaf: number;
  l2_regularization: number;
}

/**
 * A histogram: (G, H, count) per bin of every feature, plus a bitmap of its non-empty bins (8 words of
 * 32 bits per feature). Scans and subtraction visit only the bins set in the bitmap, so deep nodes with
 * few rows cost little; bins outside the bitmap may hold leftovers of a subtraction and are never read.
 */
interface Hist {
  data: Float64Array;
  bits: Int32Array;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  GL: number;
  HL: number;
  CL: number;
}

interface GrowNode {
  /** Rows part[start .. end). */
  start: number;
  end: number;
  G: number;
  H: number;
  depth: number;
  /** −G/(H + λ) before shrinkage (0 for the root, as sklearn). */
  value: number;
  /** Index of the node in the FlatTrees arrays. */
  flat: number;
  hist: Hist | null;
  split: Split | null;
}

const MIN_HESSIAN_TO_SPLIT = 1e-3;

function nodeValue(G: number, H: number, l2: number): number {
  return -G / (H + l2 + 1e-15);
}

export class HistTreeGrower {
  /** Per-row gradients and hessians of the current iteration, float32 as sklearn's (G_H_DTYPE). */
  readonly g: Float32Array;
  readonly h: Float32Array;
  private readonly n: number;
  private readonly p: number;
  private readonly mapper: BinMapper;
  private readonly nb: Uint16Array;
  /** Column-major bins; the missing bin of feature f is stored as nb[f] (compact histograms). */
  private readonly bins: Uint8Array;
  /** Offset of feature f's (G, H, count) triples in a histogram. */
  private readonly hOff: Int32Array;
  /** Words of the bitmap that can be non-zero for feature f (bins 0..nb[f], the last being missing). */
  private readonly nWords: Uint8Array;
  /**
   * Row-major histogram offsets: rowQ[i·p + f] = hOff[f] + 3 × (bin of row i in feature f), i.e. where
   * row i adds its (g, h, 1) for feature f. Histogram building reads a row's p offsets contiguously.
   */
  private readonly rowQ: Int32Array;
  /** Row indices, each node's rows contiguous; `tmp` is scratch for partitioning. */
  private readonly part: Uint32Array;
  private readonly tmp: Uint32Array;
  private readonly pool: Hist[] = [];
  private readonly lr: number;
  private readonly l2: number;
  private readonly msl: number;
  private readonly maxLeafNodes: number | null;
  private readonly maxDepth: number | null;
  // Per tree: the raw predictions leaves add to, the leaves that may still split, the final leaf count.
  private raw: Float64Array = new Float64Array(0);
  private splittable: GrowNode[] = [];
  private finalized = 0;

  constructor(
    X: Matrix,
    mapper: BinMapper,
    params: GrowerParams,
    private readonly trees: FlatTrees,
  ) {
    const n = X.rows;
    const p = X.cols;
    this.n = n;
    this.p = p;
    this.mapper = mapper;
    this.nb = mapper.nBins;
    this.bins = binColumns(mapper, X);
    this.hOff = new Int32Array(p + 1);
    for (let f = 0; f < p; f++) this.hOff[f + 1] = this.hOff[f]! + (this.nb[f]! + 1) * 3;
    this.nWords = Uint8Array.from(this.nb, (v) => (v >> 5) + 1);
    this.rowQ = new Int32Array(n * p);
    for (let f = 0; f < p; f++) {
      const o = this.hOff[f]!;
      for (let i = 0; i < n; i++) this.rowQ[i * p + f] = o + 3 * this.bins[f * n + i]!;
    }
    this.g = new Float32Array(n);
    this.h = new Float32Array(n);
    this.part = new Uint32Array(n);
    this.tmp = new Uint32Array(n);
    this.lr = params.learning_rate;
    this.l2 = params.l2_regularization;
    this.msl = params.min_samples_leaf;
    this.maxLeafNodes = params.max_leaf_nodes;
    this.maxDepth = params.max_depth;
  }

  /** Grows one tree on the current g/h, appends it to the trees and adds its leaf values to `raw`. */
  grow(raw: Float64Array): void {
    const { n, part, g, h } = this;
    this.raw = raw;
    this.splittable = [];
    this.finalized = 0;
    for (let i = 0; i < n; i++) part[i] = i;
    let G0 = 0;
    let H0 = 0;
    for (let i = 0; i < n; i++) {
      G0 += g[i]!;
      H0 += h[i]!;
    }
    const root = this.newNode(0, n, G0, H0, 0, 0);
    this.trees.roots.push(root.flat);
    if (n < 2 * this.msl || H0 < MIN_HESSIAN_TO_SPLIT) {
      this.finalizeLeaf(root);
      return;
    }
    root.hist = this.buildHist(root);
    this.consider(root);
    const splittable = this.splittable;
    while (splittable.length > 0) {
      let bi = 0;
      for (let k = 1; k < splittable.length; k++)
        if (splittable[k]!.split!.gain > splittable[bi]!.split!.gain) bi = k;
      const node = splittable.splice(bi, 1)[0]!;
      if (this.splitNode(node)) return;
    }
  }

  /**
   * Splits `node` on its best split and decides what its children become (leaves, or candidates for a
   * later split). Returns true when the tree reached max_leaf_nodes (every open leaf is then finalised).
   */
  private splitNode(node: GrowNode): boolean {
    const s = node.split!;
    const li = this.partition(node, s);
    const depth = node.depth + 1;
    const HR = node.H - s.HL;
    const GR = node.G - s.GL;
    const left = this.newNode(node.start, li, s.GL, s.HL, depth, nodeValue(s.GL, s.HL, this.l2));
    const right = this.newNode(li, node.end, GR, HR, depth, nodeValue(GR, HR, this.l2));
    const nLeft = li - node.start;
    const nRight = node.end - li;
    const trees = this.trees;
    const missingLeft = this.mapper.hasMissing[s.feature] ? s.missingLeft : nLeft > nRight;
    trees.feature[node.flat] = s.feature;
    trees.threshold[node.flat] = splitThreshold(this.mapper, s.feature, s.bin);
    trees.nan_left[node.flat] = missingLeft ? 1 : 0;
    trees.left[node.flat] = left.flat;
    trees.right[node.flat] = right.flat;
    const nLeaves = this.finalized + this.splittable.length + 2;
    if (this.maxLeafNodes !== null && nLeaves === this.maxLeafNodes) {
      this.releaseHist(node);
      this.finalizeLeaf(left);
      this.finalizeLeaf(right);
      for (const other of this.splittable) this.finalizeLeaf(other);
      this.splittable.length = 0;
      return true;
    }
    if (this.maxDepth !== null && depth === this.maxDepth) {
      this.releaseHist(node);
      this.finalizeLeaf(left);
      this.finalizeLeaf(right);
      this.finalized += 2;
      return false;
    }
    const leftLeaf = nLeft < 2 * this.msl;
    const rightLeaf = nRight < 2 * this.msl;
    if (!leftLeaf || !rightLeaf) {
      // Brute-force histogram for the smaller child, subtraction (in the parent's buffer) for the other.
      const small = nLeft < nRight ? left : right;
      const large = small === left ? right : left;
      small.hist = this.buildHist(small);
      this.subtractInto(node.hist!, small.hist);
      large.hist = node.hist;
      node.hist = null;
    } else this.releaseHist(node);
    if (leftLeaf) {
      this.finalizeLeaf(left);
      this.finalized++;
    } else this.consider(left);
    if (rightLeaf) {
      this.finalizeLeaf(right);
      this.finalized++;
    } else this.consider(right);
    return false;
  }

  /** Reorders the node's rows: left ones first (stable), right ones after. Returns the first right row. */
  private partition(node: GrowNode, s: Split): number {
    const { part, tmp, bins } = this;
    const base = s.feature * this.n;
    const missingBin = this.nb[s.feature]!;
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
    return li;
  }

  /** Finds the node's best split: a candidate for splitting if there is one, else a final leaf. */
  private consider(node: GrowNode): void {
    this.findSplit(node);
    if (node.split) this.splittable.push(node);
    else {
      this.finalizeLeaf(node);
      this.finalized++;
    }
  }

  private newNode(start: number, end: number, G: number, H: number, depth: number, value: number): GrowNode {
    const trees = this.trees;
    const flat = trees.feature.length;
    trees.feature.push(-1);
    trees.threshold.push(0);
    trees.nan_left.push(0);
    trees.left.push(-1);
    trees.right.push(-1);
    trees.value.push(value * this.lr);
    trees.cover.push(end - start);
    return { start, end, G, H, depth, value, flat, hist: null, split: null };
  }

  private finalizeLeaf(node: GrowNode): void {
    const { raw, part } = this;
    const v = this.trees.value[node.flat]!;
    for (let k = node.start; k < node.end; k++) raw[part[k]!]! += v;
    this.releaseHist(node);
  }

  private releaseHist(node: GrowNode): void {
    if (node.hist) this.pool.push(node.hist);
    node.hist = null;
  }

  /**
   * Brute-force histogram of a node, cleared first. Rows are visited in partition order, each row's bins
   * of every feature at once (row-major `rowQ`), so every bin sums its rows in the same order as a
   * feature-by-feature pass would; the bitmap is then read off the counts.
   */
  private buildHist(node: GrowNode): Hist {
    const { p, hOff, nb, rowQ, part, g, h } = this;
    const hist = this.pool.pop() ?? { data: new Float64Array(hOff[p]!), bits: new Int32Array(p * 8) };
    const { data, bits } = hist;
    data.fill(0);
    for (let k = node.start, end = node.end; k < end; k++) {
      const i = part[k]!;
      const gi = g[i]!;
      const hi = h[i]!;
      const rb = i * p;
      for (let f = 0; f < p; f++) {
        const q = rowQ[rb + f]!;
        data[q]! += gi;
        data[q + 1]! += hi;
        data[q + 2]! += 1;
      }
    }
    bits.fill(0);
    for (let f = 0; f < p; f++) {
      const o = hOff[f]! + 2;
      for (let b = 0, nbf = nb[f]!; b <= nbf; b++) {
        if (data[o + 3 * b]! !== 0) bits[(f << 3) + (b >> 5)]! |= 1 << (b & 31);
      }
    }
    return hist;
  }

  /** parent ← parent − small over the parent's non-empty bins; the result is the larger child's. */
  private subtractInto(parent: Hist, small: Hist): void {
    const { p, hOff, nWords } = this;
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
  }

  /** Sets node.split to the best split over every feature and both sides for missing values, or null. */
  private findSplit(node: GrowNode): void {
    const best: BestSplit = { split: null, gain: -1 };
    for (let f = 0; f < this.p; f++) {
      this.scanLeftToRight(node, f, best);
      if (this.mapper.hasMissing[f]! !== 0) this.scanRightToLeft(node, f, best);
    }
    node.split = best.split;
  }

  /**
   * Left to right over the non-empty bins b < end of feature f: missing values (bin nb[f]) go right.
   * Skipping empty bins is exact: an empty bin leaves the candidate as it was at the previous bin.
   */
  private scanLeftToRight(node: GrowNode, f: number, best: BestSplit): void {
    const { data: hist, bits } = node.hist!;
    const { G, H, value } = node;
    const C = node.end - node.start;
    const lossCur = G * value;
    const { msl, l2 } = this;
    const o = this.hOff[f]!;
    const nw = this.nWords[f]!;
    const end = this.nb[f]! - 1 + this.mapper.hasMissing[f]!;
    let bestGain = best.gain;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    scan: for (let k = 0; k < nw; k++) {
      let w = bits[f * 8 + k]!;
      while (w !== 0) {
        const t = w & -w;
        w ^= t;
        const b = (k << 5) + 31 - Math.clz32(t);
        if (b >= end) break scan;
        const q = o + 3 * b;
        gl += hist[q]!;
        hl += hist[q + 1]!;
        cl += hist[q + 2]!;
        if (cl < msl) continue;
        if (C - cl < msl) break scan;
        if (hl < MIN_HESSIAN_TO_SPLIT) continue;
        const hr = H - hl;
        if (hr < MIN_HESSIAN_TO_SPLIT) break scan;
        const gr = G - gl;
        const gain = lossCur - gl * nodeValue(gl, hl, l2) - gr * nodeValue(gr, hr, l2);
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          best.split = { gain, feature: f, bin: b, missingLeft: false, GL: gl, HL: hl, CL: cl };
        }
      }
    }
    best.gain = bestGain;
  }

  /** Right to left: adds non-empty bins j = nb[f]−1 … 1 to the right (split "bin ≤ j−1 left"); missing left. */
  private scanRightToLeft(node: GrowNode, f: number, best: BestSplit): void {
    const { data: hist, bits } = node.hist!;
    const { G, H, value } = node;
    const C = node.end - node.start;
    const lossCur = G * value;
    const { msl, l2 } = this;
    const o = this.hOff[f]!;
    const nw = this.nWords[f]!;
    const nbf = this.nb[f]!;
    let bestGain = best.gain;
    let gr = 0;
    let hr = 0;
    let cr = 0;
    scan: for (let k = nw - 1; k >= 0; k--) {
      let w = bits[f * 8 + k]!;
      while (w !== 0) {
        const j = (k << 5) + 31 - Math.clz32(w);
        w ^= 1 << (j & 31);
        if (j >= nbf) continue;
        if (j === 0) break scan;
        const q = o + 3 * j;
        gr += hist[q]!;
        hr += hist[q + 1]!;
        cr += hist[q + 2]!;
        if (cr < msl) continue;
        if (C - cr < msl) break scan;
        if (hr < MIN_HESSIAN_TO_SPLIT) continue;
        const hl = H - hr;
        if (hl < MIN_HESSIAN_TO_SPLIT) break scan;
        const gl = G - gr;
        const gain = lossCur - gl * nodeValue(gl, hl, l2) - gr * nodeValue(gr, hr, l2);
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          best.split = { gain, feature: f, bin: j - 1, missingLeft: true, GL: gl, HL: hl, CL: C - cr };
        }
      }
    }
    best.gain = bestGain;
  }
}

/** The best split found so far while scanning a node's features. */
interface BestSplit {
  split: Split | null;
  gain: number;
}
