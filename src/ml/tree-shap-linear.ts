/**
 * Linear TreeSHAP (Yu et al. 2022) with the polynomials kept as values at Gauss–Legendre nodes: exact
 * path-dependent TreeSHAP in one forward and one backward pass over each tree's nodes, O(nodes × q) per
 * row with q = ⌈(most distinct features on a path)/2⌉, for any depth and without per-leaf tables; TreeExplainer
 * chooses which trees use it.
 *
 * For a leaf with value v whose root path splits on the distinct features P, let z_j be the product of
 * the cover fractions of feature j's splits on the path and o_j ∈ {0, 1} whether the row follows all of
 * them. With F_j(t) = (1 − t)·z_j + t·o_j and G(t) = Π_{j∈P} F_j(t), the Shapley weights
 * s!(k−s−1)!/k! are Beta integrals ∫₀¹ t^s (1 − t)^(k−1−s) dt, so the leaf adds to feature i
 *   φ_i += v · (o_i − z_i) · ∫₀¹ G(t) / F_i(t) dt,
 * a polynomial of degree < |P|, integrated exactly by q Gauss–Legendre nodes. Each leaf's term for
 * feature i is credited at the deepest edge of its path that splits on i (where z_i and o_i are final):
 * the backward pass sums v·G over the leaves below each edge and takes away the sums below deeper
 * splits on the same feature. Everything that does not depend on the row (the factors by which each
 * edge multiplies G whether the row follows it or not, and w_j·(o − z)/F) is computed at build time,
 * so a row costs multiplications and additions only. Needs z > 0 on every edge: a tree with an empty
 * child (zero cover) is left to another method.
 */
import type { FlatTrees } from './tree.js';

/** Gauss–Legendre nodes and weights on [0, 1] (n points integrate degree ≤ 2n − 1 exactly). */
export function gaussLegendre01(n: number): { t: Float64Array; w: Float64Array } {
  const t = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Newton on the Legendre polynomial P_n from the usual first guess; converges to machine precision.
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      // p1 = P_n(x), p0 = P_{n−1}(x); P_n'(x) = n·(x·P_n − P_{n−1}) / (x² − 1).
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    t[i] = (1 - x) / 2;
    w[i] = 1 / ((1 - x * x) * dp * dp);
  }
  return { t, w };
}

/** Static per-node data of the trees explained by the linear passes, each tree in preorder. */
interface LinearTrees {
  /** First node of each tree, plus the end. */
  start: Int32Array;
  /** Parent (local index within its tree; −1 for a root). */
  parent: Int32Array;
  /** 1 when the node is its parent's left child. */
  isLeft: Uint8Array;
  /** Feature of the parent's split (the edge into this node); −1 for a root. */
  edgeFeature: Int32Array;
  /** Nearest edge above on the path that splits on the same feature (local index), or −1. */
  prevEdge: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  nanLeft: Uint8Array;
  /** Leaf value × scale. */
  value: Float64Array;
  /**
   * What the edge multiplies the path's G(t_j) by (lane j at [node·q + j]) when the row follows it
   * (mul1) or not (mul0), given that it followed the feature's previous split (if any): F_i(t_j) for a
   * new feature, F_i(t_j) / F_i,previous(t_j) for a repeat.
   */
  mul1: Float64Array;
  mul0: Float64Array;
  /** A repeat whose previous split was not followed: F stays (1 − t)·z, so the ratio is the fraction. */
  mulFrac: Float64Array;
  /** w_j (1 − z) / F_i(t_j) when the row follows the edge (o = 1); with o = 0 it is −w_j / (1 − t_j). */
  coef1: Float64Array;
}

type Kernel = (
  lt: LinearTrees,
  coef0: Float64Array,
  goLeft: Uint8Array,
  follows: Uint8Array,
  pv: Float64Array,
  sv: Float64Array,
  sub: Float64Array,
  row: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
) => void;

/** Kernels are generated up to this many Gauss–Legendre nodes (paths of up to 32 distinct features). */
export const MAX_UNROLLED_POINTS = 16;
const kernels = new Map<number, Kernel>();

/**
 * LinearShap.addLoops with its loops over the q lanes written out (V8 does not unroll them itself), as
 * one function per q, built once. Only the integer q and lane indices enter the generated source.
 */
export function kernelFor(q: number): Kernel {
  if (!Number.isInteger(q) || q < 1 || q > MAX_UNROLLED_POINTS)
    throw new RangeError(`no kernel for ${q} points`);
  let k = kernels.get(q);
  if (k) return k;
  const lanes = (f: (j: number) => string): string => Array.from({ length: q }, (_, j) => f(j)).join('\n');
  const src = `"use strict";
const { start, parent, isLeft, edgeFeature, prevEdge, feature, threshold, nanLeft, value } = lt;
const { mul1, mul0, mulFrac, coef1 } = lt;
const nTrees = start.length - 1;
for (let k = 0; k < nTrees; k++) {
  const b = start[k];
  const n = start[k + 1] - b;
  ${lanes((j) => `pv[${j}] = 1; sv[${j}] = 0; sub[${j}] = 0;`)}
  if (feature[b] >= 0) {
    const x = row[offset + feature[b]];
    const thr = threshold[b];
    goLeft[0] = x <= thr ? 1 : x > thr ? 0 : nanLeft[b];
  }
  for (let c = 1; c < n; c++) {
    const g = b + c;
    const p = parent[g];
    const pq = p * ${q};
    const gq = g * ${q};
    const e = prevEdge[g];
    let o = goLeft[p] === isLeft[g] ? 1 : 0;
    let mul = o === 1 ? mul1 : mul0;
    if (e >= 0 && follows[e] === 0) {
      o = 0;
      mul = mulFrac;
    }
    const f = feature[g];
    if (f >= 0) {
      follows[c] = o;
      const cq = c * ${q};
      ${lanes((j) => `pv[cq + ${j}] = pv[pq + ${j}] * mul[gq + ${j}]; sv[cq + ${j}] = 0; sub[cq + ${j}] = 0;`)}
      const x = row[offset + f];
      const thr = threshold[g];
      goLeft[c] = x <= thr ? 1 : x > thr ? 0 : nanLeft[g];
      continue;
    }
    const v = value[g];
    const coef = o === 1 ? coef1 : coef0;
    const co = o === 1 ? gq : 0;
    let s = 0;
    if (e < 0) {
      ${lanes((j) => `{ const gl = v * pv[pq + ${j}] * mul[gq + ${j}]; sv[pq + ${j}] += gl; s += gl * coef[co + ${j}]; }`)}
    } else {
      const eq = e * ${q};
      ${lanes((j) => `{ const gl = v * pv[pq + ${j}] * mul[gq + ${j}]; sv[pq + ${j}] += gl; sub[eq + ${j}] += gl; s += gl * coef[co + ${j}]; }`)}
    }
    phi[edgeFeature[g]] += s;
  }
  for (let c = n - 1; c > 0; c--) {
    const g = b + c;
    if (feature[g] < 0) continue;
    const cq = c * ${q};
    const pq = parent[g] * ${q};
    const e = prevEdge[g];
    const coef = follows[c] === 1 ? coef1 : coef0;
    const co = follows[c] === 1 ? g * ${q} : 0;
    let s = 0;
    if (e < 0) {
      ${lanes((j) => `{ const sj = sv[cq + ${j}]; s += (sj - sub[cq + ${j}]) * coef[co + ${j}]; sv[pq + ${j}] += sj; }`)}
    } else {
      const eq = e * ${q};
      ${lanes((j) => `{ const sj = sv[cq + ${j}]; s += (sj - sub[cq + ${j}]) * coef[co + ${j}]; sv[pq + ${j}] += sj; sub[eq + ${j}] += sj; }`)}
    }
    phi[edgeFeature[g]] += s;
  }
}`;
  k = new Function(
    'lt',
    'coef0',
    'goLeft',
    'follows',
    'pv',
    'sv',
    'sub',
    'row',
    'offset',
    'phi',
    src,
  ) as Kernel;
  kernels.set(q, k);
  return k;
}

/** Whether every child of the tree under `root` has a positive cover fraction (z > 0 on every edge). */
export function hasNoEmptyChild(t: FlatTrees, root: number): boolean {
  const { feature, left, right, cover } = t;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (feature[node]! < 0) continue;
    const c = cover[node]!;
    if (c > 0 && !(cover[left[node]!]! > 0 && cover[right[node]!]! > 0)) return false;
    stack.push(left[node]!, right[node]!);
  }
  return true;
}

/** The trees explained by the linear passes. */
export class LinearShap {
  /** Gauss–Legendre nodes used (⌈max distinct features on a path / 2⌉). */
  readonly points: number;
  private readonly lt: LinearTrees;
  /** −w_j / (1 − t_j): the contribution coefficient of an edge the row does not follow. */
  private readonly coef0: Float64Array;
  private readonly goLeft: Uint8Array;
  private readonly follows: Uint8Array;
  private readonly pv: Float64Array;
  private readonly sv: Float64Array;
  private readonly sub: Float64Array;
  private readonly kernel: Kernel | null;

  constructor(trees: FlatTrees, linear: readonly number[], scale: number, nFeat: number) {
    const { feature, left, right, cover } = trees;
    const fraction = (node: number, child: number): number => {
      const c = cover[node]!;
      return c > 0 ? cover[child]! / c : 0.5;
    };
    // Per tree: its size and the most distinct features on one path.
    let nodes = 0;
    let maxNodes = 1;
    let maxDistinct = 0;
    const seen = new Int32Array(nFeat);
    for (const root of linear) {
      let size = 0;
      let distinct = 0;
      const walk = (node: number): void => {
        size++;
        const f = feature[node]!;
        if (f < 0) {
          maxDistinct = Math.max(maxDistinct, distinct);
          return;
        }
        if (seen[f]++ === 0) distinct++;
        walk(left[node]!);
        walk(right[node]!);
        if (--seen[f]! === 0) distinct--;
      };
      walk(root);
      nodes += size;
      maxNodes = Math.max(maxNodes, size);
    }
    const q = Math.max(1, Math.ceil(maxDistinct / 2));
    const { t, w } = gaussLegendre01(q);

    // Pass 2: lay the linear trees out in preorder with their static per-edge data.
    const lt: LinearTrees = {
      start: new Int32Array(linear.length + 1),
      parent: new Int32Array(nodes),
      isLeft: new Uint8Array(nodes),
      edgeFeature: new Int32Array(nodes),
      prevEdge: new Int32Array(nodes),
      feature: new Int32Array(nodes),
      threshold: new Float64Array(nodes),
      nanLeft: new Uint8Array(nodes),
      value: new Float64Array(nodes),
      mul1: new Float64Array(nodes * q),
      mul0: new Float64Array(nodes * q),
      mulFrac: new Float64Array(nodes * q),
      coef1: new Float64Array(nodes * q),
    };
    // z of every placed edge (local index), and the current path's deepest edge on each feature.
    const zOf = new Float64Array(maxNodes);
    const lastEdge = new Int32Array(nFeat).fill(-1);
    let next = 0;
    let base = 0;
    const place = (node: number, parent: number, isLeft: boolean, frac: number): void => {
      const id = next++;
      const local = id - base;
      lt.parent[id] = parent;
      lt.isLeft[id] = isLeft ? 1 : 0;
      lt.edgeFeature[id] = -1;
      lt.prevEdge[id] = -1;
      let pf = -1;
      let restore = -1;
      if (parent >= 0) {
        pf = lt.feature[base + parent]!;
        const prev = lastEdge[pf]!;
        const z = prev >= 0 ? zOf[prev]! * frac : frac;
        zOf[local] = z;
        lt.edgeFeature[id] = pf;
        lt.prevEdge[id] = prev;
        for (let j = 0; j < q; j++) {
          const omt = 1 - t[j]!;
          const f1 = z * omt + t[j]!;
          const f0 = z * omt;
          // Before this edge the feature's factor was F_prev = (1 − t)·z_prev + t (it was followed).
          const fPrev = prev >= 0 ? zOf[prev]! * omt + t[j]! : 1;
          lt.mul1[id * q + j] = f1 / fPrev;
          lt.mul0[id * q + j] = f0 / fPrev;
          lt.coef1[id * q + j] = (w[j]! * (1 - z)) / f1;
          lt.mulFrac[id * q + j] = frac;
        }
        restore = prev;
        lastEdge[pf] = local;
      }
      const f = feature[node]!;
      lt.feature[id] = f;
      if (f < 0) {
        lt.value[id] = trees.value[node]! * scale;
      } else {
        lt.threshold[id] = trees.threshold[node]!;
        lt.nanLeft[id] = trees.nan_left[node] === 1 ? 1 : 0;
        const l = left[node]!;
        const r = right[node]!;
        place(l, local, true, fraction(node, l));
        place(r, local, false, fraction(node, r));
      }
      if (pf >= 0) lastEdge[pf] = restore;
    };
    linear.forEach((root, k) => {
      lt.start[k] = base;
      place(root, -1, false, 1);
      base = next;
    });
    lt.start[linear.length] = next;

    this.points = q;
    this.coef0 = Float64Array.from(t, (x, j) => -w[j]! / (1 - x));
    this.lt = lt;
    this.goLeft = new Uint8Array(maxNodes);
    this.follows = new Uint8Array(maxNodes);
    this.pv = new Float64Array(maxNodes * q);
    this.sv = new Float64Array(maxNodes * q);
    this.sub = new Float64Array(maxNodes * q);
    this.kernel = q <= MAX_UNROLLED_POINTS ? kernelFor(q) : null;
  }

  /** Adds the SHAP values of these trees for the row at `row[offset ..]` into phi. */
  add(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    if (this.kernel !== null) {
      this.kernel(
        this.lt,
        this.coef0,
        this.goLeft,
        this.follows,
        this.pv,
        this.sv,
        this.sub,
        row,
        offset,
        phi,
      );
    } else this.addLoops(row, offset, phi);
  }

  /**
   * The same passes with loops over the lanes: the readable form of the kernel (which unrolls them,
   * ~20% faster) and its fallback past MAX_UNROLLED_POINTS. Both give bit-identical results (tested).
   */
  addLoops(row: ArrayLike<number>, offset: number, phi: Float64Array): void {
    const { start, parent, isLeft, edgeFeature, prevEdge, feature, threshold, nanLeft, value } = this.lt;
    const { mul1, mul0, mulFrac, coef1 } = this.lt;
    const { coef0, goLeft, follows, pv, sv, sub } = this;
    const q = this.points;
    const nTrees = start.length - 1;
    for (let k = 0; k < nTrees; k++) {
      const b = start[k]!;
      const n = start[k + 1]! - b;
      for (let j = 0; j < q; j++) {
        pv[j] = 1;
        sv[j] = 0;
        sub[j] = 0;
      }
      if (feature[b]! >= 0) {
        const x = row[offset + feature[b]!]!;
        const thr = threshold[b]!;
        goLeft[0] = x <= thr ? 1 : x > thr ? 0 : nanLeft[b]!;
      }
      // Forward (preorder): whether the row follows the path so far (o of the edge's feature) and the
      // path polynomial G at the t_j. A leaf's v·G and its own credit are settled right away.
      for (let c = 1; c < n; c++) {
        const g = b + c;
        const p = parent[g]!;
        const pq = p * q;
        const gq = g * q;
        const e = prevEdge[g]!;
        let o = goLeft[p] === isLeft[g] ? 1 : 0;
        let mul = o === 1 ? mul1 : mul0;
        if (e >= 0 && follows[e] === 0) {
          // An earlier split on this feature was not followed: o stays 0, F only takes the fraction.
          o = 0;
          mul = mulFrac;
        }
        const f = feature[g]!;
        if (f >= 0) {
          follows[c] = o;
          const cq = c * q;
          for (let j = 0; j < q; j++) {
            pv[cq + j] = pv[pq + j]! * mul[gq + j]!;
            sv[cq + j] = 0;
            sub[cq + j] = 0;
          }
          const x = row[offset + f]!;
          const thr = threshold[g]!;
          goLeft[c] = x <= thr ? 1 : x > thr ? 0 : nanLeft[g]!;
          continue;
        }
        const v = value[g]!;
        const coef = o === 1 ? coef1 : coef0;
        const co = o === 1 ? gq : 0;
        let s = 0;
        if (e < 0) {
          for (let j = 0; j < q; j++) {
            const gl = v * pv[pq + j]! * mul[gq + j]!;
            sv[pq + j]! += gl;
            s += gl * coef[co + j]!;
          }
        } else {
          const eq = e * q;
          for (let j = 0; j < q; j++) {
            const gl = v * pv[pq + j]! * mul[gq + j]!;
            sv[pq + j]! += gl;
            sub[eq + j]! += gl;
            s += gl * coef[co + j]!;
          }
        }
        phi[edgeFeature[g]!]! += s;
      }
      // Backward over the inner nodes: Σ v·G below each edge is complete; credit the edge's feature
      // with the leaves for which it is the deepest split on that feature, then pass the sums up (and
      // to the previous split on the feature, whose credit must leave these leaves out).
      for (let c = n - 1; c > 0; c--) {
        const g = b + c;
        if (feature[g]! < 0) continue;
        const cq = c * q;
        const pq = parent[g]! * q;
        const e = prevEdge[g]!;
        const coef = follows[c] === 1 ? coef1 : coef0;
        const co = follows[c] === 1 ? g * q : 0;
        let s = 0;
        if (e < 0) {
          for (let j = 0; j < q; j++) {
            const sj = sv[cq + j]!;
            s += (sj - sub[cq + j]!) * coef[co + j]!;
            sv[pq + j]! += sj;
          }
        } else {
          const eq = e * q;
          for (let j = 0; j < q; j++) {
            const sj = sv[cq + j]!;
            s += (sj - sub[cq + j]!) * coef[co + j]!;
            sv[pq + j]! += sj;
            sub[eq + j]! += sj;
          }
        }
        phi[edgeFeature[g]!]! += s;
      }
    }
  }
}
