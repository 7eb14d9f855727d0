/**
 * Tabulated path-dependent TreeSHAP (Fast TreeSHAP v2, Yang 2021, in a closed form) for trees with few
 * distinct features per path; TreeExplainer chooses which trees use it.
 *
 * For a leaf with value v whose root path splits on k distinct features P (a repeated feature merged
 * into one element), let z_j be the product of the cover fractions of feature j's splits on the path
 * and o_j ∈ {0, 1} whether the row follows all of them. With Q = {j : o_j = 1} and Shapley weights
 * w(s) = s!(k−s−1)!/k!, the leaf adds to feature i
 *   i ∉ Q: −v · A(Q),                        A(T) = Σ_{S ⊆ T} w(|S|) Π_{j ∈ P∖S} z_j
 *   i ∈ Q:  v · (1 − z_i) · (C(Q) − C(Q∖i)),  C(T) = Σ_{∅ ≠ S ⊆ T} w(|S| − 1) Π_{j ∈ P∖S} z_j
 * (from φ_i = Σ_{S ⊆ P∖i} w(|S|) (f(S ∪ i) − f(S)) with f(S) = v Π_S o_j Π_{P∖S} z_j, o_j being 0 or
 * 1). A and C depend on the row only through Q, so they are tabulated per leaf for all 2^k subsets;
 * a row then costs one pass over the nodes (the path masks Q) plus O(k) per leaf. Memory: 16·2^k bytes
 * per leaf, so this suits shallow trees (boosting); deep forests use the linear passes instead.
 *
 * Summation order: a tree's leaves add into a per-tree sum for each of its features (from 0, leaves
 * in preorder), and each sum is then added to the row's contributions once. A tree's contribution to a
 * feature is thereby one number whatever the order of the other trees' work, which lets a caller
 * tabulate it per tree and direction of the splits and still be bit-identical (src/model/decision-shap.ts).
 */
import type { FlatTrees } from './tree.js';

/** w[s] = s!(k−s−1)!/k! for s = 0 .. k−1. */
function shapleyWeights(k: number): Float64Array {
  const w = new Float64Array(k);
  w[0] = 1 / k;
  for (let s = 1; s < k; s++) w[s] = (w[s - 1]! * s) / (k - s);
  return w;
}

/** Writes the interleaved A, C table of one leaf at table[off ..] (2^(k+1) numbers). */
function fillLeafTable(
  table: Float64Array,
  off: number,
  z: readonly number[],
  k: number,
  v: number,
  scratch: Float64Array,
  popcount: Uint8Array,
): void {
  const size = 1 << k;
  const full = size - 1;
  const w = shapleyWeights(k);
  // scratch[M] = Π_{j ∈ M} z_j, built from the mask without its lowest bit.
  scratch[0] = 1;
  for (let m = 1; m < size; m++) {
    const low = m & -m;
    scratch[m] = scratch[m ^ low]! * z[31 - Math.clz32(low)]!;
  }
  for (let s = 0; s < size; s++) {
    const g = scratch[full ^ s]!;
    const n = popcount[s]!;
    table[off + 2 * s] = n < k ? v * w[n]! * g : 0;
    table[off + 2 * s + 1] = n > 0 ? v * w[n - 1]! * g : 0;
  }
  // Sum over subsets (zeta transform), A and C at once.
  for (let bit = 1; bit < size; bit <<= 1) {
    for (let s = 0; s < size; s++) {
      if (s & bit) {
        const from = off + 2 * (s ^ bit);
        table[off + 2 * s]! += table[from]!;
        table[off + 2 * s + 1]! += table[from + 1]!;
      }
    }
  }
}

/** Numbers of the per-leaf tables of the tree under `root` and its most distinct features on a path. */
export function tableSizeOf(t: FlatTrees, root: number, seen: Int32Array): { numbers: number; maxK: number } {
  let numbers = 0;
  let maxK = 0;
  let distinct = 0;
  const walk = (node: number): void => {
    const f = t.feature[node]!;
    if (f < 0) {
      numbers += 2 * 2 ** distinct;
      maxK = Math.max(maxK, distinct);
      return;
    }
    if (seen[f]++ === 0) distinct++;
    walk(t.left[node]!);
    walk(t.right[node]!);
    if (--seen[f]! === 0) distinct--;
  };
  walk(root);
  return { numbers, maxK };
}

/**
 * The tabulated trees: preorder nodes, per-edge mask updates, and per-leaf tables. The layout is
 * readable so a caller can re-arrange the same numbers for its own hot path (src/model/decision-shap.ts).
 */
export class TableShap {
  readonly bytes: number;
  /** Parent in this list (−1 for a root); 1 when the node is its parent's left child. */
  readonly parent: Int32Array;
  readonly isLeft: Uint8Array;
  /** Bit set when the row follows the edge and the parent's feature is new on the path. */
  readonly setBit: Int32Array;
  /** Bit cleared when the row does not follow the edge and the parent's feature is a repeat. */
  readonly clearBit: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly nanLeft: Uint8Array;
  /** Leaves: distinct path features k, offset of the (A, C) table, offset of the path's features. */
  readonly leafK: Int32Array;
  readonly leafTable: Int32Array;
  readonly leafPath: Int32Array;
  /** Per leaf, interleaved A(Q), C(Q) for Q = 0 .. 2^k − 1, already multiplied by v · scale. */
  readonly table: Float64Array;
  /** Per leaf path element: its feature and 1 − z. */
  readonly pathFeature: Int32Array;
  readonly pathOneMinusZ: Float64Array;
  /** Per tree (in order), its distinct features: [treeFeatureStart[t], treeFeatureStart[t + 1]). */
  readonly treeFeatureStart: Int32Array;
  readonly treeFeature: Int32Array;
  private readonly goLeft: Uint8Array;
  private readonly mask: Int32Array;
  /** The current tree's sum per feature (zero between trees). */
  private readonly treeSum: Float64Array;

  constructor(trees: FlatTrees, roots: readonly number[], scale: number, nFeatures: number) {
    const { feature, left, right, cover } = trees;
    let nodes = 0;
    let numbers = 0;
    let pathElems = 0;
    let maxK = 0;
    const seen = new Int32Array(nFeatures);
    for (const root of roots) {
      const s = tableSizeOf(trees, root, seen);
      numbers += s.numbers;
      maxK = Math.max(maxK, s.maxK);
    }
    // Node and path-element counts (a full binary tree: 2·leaves − 1 nodes).
    const count = (node: number, depthK: number): void => {
      nodes++;
      if (feature[node]! < 0) {
        pathElems += depthK;
        return;
      }
      const f = feature[node]!;
      const isNew = seen[f]++ === 0;
      count(left[node]!, depthK + (isNew ? 1 : 0));
      count(right[node]!, depthK + (isNew ? 1 : 0));
      seen[f]!--;
    };
    for (const root of roots) count(root, 0);

    this.parent = new Int32Array(nodes);
    this.isLeft = new Uint8Array(nodes);
    this.setBit = new Int32Array(nodes);
    this.clearBit = new Int32Array(nodes);
    this.feature = new Int32Array(nodes);
    this.threshold = new Float64Array(nodes);
    this.nanLeft = new Uint8Array(nodes);
    this.leafK = new Int32Array(nodes);
    this.leafTable = new Int32Array(nodes);
    this.leafPath = new Int32Array(nodes);
    this.table = new Float64Array(numbers);
    this.pathFeature = new Int32Array(pathElems);
    this.pathOneMinusZ = new Float64Array(pathElems);
    this.goLeft = new Uint8Array(nodes);
    this.mask = new Int32Array(nodes);
    this.bytes = numbers * 8;

    const scratch = new Float64Array(1 << maxK);
    const popcount = new Uint8Array(1 << maxK);
    for (let m = 1; m < popcount.length; m++) popcount[m] = popcount[m >> 1]! + (m & 1);
    // The current path: bit of each feature (−1 if absent), features and merged z by bit, and the
    // node (in the new layout) where each bit's feature first splits.
    const bitOf = new Int32Array(nFeatures).fill(-1);
    const pathF: number[] = [];
    const pathZ: number[] = [];
    const firstAt = new Int32Array(maxK + 1);
    let next = 0;
    let tableOff = 0;
    let pathOff = 0;
    const place = (node: number, parent: number, isLeft: boolean): void => {
      const id = next++;
      this.parent[id] = parent;
      this.isLeft[id] = isLeft ? 1 : 0;
      if (parent >= 0) {
        // The edge from the parent concerns the parent's feature, whose bit is already assigned.
        const b = bitOf[this.feature[parent]!]!;
        if (firstAt[b] === parent) this.setBit[id] = 1 << b;
        else this.clearBit[id] = 1 << b;
      }
      const f = feature[node]!;
      if (f < 0) {
        this.feature[id] = -1;
        const k = pathF.length;
        this.leafK[id] = k;
        this.leafTable[id] = tableOff;
        this.leafPath[id] = pathOff;
        for (let b = 0; b < k; b++) {
          this.pathFeature[pathOff + b] = pathF[b]!;
          this.pathOneMinusZ[pathOff + b] = 1 - pathZ[b]!;
        }
        if (k > 0)
          fillLeafTable(this.table, tableOff, pathZ, k, trees.value[node]! * scale, scratch, popcount);
        tableOff += 2 * 2 ** k;
        pathOff += k;
        return;
      }
      this.feature[id] = f;
      this.threshold[id] = trees.threshold[node]!;
      this.nanLeft[id] = trees.nan_left[node] === 1 ? 1 : 0;
      let b = bitOf[f]!;
      const isNew = b < 0;
      if (isNew) {
        b = pathF.length;
        bitOf[f] = b;
        pathF.push(f);
        pathZ.push(1);
        firstAt[b] = id;
      }
      const before = pathZ[b]!;
      const c = cover[node]!;
      const l = left[node]!;
      const r = right[node]!;
      pathZ[b] = before * (c > 0 ? cover[l]! / c : 0.5);
      place(l, id, true);
      pathZ[b] = before * (c > 0 ? cover[r]! / c : 0.5);
      place(r, id, false);
      pathZ[b] = before;
      if (isNew) {
        pathF.pop();
        pathZ.pop();
        bitOf[f] = -1;
      }
    };
    for (const root of roots) place(root, -1, false);
    const perTree = treeFeaturesOf(this.parent, this.feature, nFeatures);
    this.treeFeatureStart = perTree.start;
    this.treeFeature = perTree.features;
    this.treeSum = new Float64Array(nFeatures);
  }

  /** Adds tree `t`'s sums into phi and clears them. */
  private flush(t: number, phi: Float64Array): void {
    const { treeFeatureStart, treeFeature, treeSum } = this;
    for (let i = treeFeatureStart[t]!; i < treeFeatureStart[t + 1]!; i++) {
      const j = treeFeature[i]!;
      phi[j]! += treeSum[j]!;
      treeSum[j] = 0;
    }
  }

  /** Adds the SHAP values of the tabulated trees for the row at `row[offset ..]` into phi. */
  add(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    const { parent, isLeft, setBit, clearBit, feature, threshold, nanLeft, leafK, leafTable, leafPath } =
      this;
    const { table, pathFeature, pathOneMinusZ, goLeft, mask } = this;
    const sum = this.treeSum;
    const n = parent.length;
    let tree = -1;
    for (let id = 0; id < n; id++) {
      const p = parent[id]!;
      let m = 0;
      if (p < 0) {
        if (tree >= 0) this.flush(tree, phi);
        tree++;
      } else {
        const pm = mask[p]!;
        m = goLeft[p] === isLeft[id] ? pm | setBit[id]! : pm & ~clearBit[id]!;
      }
      const f = feature[id]!;
      if (f >= 0) {
        mask[id] = m;
        const x = row[offset + f]!;
        const thr = threshold[id]!;
        goLeft[id] = x <= thr ? 1 : x > thr ? 0 : nanLeft[id]!;
        continue;
      }
      const k = leafK[id]!;
      const base = leafTable[id]!;
      const po = leafPath[id]!;
      const a = table[base + 2 * m]!;
      const c = table[base + 2 * m + 1]!;
      for (let b = 0; b < k; b++) {
        const j = pathFeature[po + b]!;
        if ((m >>> b) & 1) sum[j]! += pathOneMinusZ[po + b]! * (c - table[base + 2 * (m ^ (1 << b)) + 1]!);
        else sum[j]! -= a;
      }
    }
    if (tree >= 0) this.flush(tree, phi);
  }
}

/** Per tree of a preorder node list (a root has parent −1), its distinct split features. */
function treeFeaturesOf(
  parent: Int32Array,
  feature: Int32Array,
  nFeatures: number,
): { start: Int32Array; features: Int32Array } {
  const start: number[] = [];
  const features: number[] = [];
  const seen = new Int32Array(nFeatures).fill(-1);
  for (let id = 0; id < parent.length; id++) {
    if (parent[id] === -1) start.push(features.length);
    const f = feature[id]!;
    if (f >= 0 && seen[f] !== start.length - 1) {
      seen[f] = start.length - 1;
      features.push(f);
    }
  }
  start.push(features.length);
  return { start: Int32Array.from(start), features: Int32Array.from(features) };
}
