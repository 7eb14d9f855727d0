/**
 * Fast exact path-dependent TreeSHAP for a whole ensemble, built once per model; `add` allocates
 * nothing. Each tree is explained by the fastest exact method that suits it, all giving the values of
 * the path recursion (treeShapAdd, Lundberg et al. 2018) up to rounding (tested to 1e-9, and against
 * brute-force Shapley values):
 * - tables (tree-shap-table.ts, Fast TreeSHAP v2): O(leaves × k) per row with 16·2^k bytes per leaf,
 *   for trees with at most `maxTableFeatures` distinct features on a path, within `tableBudgetBytes`;
 * - linear passes (tree-shap-linear.ts, Linear TreeSHAP): O(nodes × k/2) per row, no tables, any
 *   depth, for the rest (deep forests), unless a child has zero cover;
 * - the path recursion for what is left (zero-cover children; or everything with `reference`).
 */
import { expectedSum, type FlatTrees, maxDepthOf, TreeShapWorkspace, treeShapAdd } from './tree.js';
import { hasNoEmptyChild, LinearShap } from './tree-shap-linear.js';
import { TableShap, tableSizeOf } from './tree-shap-table.js';

export interface TreeExplainerOptions {
  /** Every contribution is multiplied by this (the forest averages its trees: 1 / number of trees). */
  scale?: number;
  /** Explain every tree with the path recursion (the reference; for tests and benchmarks). */
  reference?: boolean;
  /** Trees with at most this many distinct features on every path are tabulated (default 7). */
  maxTableFeatures?: number;
  /** Upper bound on the bytes of all tables (default 8 MiB). */
  tableBudgetBytes?: number;
}

/**
 * Measured on this project's real models (median µs per row; tables only / linear only / this mix):
 * GBDT of 8 leaves, k ≤ 7: 38 / 57 / 38 (0.3 MB of tables); random forest of depth 8: 624 (9.7 MB of
 * tables, out of the CPU caches) / 442 / 441 (0.6 MB). The path recursion: 160 and 1576.
 */
export const DEFAULT_MAX_TABLE_FEATURES = 7;
export const DEFAULT_TABLE_BUDGET_BYTES = 8 * 1024 * 1024;

export class TreeExplainer {
  /** Σ over trees of each tree's expected output, unscaled (as expectedSum). */
  readonly expectedSum: number;
  readonly scale: number;
  /** How many trees each method explains, and the bytes held by the tables. */
  readonly tableTrees: number;
  readonly linearTrees: number;
  readonly pathTrees: number;
  readonly tableBytes: number;
  /** The tabulated trees (read by src/model/decision-shap.ts); null when none is tabulated. */
  readonly table: TableShap | null;
  private readonly linear: LinearShap | null;
  private readonly trees: FlatTrees;
  private readonly pathRoots: Int32Array;
  private readonly ws: TreeShapWorkspace;

  constructor(trees: FlatTrees, opts: TreeExplainerOptions = {}) {
    const scale = opts.scale ?? 1;
    const maxK = Math.min(opts.maxTableFeatures ?? DEFAULT_MAX_TABLE_FEATURES, 20);
    const budget = opts.tableBudgetBytes ?? DEFAULT_TABLE_BUDGET_BYTES;
    this.trees = trees;
    this.scale = scale;
    this.expectedSum = expectedSum(trees);
    let nFeat = 0;
    for (let i = 0; i < trees.feature.length; i++) nFeat = Math.max(nFeat, trees.feature[i]! + 1);
    const seen = new Int32Array(nFeat);
    const tabled: number[] = [];
    const linear: number[] = [];
    const paths: number[] = [];
    let tableBytes = 0;
    for (const root of trees.roots) {
      if (opts.reference) {
        paths.push(root);
        continue;
      }
      // Depth bounds the distinct features: deep trees skip the table sizing (2^depth leaves).
      if (treeDepthAtMost(trees, root, 2 * maxK + 4)) {
        const s = tableSizeOf(trees, root, seen);
        if (s.maxK <= maxK && tableBytes + 8 * s.numbers <= budget) {
          tabled.push(root);
          tableBytes += 8 * s.numbers;
          continue;
        }
      }
      if (hasNoEmptyChild(trees, root)) linear.push(root);
      else paths.push(root);
    }
    this.table = tabled.length > 0 ? new TableShap(trees, tabled, scale, nFeat) : null;
    this.linear = linear.length > 0 ? new LinearShap(trees, linear, scale, nFeat) : null;
    this.pathRoots = Int32Array.from(paths);
    this.ws = new TreeShapWorkspace(paths.length > 0 ? maxDepthOf(trees) : 0);
    this.tableTrees = tabled.length;
    this.linearTrees = linear.length;
    this.pathTrees = paths.length;
    this.tableBytes = tableBytes;
  }

  /** Adds scale × the SHAP values of every tree for the row at `row[offset ..]` into phi. */
  add(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    if (this.table !== null) this.table.add(row, offset, phi);
    if (this.linear !== null) this.linear.add(row, offset, phi);
    if (this.pathRoots.length > 0) this.addByPaths(row, offset, phi);
  }

  private addByPaths(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    const roots = this.pathRoots;
    for (let r = 0; r < roots.length; r++)
      treeShapAdd(this.trees, roots[r]!, row, offset, phi, this.scale, this.ws);
  }
}

/** Whether the tree under `root` is at most `limit` splits deep (stops early on deep trees). */
function treeDepthAtMost(t: FlatTrees, root: number, limit: number): boolean {
  const stack = [root, 0];
  while (stack.length > 0) {
    const d = stack.pop()!;
    const node = stack.pop()!;
    if (t.feature[node]! < 0) continue;
    if (d >= limit) return false;
    stack.push(t.left[node]!, d + 1, t.right[node]!, d + 1);
  }
  return true;
}

const cache = new WeakMap<FlatTrees, TreeExplainer>();

/** The explainer of `trees` with this scale, built on first use and cached per state object. */
export function explainerFor(trees: FlatTrees, scale = 1): TreeExplainer {
  let e = cache.get(trees);
  if (!e || e.scale !== scale) {
    e = new TreeExplainer(trees, { scale });
    cache.set(trees, e);
  }
  return e;
}
