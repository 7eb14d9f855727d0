/**
 * The serving hot path of exact TreeSHAP for small trees (boosting: depth ≤ 3, 8 leaves), re-laid out
 * from the tables of src/ml/tree-shap-table.ts so that a row costs a few comparisons per tree and then
 * one addition per (leaf, path feature) read from one contiguous run of memory: no per-node work, no
 * multiplication, no table lookups scattered over the tree's leaves.
 *
 * In TableShap, what a leaf adds for a row depends only on the leaf's mask Q (which of its k path
 * features the row agrees with), and Q depends only on the row's direction at each split of the tree.
 * So per tree the directions of its I splits form a word w < 2^I, and for every w the numbers
 * TableShap.add would add are stored one after the other: for a feature in Q, (1 − z) · (C(Q) − C(Q∖i))
 * by the same expression; for one outside Q, −A(Q) (adding −a is subtracting a).
 *
 * The run is grouped by feature: a tree's leaves add to the same few features whatever the row, so
 * per tree the features and how many numbers each gets are fixed, and each feature's numbers keep
 * TableShap's order (leaves in preorder). A feature's value is then summed in a register, one number
 * after another: the same additions in the same order as TableShap's, so the contributions are
 * bit-identical to TreeExplainer's (tested), with a load and a store per (tree, feature) instead of
 * per number. Directions are computed without branches (a row's directions are data, a branch on each
 * is mispredicted half the time). The word also names the leaf the row reaches, so the same pass sums
 * the trees' leaf values, in tree order as the scorer does: score and explanation from one pass.
 *
 * Memory: Σ over trees of 2^I × (1 + path features of its leaves) numbers, ≈ 3.4 MB for 280 trees of
 * depth 3; a row reads one block of ≈ 19 numbers per tree. Trees with more than MAX_DECISION_SPLITS splits are
 * not re-laid out (TreeExplainer serves them).
 */

import type { FlatTrees } from '../ml/tree.js';
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

/**
 * The nodes of `trees` in TableShap's order (roots in order, each tree in preorder, left first), so
 * node `id` of the table is `order[id]` of the file; null when the two do not line up.
 */
function fileOrder(trees: FlatTrees, ts: TableShap): Int32Array | null {
  const order = new Int32Array(ts.parent.length);
  let next = 0;
  const stack: number[] = [];
  for (let k = 0; k < trees.roots.length; k++) {
    stack.push(trees.roots[k]!);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (next >= order.length || trees.feature[node]! !== ts.feature[next]!) return null;
      order[next++] = node;
      if (trees.feature[node]! >= 0) stack.push(trees.right[node]!, trees.left[node]!);
    }
  }
  return next === order.length ? order : null;
}

export class DecisionShap {
  /** Per tree t: its splits are [splitStart[t], splitStart[t + 1]), its feature groups [groupStart[t], groupStart[t + 1]). */
  private readonly splitStart: Int32Array;
  private readonly groupStart: Int32Array;
  /**
   * Per tree: where its blocks start, one per direction word, and the length of each block's run. A
   * block is the value of the leaf the word reaches (the file's, unscaled), then the run.
   */
  private readonly termStart: Int32Array;
  private readonly runLength: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly nanLeft: Uint8Array;
  /** Per group: its feature and how many numbers of the run it takes. */
  private readonly groupFeature: Int32Array;
  private readonly groupSize: Int32Array;
  private readonly terms: Float64Array;

  /**
   * The re-laid-out explainer of `e` (built from `trees`), or null when `e` is not all tables or a tree
   * has too many splits.
   */
  static of(e: TreeExplainer, trees: FlatTrees): DecisionShap | null {
    const ts = e.table;
    if (ts === null || e.linearTrees > 0 || e.pathTrees > 0) return null;
    const spans = treesOf(ts);
    const order = fileOrder(trees, ts);
    if (order === null || !spans.every((t) => t.splits.length <= MAX_DECISION_SPLITS)) return null;
    return new DecisionShap(ts, spans, trees, order);
  }

  private constructor(ts: TableShap, trees: TreeSpan[], file: FlatTrees, order: Int32Array) {
    const T = trees.length;
    this.splitStart = new Int32Array(T + 1);
    this.termStart = new Int32Array(T + 1);
    this.runLength = new Int32Array(T);
    for (let t = 0; t < T; t++) {
      const { splits, leaves } = trees[t]!;
      const run = leaves.reduce((s, l) => s + ts.leafK[l]!, 0);
      this.splitStart[t + 1] = this.splitStart[t]! + splits.length;
      this.runLength[t] = run;
      this.termStart[t + 1] = this.termStart[t]! + (1 + run) * (1 << splits.length);
    }
    const splitIds = trees.flatMap((t) => t.splits);
    this.feature = Int32Array.from(splitIds, (id) => ts.feature[id]!);
    this.threshold = Float64Array.from(splitIds, (id) => ts.threshold[id]!);
    this.nanLeft = Uint8Array.from(splitIds, (id) => ts.nanLeft[id]!);
    // Per tree, its run's features (leaves in preorder, each leaf's path in order) and the stable
    // permutation that groups them by feature in order of first appearance.
    const groups = trees.map((t) => groupByFeature(ts, t));
    this.groupStart = new Int32Array(T + 1);
    for (let t = 0; t < T; t++) this.groupStart[t + 1] = this.groupStart[t]! + groups[t]!.features.length;
    this.groupFeature = Int32Array.from(groups.flatMap((g) => g.features));
    this.groupSize = Int32Array.from(groups.flatMap((g) => g.sizes));
    this.terms = new Float64Array(this.termStart[T]!);
    for (let t = 0; t < T; t++) this.fillRuns(ts, trees[t]!, groups[t]!.permutation, t, file, order);
  }

  /**
   * For every direction word of tree `t`, the value of the leaf the word reaches, then the numbers
   * TableShap.add adds, by its expressions, grouped by feature (`perm[i]`: the index in TableShap's
   * order of the i-th number stored).
   */
  private fillRuns(
    ts: TableShap,
    t: TreeSpan,
    perm: readonly number[],
    index: number,
    file: FlatTrees,
    order: Int32Array,
  ): void {
    const { table, pathOneMinusZ, leafK, leafTable, leafPath } = ts;
    const mask = new Int32Array(t.end - t.start);
    const bitOf = new Int32Array(t.end - t.start);
    t.splits.forEach((id, bit) => {
      bitOf[id - t.start] = bit;
    });
    const q = new Int32Array(t.leaves.length);
    const run = new Float64Array(perm.length);
    let out = this.termStart[index]!;
    for (let w = 0; w < 1 << t.splits.length; w++) {
      leafMasks(ts, t, bitOf, w, mask, q);
      let at = 0;
      t.leaves.forEach((id, i) => {
        const m = q[i]!;
        const base = leafTable[id]!;
        const po = leafPath[id]!;
        const a = table[base + 2 * m]!;
        const c = table[base + 2 * m + 1]!;
        for (let b = 0; b < leafK[id]!; b++)
          run[at++] =
            (m >>> b) & 1 ? pathOneMinusZ[po + b]! * (c - table[base + 2 * (m ^ (1 << b)) + 1]!) : -a;
      });
      this.terms[out++] = file.value[order[leafOf(ts, t, bitOf, w)]!]!;
      for (let i = 0; i < perm.length; i++) this.terms[out++] = run[perm[i]!]!;
    }
  }

  /** Adds the SHAP values of every tree for the row at `row[offset ..]` into phi (as TreeExplainer.add). */
  add(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    this.addWithLeaves(row, offset, phi);
  }

  /**
   * As `add`, and returns the sum of the leaf values the row reaches, tree by tree in order from 0:
   * the same sum the scorer makes (src/model/learners.ts), so the raw score comes from the same pass.
   */
  addWithLeaves(row: ArrayLike<number>, offset: number, phi: Float64Array): number {
    const { splitStart, groupStart, termStart, runLength, feature, threshold, nanLeft } = this;
    const { groupFeature, groupSize, terms } = this;
    const trees = splitStart.length - 1;
    let sum = 0;
    for (let t = 0; t < trees; t++) {
      const s0 = splitStart[t]!;
      const s1 = splitStart[t + 1]!;
      let w = 0;
      // Left (1) when x ≤ threshold, and for a missing value (NaN: both comparisons false) its side.
      for (let i = s0; i < s1; i++) {
        const x = row[offset + feature[i]!]!;
        w |= (+(x <= threshold[i]!) | (+Number.isNaN(x) & nanLeft[i]!)) << (i - s0);
      }
      // One block per word: the leaf value, then the run (one random read per tree, not two).
      let at = termStart[t]! + w * (1 + runLength[t]!);
      sum += terms[at++]!;
      const g1 = groupStart[t + 1]!;
      for (let g = groupStart[t]!; g < g1; g++) {
        const f = groupFeature[g]!;
        const end = at + groupSize[g]!;
        let acc = phi[f]!;
        for (; at < end; at++) acc += terms[at]!;
        phi[f] = acc;
      }
    }
    return sum;
  }
}

/** The leaf (a node id of `ts`) that direction word `w` reaches in tree `t`. */
function leafOf(ts: TableShap, t: TreeSpan, bitOf: Int32Array, w: number): number {
  let id = t.start;
  while (ts.feature[id]! >= 0) {
    const goLeft = (w >>> bitOf[id - t.start]!) & 1;
    // Preorder: the left child follows its parent; the right child follows the left subtree.
    let child = id + 1;
    if (!goLeft) {
      let open = 1;
      while (open > 0) {
        open += ts.feature[child]! >= 0 ? 1 : -1;
        child++;
      }
    }
    id = child;
  }
  return id;
}

/** Tree `t`'s run of features (TableShap's order) grouped by feature, stably, in order of first appearance. */
function groupByFeature(
  ts: TableShap,
  t: TreeSpan,
): { features: number[]; sizes: number[]; permutation: number[] } {
  const seq = t.leaves.flatMap((l) =>
    Array.from(ts.pathFeature.subarray(ts.leafPath[l]!, ts.leafPath[l]! + ts.leafK[l]!)),
  );
  const features = [...new Set(seq)];
  const permutation: number[] = [];
  const sizes = features.map((f) => {
    let n = 0;
    seq.forEach((g, i) => {
      if (g === f) {
        permutation.push(i);
        n++;
      }
    });
    return n;
  });
  return { features, sizes, permutation };
}
