/**
 * The serving hot path of exact TreeSHAP for small trees (boosting: depth ≤ 3, 8 leaves), re-laid out
 * from the tables of src/ml/tree-shap-table.ts so that a row costs a few comparisons per tree and then
 * one addition per (tree, feature) read from one short block of memory: no per-node work, no
 * multiplication, no table lookups scattered over the tree's leaves.
 *
 * In TableShap, what a leaf adds for a row depends only on the leaf's mask Q (which of its k path
 * features the row agrees with), and Q depends only on the row's direction at each split of the tree.
 * TableShap sums a tree's leaves per feature (from 0, leaves in preorder) before adding each sum to
 * the contributions, so what a tree adds to a feature is one number per combination of directions.
 * Per tree the directions of its I splits form a word w < 2^I, and for every w that tree's sums are
 * stored, computed by TableShap's expressions in TableShap's order: the contributions are bit-identical
 * to TreeExplainer's (tested). Directions are computed without branches (a row's directions are data,
 * a branch on each is mispredicted half the time). The word also names the leaf the row reaches, so
 * the same pass sums the trees' leaf values, in tree order as the scorer does: score and explanation
 * from one pass.
 *
 * Memory: Σ over trees of 2^I × (1 + the tree's distinct features) numbers, each block padded to a
 * power of two (4 or 8 numbers: half or all of a 64-byte cache line) and the table starting on a line,
 * so a block never straddles two lines: 1.3 MB for the shipped model (281 trees of depth 3, ≤ 7
 * splits, ≈ 4.6 features each; 1.0 MB unpadded); a row reads one block of ≈ 5.6 numbers per tree,
 * 1,572 numbers in all, from 281 cache lines (≈ 440 unpadded, where ≈ 57% of the blocks cross a line).
 * Trees with more than MAX_DECISION_SPLITS splits are not re-laid out (TreeExplainer serves them).
 *
 * A row is explained in three steps: every tree's block, the leaf values (one read of each block),
 * then the sums. In the server the blocks are seldom in cache (the HTTP stack and other processes run
 * between two requests); reading them all first, none waiting for another, lets the CPU fetch them
 * together. A split's direction is one comparison with a copy of the row where a missing value is NaN
 * or −∞ as its split sends it (see `values`). The sums are added feature by feature, each feature's
 * in tree order in a register: the same additions in the same order as tree after tree.
 *
 * Measured inside the server at c=32 (real 2024 students cycled, median per /predict, features +
 * trees, each comparison in one run): 49 µs when each block held every leaf's number (3.5 MB, ≈ 19
 * numbers per tree) against 24–38 µs with the sums (the range is the machine's load from run to run);
 * 34–38 µs reading each block as its tree comes against 27–28 µs with the reads first; then, on a
 * quieter machine (load 1–2, two runs), steps 1 / 2 / 3 took 8.0 / 4.6 / 7.9 µs and take 6.1 / 3.6 /
 * 5.8 µs with the copy of the row and the sums by feature (≈ 5 µs in all in a loop in process, caches
 * warm). Compiling the pass to JavaScript (thresholds as literals, no loops) was tried: 21 µs against
 * 24 µs for the same loop in one run, not worth V8's ≈ 1 s of CPU to optimise it and the thousands of
 * slow rows first. Padding the blocks to whole lines: 45.7 → 38.9 µs per row (median of 6 rounds over
 * the 1,156 real 2024 students, the two layouts alternated row by row, 8 MB of memory written between
 * two rows as the server's other work does, machine load 9).
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
  /** Per tree t: its splits are [splitStart[t], splitStart[t + 1]), its features [featureStart[t], featureStart[t + 1]). */
  private readonly splitStart: Int32Array;
  private readonly featureStart: Int32Array;
  /**
   * Per tree: where its blocks start, one per direction word. A block is the value of the leaf the
   * word reaches (the file's, unscaled), then the tree's sum for each of its features.
   */
  private readonly blockStart: Int32Array;
  /** Per tree: the distance between two of its blocks (1 + its features, rounded up: see `strideOf`). */
  private readonly stride: Int32Array;
  /**
   * Per split: where its value is in `values` (the feature, plus `columns` when a missing value goes
   * left), and its threshold.
   */
  private readonly column: Int32Array;
  private readonly threshold: Float64Array;
  /** Features the splits read (the highest index + 1). */
  private readonly columns: number;
  /**
   * The row's values as the splits read them, refilled per row: [0, columns) the values as they are
   * (a missing one, NaN, fails `x <= t`: right), [columns, 2·columns) with a missing value as −∞
   * (passes `x <= t` for any threshold: left). So a split's direction is one comparison.
   */
  private readonly values: Float64Array;
  /**
   * The trees' sums by feature: feature sumFeature[k] takes the entries [sumStart[k], sumStart[k + 1]),
   * in tree order, each `tree << 4 | position of the sum in the tree's block`.
   */
  private readonly sumFeature: Int32Array;
  private readonly sumStart: Int32Array;
  private readonly sumEntry: Int32Array;
  /** The features of each tree, in the order of its blocks' sums. */
  private readonly treeFeature: Int32Array;
  private readonly blocks: Float64Array;
  /** Per tree, where the row's block starts (scratch of addWithLeaves). */
  private readonly blockAt: Int32Array;

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
    this.blockStart = new Int32Array(T + 1);
    this.stride = new Int32Array(T);
    this.blockAt = new Int32Array(T);
    // TableShap's features of each tree: the sums it adds to the contributions, one per feature.
    this.featureStart = ts.treeFeatureStart;
    this.treeFeature = ts.treeFeature;
    for (let t = 0; t < T; t++) {
      const features = this.featureStart[t + 1]! - this.featureStart[t]!;
      this.splitStart[t + 1] = this.splitStart[t]! + trees[t]!.splits.length;
      const stride = strideOf(1 + features);
      this.stride[t] = stride;
      // A tree's blocks start on a multiple of their stride, so none crosses a cache line.
      const start = Math.ceil(this.blockStart[t]! / stride) * stride;
      this.blockStart[t] = start;
      this.blockStart[t + 1] = start + stride * (1 << trees[t]!.splits.length);
    }
    const splitIds = trees.flatMap((t) => t.splits);
    this.columns = splitIds.reduce((m, id) => Math.max(m, ts.feature[id]! + 1), 0);
    this.column = Int32Array.from(
      splitIds,
      (id) => ts.feature[id]! + (ts.nanLeft[id] === 1 ? this.columns : 0),
    );
    this.threshold = Float64Array.from(splitIds, (id) => ts.threshold[id]!);
    this.values = new Float64Array(2 * this.columns);
    const byFeature = sumsByFeature(this.featureStart, this.treeFeature);
    this.sumFeature = byFeature.features;
    this.sumStart = byFeature.start;
    this.sumEntry = byFeature.entries;
    this.blocks = lineAligned(this.blockStart[T]!);
    for (let t = 0; t < T; t++) this.fillBlocks(ts, trees[t]!, t, file, order);
  }

  /**
   * For every direction word of tree `t`: the value of the leaf the word reaches, then per feature of
   * the tree the sum TableShap.add makes for it: from 0, its leaves' numbers in preorder, by the same
   * expressions.
   */
  private fillBlocks(ts: TableShap, t: TreeSpan, index: number, file: FlatTrees, order: Int32Array): void {
    const { table, pathFeature, pathOneMinusZ, leafK, leafTable, leafPath } = ts;
    const mask = new Int32Array(t.end - t.start);
    const bitOf = new Int32Array(t.end - t.start);
    t.splits.forEach((id, bit) => {
      bitOf[id - t.start] = bit;
    });
    const f0 = this.featureStart[index]!;
    const f1 = this.featureStart[index + 1]!;
    const slot = new Map<number, number>();
    for (let i = f0; i < f1; i++) slot.set(this.treeFeature[i]!, i - f0);
    const q = new Int32Array(t.leaves.length);
    const sums = new Float64Array(f1 - f0);
    const stride = this.stride[index]!;
    for (let w = 0; w < 1 << t.splits.length; w++) {
      let out = this.blockStart[index]! + w * stride;
      leafMasks(ts, t, bitOf, w, mask, q);
      sums.fill(0);
      t.leaves.forEach((id, i) => {
        const m = q[i]!;
        const base = leafTable[id]!;
        const po = leafPath[id]!;
        const a = table[base + 2 * m]!;
        const c = table[base + 2 * m + 1]!;
        for (let b = 0; b < leafK[id]!; b++) {
          const j = slot.get(pathFeature[po + b]!)!;
          if ((m >>> b) & 1) sums[j]! += pathOneMinusZ[po + b]! * (c - table[base + 2 * (m ^ (1 << b)) + 1]!);
          else sums[j]! -= a;
        }
      });
      this.blocks[out++] = file.value[order[leafOf(ts, t, bitOf, w)]!]!;
      for (let j = 0; j < sums.length; j++) this.blocks[out++] = sums[j]!;
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
    const { splitStart, stride, blockStart, column, threshold, blocks } = this;
    const { blockAt, values, columns } = this;
    const trees = splitStart.length - 1;
    for (let f = 0; f < columns; f++) {
      const x = row[offset + f]!;
      values[f] = x;
      values[columns + f] = Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x;
    }
    // 1. Every tree's block: its direction word from the row (the split arrays are read in order).
    for (let t = 0; t < trees; t++) {
      const s0 = splitStart[t]!;
      const s1 = splitStart[t + 1]!;
      let w = 0;
      // Left (1) when x ≤ threshold; a missing value goes to its side (see `values`).
      for (let i = s0; i < s1; i++) w |= +(values[column[i]!]! <= threshold[i]!) << (i - s0);
      blockAt[t] = blockStart[t]! + w * stride[t]!;
    }
    // 2. The leaf values, in tree order: the first read of each block, none depending on another, so
    // the CPU fetches the blocks from memory together (they are scattered over the table and rarely
    // in cache between two requests).
    let sum = 0;
    for (let t = 0; t < trees; t++) sum += blocks[blockAt[t]!]!;
    // 3. Per feature, its trees' sums in tree order, added in a register: the same additions as one
    // tree after another, without a store and a load of the contribution per sum.
    const { sumFeature, sumStart, sumEntry } = this;
    for (let k = 0; k < sumFeature.length; k++) {
      const f = sumFeature[k]!;
      let acc = phi[f]!;
      const e1 = sumStart[k + 1]!;
      for (let e = sumStart[k]!; e < e1; e++) {
        const entry = sumEntry[e]!;
        acc += blocks[blockAt[entry >> 4]! + (entry & 15)]!;
      }
      phi[f] = acc;
    }
    return sum;
  }
}

/**
 * Doubles from one block of `size` numbers to the next: a power of two up to a cache line's 8, so with
 * the blocks starting on a line (see `lineAligned`) no block crosses a line, and a row reads one line
 * per tree. A block of 9 (8 splits on 8 features, deeper than the shipped trees) is packed.
 */
function strideOf(size: number): number {
  if (size > 8) return size;
  let s = 1;
  while (s < size) s *= 2;
  return s;
}

/** The global WebAssembly's Memory, as far as it is used here (the lib has no WebAssembly types). */
type WasmMemory = new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };

/**
 * A zeroed Float64Array of `n` numbers starting on a cache line (64 bytes). An ArrayBuffer's memory
 * comes from malloc, whose alignment is 16 bytes; a WebAssembly memory is page-aligned (64 KiB pages,
 * committed as they are touched, and an address range reserved for each). Under a page of numbers (a
 * small model: its tables stay in cache), or without WebAssembly (node --jitless), or when no range
 * can be reserved, it is an ordinary array: the same numbers, some blocks across two lines.
 */
function lineAligned(n: number): Float64Array {
  const Memory = (globalThis as { WebAssembly?: { Memory: WasmMemory } }).WebAssembly?.Memory;
  const pages = Math.ceil((n * 8) / 65536);
  if (Memory === undefined || pages < 2) return new Float64Array(n);
  try {
    return new Float64Array(new Memory({ initial: pages, maximum: pages }).buffer, 0, n);
  } catch {
    return new Float64Array(n);
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

/**
 * Per feature (in index order) the trees that add a sum to it, in tree order, each as
 * `tree << 4 | 1 + the feature's index among the tree's` (its sum's position in the tree's blocks; a
 * tree has at most MAX_DECISION_SPLITS = 8 features, so the position fits in 4 bits).
 */
function sumsByFeature(
  featureStart: Int32Array,
  treeFeature: Int32Array,
): { features: Int32Array; start: Int32Array; entries: Int32Array } {
  const lists: number[][] = [];
  for (let t = 0; t + 1 < featureStart.length; t++)
    for (let i = featureStart[t]!; i < featureStart[t + 1]!; i++) {
      const f = treeFeature[i]!;
      while (lists.length <= f) lists.push([]);
      lists[f]!.push((t << 4) | (1 + i - featureStart[t]!));
    }
  const used = lists.map((l, f) => [f, l] as const).filter(([, l]) => l.length > 0);
  const start = new Int32Array(used.length + 1);
  used.forEach(([, l], k) => {
    start[k + 1] = start[k]! + l.length;
  });
  return {
    features: Int32Array.from(used, ([f]) => f),
    start,
    entries: Int32Array.from(used.flatMap(([, l]) => l)),
  };
}
