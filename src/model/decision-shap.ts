/**
 * The serving hot path of exact TreeSHAP for small trees (boosting: depth ≤ 3, 8 leaves), re-laid out
 * from the tables of src/ml/tree-shap-table.ts so that a row costs a few comparisons per tree and then
 * one addition per (leaf, path feature) read from one contiguous run of memory: no per-node work, no
 * multiplication, no table lookups scattered over the tree's leaves.
 *
 * In TableShap, what a leaf adds for a row depends only on the leaf's mask Q (which of its k path
 * features the row agrees with), and Q depends only on the row's direction at each split of the tree.
 * So per tree the directions of its I splits form a word w < 2^I, and for every w the numbers
 * TableShap.add would add, in its order (leaves in preorder, each leaf's path features in order), are
 * stored one after the other: for a feature in Q, (1 − z) · (C(Q) − C(Q∖i)) by the same expression;
 * for one outside Q, −A(Q) (adding −a is subtracting a). The row adds the very same numbers to the
 * same features in the same order, so the contributions are bit-identical to TreeExplainer's (tested).
 *
 * Memory: Σ over trees of 2^I × (path features of its leaves) numbers, ≈ 3.4 MB for 280 trees of depth
 * 3; a row reads one run of ≈ 18 numbers per tree. Trees with more than MAX_DECISION_SPLITS splits are
 * not re-laid out (TreeExplainer serves them).
 */
import type { TreeExplainer } from '../ml/tree-explainer.js';
import type { TableShap } from '../ml/tree-shap-table.js';

/** At most this many splits per tree (every direction word of a tree gets its own run). */
export const MAX_DECISION_SPLITS = 8;

/** Nodes [start, end) of one tree of `ts`, its splits' bits in its direction word, and its leaves. */
interface TreeSpan {
  start: number;
  end: number;
  splits: number[];
  leaves: number[];
}

function treesOf(ts: TableShap): TreeSpan[] {
  const n = ts.parent.length;
  const trees: TreeSpan[] = [];
  for (let id = 0; id < n; id++) {
    if (ts.parent[id] === -1) trees.push({ start: id, end: n, splits: [], leaves: [] });
    const t = trees[trees.length - 1]!;
    if (ts.feature[id]! >= 0) t.splits.push(id);
    else t.leaves.push(id);
  }
  for (let i = 0; i + 1 < trees.length; i++) trees[i]!.end = trees[i + 1]!.start;
  return trees;
}

/**
 * Q of each leaf of `t` for direction word `w` (bit `bitOf[node − start]` is 1 when the row goes left at
 * that split): the mask propagation of TableShap.add, node by node in preorder.
 */
function leafMasks(
  ts: TableShap,
  t: TreeSpan,
  bitOf: Int32Array,
  w: number,
  mask: Int32Array,
  out: Int32Array,
): void {
  const { parent, isLeft, setBit, clearBit, feature } = ts;
  let leaf = 0;
  for (let id = t.start; id < t.end; id++) {
    const p = parent[id]!;
    let m = 0;
    if (p >= 0) {
      const pm = mask[p - t.start]!;
      m = ((w >>> bitOf[p - t.start]!) & 1) === isLeft[id] ? pm | setBit[id]! : pm & ~clearBit[id]!;
    }
    if (feature[id]! >= 0) mask[id - t.start] = m;
    else out[leaf++] = m;
  }
}

export class DecisionShap {
  /** Per tree t: its splits are [splitStart[t], splitStart[t + 1]), its run of features [seqStart[t], seqStart[t + 1]). */
  private readonly splitStart: Int32Array;
  private readonly seqStart: Int32Array;
  /** Per tree: where its runs of terms start (one run of seqStart[t + 1] − seqStart[t] numbers per word). */
  private readonly termStart: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly nanLeft: Uint8Array;
  private readonly seqFeature: Int32Array;
  private readonly terms: Float64Array;

  /** The re-laid-out explainer of `e`, or null when `e` is not all tables or a tree has too many splits. */
  static of(e: TreeExplainer): DecisionShap | null {
    const ts = e.table;
    if (ts === null || e.linearTrees > 0 || e.pathTrees > 0) return null;
    const trees = treesOf(ts);
    return trees.every((t) => t.splits.length <= MAX_DECISION_SPLITS) ? new DecisionShap(ts, trees) : null;
  }

  private constructor(ts: TableShap, trees: TreeSpan[]) {
    const T = trees.length;
    this.splitStart = new Int32Array(T + 1);
    this.seqStart = new Int32Array(T + 1);
    this.termStart = new Int32Array(T + 1);
    for (let t = 0; t < T; t++) {
      const { splits, leaves } = trees[t]!;
      const run = leaves.reduce((s, l) => s + ts.leafK[l]!, 0);
      this.splitStart[t + 1] = this.splitStart[t]! + splits.length;
      this.seqStart[t + 1] = this.seqStart[t]! + run;
      this.termStart[t + 1] = this.termStart[t]! + run * (1 << splits.length);
    }
    const splitIds = trees.flatMap((t) => t.splits);
    this.feature = Int32Array.from(splitIds, (id) => ts.feature[id]!);
    this.threshold = Float64Array.from(splitIds, (id) => ts.threshold[id]!);
    this.nanLeft = Uint8Array.from(splitIds, (id) => ts.nanLeft[id]!);
    this.seqFeature = Int32Array.from(
      trees.flatMap((t) =>
        t.leaves.flatMap((l) =>
          Array.from(ts.pathFeature.subarray(ts.leafPath[l]!, ts.leafPath[l]! + ts.leafK[l]!)),
        ),
      ),
    );
    this.terms = new Float64Array(this.termStart[T]!);
    for (let t = 0; t < T; t++) this.fillRuns(ts, trees[t]!, this.termStart[t]!);
  }

  /** For every direction word of tree `t`, the numbers TableShap.add adds, in its order, by its expressions. */
  private fillRuns(ts: TableShap, t: TreeSpan, at: number): void {
    const { table, pathOneMinusZ, leafK, leafTable, leafPath } = ts;
    const mask = new Int32Array(t.end - t.start);
    const bitOf = new Int32Array(t.end - t.start);
    t.splits.forEach((id, bit) => {
      bitOf[id - t.start] = bit;
    });
    const q = new Int32Array(t.leaves.length);
    let out = at;
    for (let w = 0; w < 1 << t.splits.length; w++) {
      leafMasks(ts, t, bitOf, w, mask, q);
      t.leaves.forEach((id, i) => {
        const m = q[i]!;
        const base = leafTable[id]!;
        const po = leafPath[id]!;
        const a = table[base + 2 * m]!;
        const c = table[base + 2 * m + 1]!;
        for (let b = 0; b < leafK[id]!; b++)
          this.terms[out++] =
            (m >>> b) & 1 ? pathOneMinusZ[po + b]! * (c - table[base + 2 * (m ^ (1 << b)) + 1]!) : -a;
      });
    }
  }

  /** Adds the SHAP values of every tree for the row at `row[offset ..]` into phi (as TreeExplainer.add). */
  add(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    const { splitStart, seqStart, termStart, feature, threshold, nanLeft, seqFeature, terms } = this;
    const trees = splitStart.length - 1;
    for (let t = 0; t < trees; t++) {
      const s0 = splitStart[t]!;
      const s1 = splitStart[t + 1]!;
      let w = 0;
      for (let i = s0; i < s1; i++) {
        const x = row[offset + feature[i]!]!;
        const thr = threshold[i]!;
        w |= (x <= thr ? 1 : x > thr ? 0 : nanLeft[i]!) << (i - s0);
      }
      const f0 = seqStart[t]!;
      const f1 = seqStart[t + 1]!;
      const tb = termStart[t]! + w * (f1 - f0) - f0;
      for (let i = f0; i < f1; i++) phi[seqFeature[i]!]! += terms[tb + i]!;
    }
  }
}
