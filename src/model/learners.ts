/**
 * The learners a model file can hold, behind one small interface the loaded model uses on its hot path:
 * a raw score per feature row and exact additive contributions per feature. The learners themselves
 * live in src/ml; the persistence baseline is defined here because it is one line of arithmetic.
 */
import { AppError } from '../core/error-base.js';
import { expectedRawForest, type ForestState } from '../ml/forest.js';
import { expectedRawGbdt, type GbdtState } from '../ml/gbdt.js';
import { contributionsLogistic, type LogisticState, predictRowLogistic } from '../ml/logistic.js';
import type { FlatTrees } from '../ml/tree.js';
import { TreeExplainer } from '../ml/tree-explainer.js';
import { DecisionShap } from './decision-shap.js';
import { MODEL_ERRORS } from './errors.js';

export const LEARNER_KINDS = ['persistence', 'logistic_regression', 'random_forest', 'gbdt'] as const;
export type LearnerKind = (typeof LEARNER_KINDS)[number];

/** Persistence baseline: the score is "lagging now" (defasagem < 0), calibrated like any other score. */
export interface PersistenceState {
  kind: 'persistence';
  /** Index of `atrasado_agora` in the feature row. */
  feature_index: number;
  /** Mean of the flag on the training rows: the contribution is measured from it. */
  base_value: number;
}

/** The `learner` block of a model file. */
export interface LearnerBlock {
  kind: LearnerKind;
  /** `imputed`: missing features are replaced by the pipeline's training medians before scoring. */
  input: 'raw' | 'imputed';
  /** What the raw score is: log-odds (GBDT, LR), a probability (forest) or a 0/1 flag (persistence). */
  output: 'log_odds' | 'probability' | 'flag';
  /** Hyper-parameters, for people and for refits. */
  params: Record<string, unknown>;
  state: unknown;
}

/** A compiled learner: zero-allocation scoring of a feature row. */
export interface ScoringLearner {
  readonly kind: LearnerKind;
  readonly impute: boolean;
  readonly nFeatures: number;
  /** Raw (uncalibrated) score of `row[offset .. offset + nFeatures)`. */
  raw(row: Float64Array, offset: number): number;
  /** Raw scores of `n` consecutive rows of a row-major block into out[0..n); equal to `raw` per row. */
  rawBlock(rows: Float64Array, n: number, out: Float64Array): void;
  /**
   * Exact additive contributions: writes out[0..nFeatures) and returns the base value, so that
   * base + Σ out = raw(row).
   */
  contributions(row: Float64Array, offset: number, out: Float64Array): number;
  /**
   * `raw(row)`, having written `contributions(row)` into out[0..nFeatures): both answers, bit-identical
   * to the two calls, from one pass over the trees where the learner can (score and explain at once).
   */
  rawAndContributions(row: Float64Array, offset: number, out: Float64Array): number;
}

/** rawAndContributions as the two calls, for learners whose contributions cost next to nothing. */
function bothOf(l: Omit<ScoringLearner, 'rawAndContributions'>): ScoringLearner {
  return {
    ...l,
    rawAndContributions(row, offset, out) {
      l.contributions(row, offset, out);
      return l.raw(row, offset);
    },
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(message: string): AppError {
  return new AppError(MODEL_ERRORS.FORMAT_INVALID, `Invalid learner: ${message}`);
}

function numArray(v: unknown, len: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw bad(`${what} must be an array of ${len} finite numbers`);
  }
  return v as number[];
}

function persistence(state: unknown, nFeatures: number): ScoringLearner {
  if (!isObj(state) || state.kind !== 'persistence') throw bad('persistence state is missing');
  const j = state.feature_index;
  if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j >= nFeatures) {
    throw bad('persistence feature_index is out of range');
  }
  const base = state.base_value;
  if (typeof base !== 'number' || !Number.isFinite(base)) throw bad('persistence base_value is not a number');
  return bothOf({
    kind: 'persistence',
    impute: true,
    nFeatures,
    raw: (row, off) => row[off + j]!,
    rawBlock(rows, n, out) {
      for (let i = 0; i < n; i++) out[i] = rows[i * nFeatures + j]!;
    },
    contributions(row, off, out) {
      out.fill(0, 0, nFeatures);
      out[j] = row[off + j]! - base;
      return base;
    },
  });
}

function logistic(state: unknown, nFeatures: number): ScoringLearner {
  if (!isObj(state) || state.kind !== 'logistic') throw bad('logistic regression state is missing');
  if (state.n_features !== nFeatures) {
    throw bad(`logistic regression has ${String(state.n_features)} features, the pipeline ${nFeatures}`);
  }
  numArray(state.coef, nFeatures, 'coef');
  numArray(state.means, nFeatures, 'means');
  const scales = numArray(state.scales, nFeatures, 'scales');
  if (scales.some((s) => s === 0)) throw bad('scales must be non-zero');
  if (typeof state.intercept !== 'number' || !Number.isFinite(state.intercept))
    throw bad('intercept is not a number');
  const s = state as unknown as LogisticState;
  const buf = new Float64Array(nFeatures + 1);
  return bothOf({
    kind: 'logistic_regression',
    impute: true,
    nFeatures,
    raw: (row, off) => predictRowLogistic(s, row, off),
    rawBlock(rows, n, out) {
      for (let i = 0; i < n; i++) out[i] = predictRowLogistic(s, rows, i * nFeatures);
    },
    contributions(row, off, out) {
      contributionsLogistic(s, row, off, buf);
      for (let k = 0; k < nFeatures; k++) out[k] = buf[k]!;
      return buf[nFeatures]!;
    },
  });
}

const TREE_ARRAYS = ['feature', 'threshold', 'nan_left', 'left', 'right', 'value', 'cover'] as const;

/** Checks a flat tree ensemble: equal-length arrays, in-range children and features, finite leaves. */
function checkTrees(t: unknown, nFeatures: number): FlatTrees {
  if (!isObj(t)) throw bad('"trees" is missing');
  const n = Array.isArray(t.feature) ? t.feature.length : -1;
  for (const k of TREE_ARRAYS) {
    const a = t[k];
    if (!Array.isArray(a) || a.length !== n || !a.every((v) => typeof v === 'number')) {
      throw bad(`trees.${k} must be an array of ${n} numbers`);
    }
  }
  if (!Array.isArray(t.roots) || t.roots.length === 0) throw bad('trees.roots must be a non-empty array');
  const ft = t as unknown as FlatTrees;
  for (const r of ft.roots)
    if (!Number.isInteger(r) || r < 0 || r >= n) throw bad('a tree root is out of range');
  for (let i = 0; i < n; i++) {
    const f = ft.feature[i]!;
    if (f === -1) {
      if (!Number.isFinite(ft.value[i]!)) throw bad(`leaf ${i} has a non-finite value`);
      continue;
    }
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures)
      throw bad(`node ${i} splits on feature ${f}, out of range`);
    // Children come after their parent in the flat layout, which also rules out cycles.
    const l = ft.left[i]!;
    const r = ft.right[i]!;
    if (!Number.isInteger(l) || !Number.isInteger(r) || l <= i || r <= i || l >= n || r >= n) {
      throw bad(`node ${i} has children out of range`);
    }
    if (Number.isNaN(ft.threshold[i]!)) throw bad(`node ${i} has a NaN threshold`);
  }
  return ft;
}

/**
 * The same trees in typed arrays: JSON gives plain number arrays, which V8 reads several times slower
 * on this hot path. Values are copied exactly, so scores and TreeSHAP values are unchanged.
 */
function packTrees(t: FlatTrees): FlatTrees {
  return {
    roots: Int32Array.from(t.roots),
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    nan_left: Uint8Array.from(t.nan_left),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
    cover: Float64Array.from(t.cover),
  } as unknown as FlatTrees;
}

/**
 * The trees re-laid out for the serving hot path. Nodes of each tree in depth-first order, the two
 * children of a split next to each other (right = left + 1), `meta[2·node]` = feature and
 * `meta[2·node + 1]` = left child. A leaf points at itself with threshold +∞ (and missing values sent
 * left), so a row can take exactly `depth` steps through a tree with no "is this a leaf?" test: the
 * traversal has no data-dependent branch at all. Same trees, same rule (x ≤ thr → left, x > thr →
 * right, NaN → the learned side) and same summation order as src/ml's sumTreesRow, so scores are
 * bit-identical (tested).
 */
interface ServingTrees {
  roots: Int32Array;
  /** Steps from each root to its deepest leaf. */
  depth: Int32Array;
  threshold: Float64Array;
  meta: Int32Array;
  /** 1 where a missing value goes right. */
  nanRight: Uint8Array;
  value: Float64Array;
}

function layoutForServing(t: FlatTrees): ServingTrees {
  const n = t.feature.length;
  const threshold = new Float64Array(n);
  const meta = new Int32Array(2 * n);
  const nanRight = new Uint8Array(n);
  const value = new Float64Array(n);
  const roots = new Int32Array(t.roots.length);
  const depth = new Int32Array(t.roots.length);
  let next = 0;
  // Explicit stack of (old node, new slot, depth); each split reserves two adjacent slots.
  const stack: Array<[number, number, number]> = [];
  for (let k = 0; k < t.roots.length; k++) {
    roots[k] = next;
    stack.push([t.roots[k]!, next++, 0]);
    while (stack.length > 0) {
      const [o, d, level] = stack.pop()!;
      if (d >= n) throw bad('trees share nodes (a node is reachable twice)');
      const f = t.feature[o]!;
      if (f < 0) {
        meta[2 * d] = 0;
        meta[2 * d + 1] = d;
        threshold[d] = Number.POSITIVE_INFINITY;
        value[d] = t.value[o]!;
        if (level > depth[k]!) depth[k] = level;
        continue;
      }
      meta[2 * d] = f;
      threshold[d] = t.threshold[o]!;
      nanRight[d] = t.nan_left[o] === 1 ? 0 : 1;
      const l = next;
      next += 2;
      meta[2 * d + 1] = l;
      stack.push([t.right[o]!, l + 1, level + 1], [t.left[o]!, l, level + 1]);
    }
  }
  return { roots, depth, threshold, meta, nanRight, value };
}

/** Leaf of tree `k` reached by the row: `depth[k]` branch-free steps. */
function leafOf(t: ServingTrees, k: number, row: Float64Array, offset: number): number {
  const { threshold, meta, nanRight } = t;
  let node = t.roots[k]!;
  for (let step = t.depth[k]!; step > 0; step--) {
    const x = row[offset + meta[2 * node]!]!;
    node = meta[2 * node + 1]! + (+(x > threshold[node]!) | (+Number.isNaN(x) & nanRight[node]!));
  }
  return node;
}

/** Σ over trees of the leaf value reached by one row (zero allocation). */
function sumServingTrees(t: ServingTrees, row: Float64Array, offset: number): number {
  const { roots, value } = t;
  let s = 0;
  for (let k = 0; k < roots.length; k++) s += value[leafOf(t, k, row, offset)]!;
  return s;
}

/**
 * The same sums for `n` consecutive rows (row-major, `width` columns) into out[0..n): tree by tree over
 * the block, so each tree stays in cache while the block's rows go through it. Per row the trees are
 * still added in order, so each sum equals sumServingTrees exactly.
 */
function sumServingTreesBlock(
  t: ServingTrees,
  rows: Float64Array,
  n: number,
  width: number,
  out: Float64Array,
): void {
  const { roots, depth, threshold, meta, nanRight, value } = t;
  out.fill(0, 0, n);
  const n4 = n - (n % 4);
  for (let k = 0; k < roots.length; k++) {
    const root = roots[k]!;
    const steps = depth[k]!;
    // Four rows walk the tree in lockstep: four independent chains of loads keep the CPU busy.
    for (let i = 0; i < n4; i += 4) {
      const o0 = i * width;
      const o1 = o0 + width;
      const o2 = o1 + width;
      const o3 = o2 + width;
      let a = root;
      let b = root;
      let c = root;
      let d = root;
      for (let step = steps; step > 0; step--) {
        const xa = rows[o0 + meta[2 * a]!]!;
        const xb = rows[o1 + meta[2 * b]!]!;
        const xc = rows[o2 + meta[2 * c]!]!;
        const xd = rows[o3 + meta[2 * d]!]!;
        a = meta[2 * a + 1]! + (+(xa > threshold[a]!) | (+Number.isNaN(xa) & nanRight[a]!));
        b = meta[2 * b + 1]! + (+(xb > threshold[b]!) | (+Number.isNaN(xb) & nanRight[b]!));
        c = meta[2 * c + 1]! + (+(xc > threshold[c]!) | (+Number.isNaN(xc) & nanRight[c]!));
        d = meta[2 * d + 1]! + (+(xd > threshold[d]!) | (+Number.isNaN(xd) & nanRight[d]!));
      }
      out[i]! += value[a]!;
      out[i + 1]! += value[b]!;
      out[i + 2]! += value[c]!;
      out[i + 3]! += value[d]!;
    }
    for (let i = n4; i < n; i++) out[i]! += value[leafOf(t, k, rows, i * width)]!;
  }
}

/**
 * Which explainer tree ensembles use: `fast` (the default) serves small trees from direction-word
 * tables (decision-shap.ts), bit-identical to `reference`, TreeExplainer alone (what tests compare to).
 */
export type ExplainerChoice = 'fast' | 'reference';

export interface CompileOptions {
  explainer?: ExplainerChoice;
}

function treeLearner(
  kind: 'gbdt' | 'random_forest',
  state: unknown,
  nFeatures: number,
  impute: boolean,
  explainerChoice: ExplainerChoice,
): ScoringLearner {
  const stateKind = kind === 'gbdt' ? 'gbdt' : 'forest';
  if (!isObj(state) || state.kind !== stateKind) throw bad(`${kind} state is missing`);
  if (state.n_features !== nFeatures) {
    throw bad(`${kind} has ${String(state.n_features)} features, the pipeline ${nFeatures}`);
  }
  const checked = checkTrees(state.trees, nFeatures);
  const serving = layoutForServing(checked);
  const trees = packTrees(checked);
  // GBDT: raw = baseline + Σ trees; forest: raw = mean of the trees. One scorer with an offset and a
  // divisor serves both (x / 1 and 0 + x are exact, so scores stay bit-identical to src/ml).
  let offset = 0;
  let divisor = trees.roots.length;
  let expected: () => number;
  if (kind === 'gbdt') {
    if (typeof state.baseline !== 'number' || !Number.isFinite(state.baseline))
      throw bad('gbdt baseline is not a number');
    const s = { ...(state as unknown as GbdtState), trees };
    offset = s.baseline;
    divisor = 1;
    expected = () => expectedRawGbdt(s);
  } else {
    const s = { ...(state as unknown as ForestState), trees };
    expected = () => expectedRawForest(s);
  }
  // Built on the first explanation (training compiles learners only to score): see tree-explainer.ts;
  // small trees (boosting) are explained from direction-word tables instead (decision-shap.ts), which
  // also give the raw score in the same pass.
  let explainer: Pick<TreeExplainer, 'add'> | null = null;
  let fast: DecisionShap | null = null;
  let bias = 0;
  const build = (): Pick<TreeExplainer, 'add'> => {
    const full = new TreeExplainer(trees, { scale: 1 / divisor });
    fast = explainerChoice === 'fast' ? DecisionShap.of(full, trees) : null;
    bias = expected();
    explainer = fast ?? full;
    return explainer;
  };
  const raw = (row: Float64Array, off: number) => offset + sumServingTrees(serving, row, off) / divisor;
  const contributions = (row: Float64Array, off: number, out: Float64Array): number => {
    const e = explainer ?? build();
    out.fill(0, 0, nFeatures);
    e.add(row, off, out);
    return bias;
  };
  return {
    kind,
    impute,
    nFeatures,
    raw,
    rawBlock(rows, n, out) {
      sumServingTreesBlock(serving, rows, n, nFeatures, out);
      for (let i = 0; i < n; i++) out[i] = offset + out[i]! / divisor;
    },
    contributions,
    rawAndContributions(row, off, out) {
      if (explainer === null) build();
      if (fast === null) {
        contributions(row, off, out);
        return raw(row, off);
      }
      out.fill(0, 0, nFeatures);
      // The same leaves summed in the same order as sumServingTrees: the same raw score, bit for bit.
      return offset + fast.addWithLeaves(row, off, out) / divisor;
    },
  };
}

/** Compiles the learner block; throws MODEL FORMAT_INVALID naming the problem. */
export function compileLearner(
  block: unknown,
  nFeatures: number,
  options: CompileOptions = {},
): ScoringLearner {
  if (!isObj(block)) throw bad('the "learner" block is not an object');
  const kind = block.kind;
  if (typeof kind !== 'string' || !(LEARNER_KINDS as readonly string[]).includes(kind)) {
    throw bad(`unknown learner kind "${String(kind)}" (expected one of ${LEARNER_KINDS.join(', ')})`);
  }
  switch (kind as LearnerKind) {
    case 'persistence':
      return persistence(block.state, nFeatures);
    case 'logistic_regression':
      return logistic(block.state, nFeatures);
    case 'gbdt':
    case 'random_forest':
      if (block.input !== 'raw' && block.input !== 'imputed') throw bad('"input" must be "raw" or "imputed"');
      return treeLearner(
        kind as 'gbdt' | 'random_forest',
        block.state,
        nFeatures,
        block.input === 'imputed',
        options.explainer ?? 'fast',
      );
  }
}
