import { describe, expect, it } from 'vitest';
import { contributionsForest, expectedRawForest, fitForest, predictRowForest } from './forest.js';
import { contributionsGbdt, expectedRawGbdt, fitGbdt, predictRowGbdt } from './gbdt.js';
import { createMatrix } from './matrix.js';
import { createRng, type Rng } from './rng.js';
import { bruteShapley, randomRow, randomTree } from './testing/trees.js';
import {
  emptyTrees,
  expectedSum,
  type FlatTrees,
  maxDepthOf,
  sumTreesRow,
  TreeShapWorkspace,
  treeShapAdd,
} from './tree.js';
import { explainerFor, TreeExplainer, type TreeExplainerOptions } from './tree-explainer.js';
import { gaussLegendre01, kernelFor, LinearShap } from './tree-shap-linear.js';

/** The path-recursion reference: Σ over trees of scale × TreeSHAP. */
function reference(t: FlatTrees, x: ArrayLike<number>, m: number, scale = 1): Float64Array {
  const phi = new Float64Array(m);
  const ws = new TreeShapWorkspace(maxDepthOf(t));
  for (const r of t.roots) treeShapAdd(t, r, x, 0, phi, scale, ws);
  return phi;
}

function fastPhi(e: TreeExplainer, x: ArrayLike<number>, m: number): Float64Array {
  const phi = new Float64Array(m);
  e.add(x, 0, phi);
  return phi;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(tol);
}

function forestOf(rng: Rng, trees: number, m: number, depth: number): FlatTrees {
  const t = emptyTrees();
  for (let k = 0; k < trees; k++) t.roots.push(randomTree(t, rng, m, depth, 100 + rng.int(900)));
  return t;
}

/** Each method on its own: every tree tabulated, every tree by the linear passes, the default mix. */
const METHODS: Record<string, TreeExplainerOptions> = {
  tables: { maxTableFeatures: 20, tableBudgetBytes: Number.POSITIVE_INFINITY },
  linear: { maxTableFeatures: -1 },
  default: {},
};

describe('TreeExplainer equals brute-force Shapley values (each method)', () => {
  for (const [name, opts] of Object.entries(METHODS)) {
    it(`${name}: random trees with repeated features on a path and NaN routing both ways`, () => {
      const rng = createRng(7);
      let repeats = 0;
      let nans = 0;
      for (let trial = 0; trial < 80; trial++) {
        const m = 2 + rng.int(4);
        const t = emptyTrees();
        t.roots.push(randomTree(t, rng, m, 2 + rng.int(4), 50 + rng.int(200)));
        const x = randomRow(rng, m, 0.25);
        const e = new TreeExplainer(t, opts);
        if (name === 'tables') expect(e.tableTrees).toBe(1);
        if (name === 'linear') expect(e.linearTrees).toBe(1);
        const phi = fastPhi(e, x, m);
        expectClose(phi, bruteShapley(t, t.roots[0]!, x, m), 1e-10);
        // Local accuracy: Σφ + E[f] = f(x).
        const sum = phi.reduce((s, v) => s + v, 0) + e.expectedSum;
        expect(Math.abs(sum - sumTreesRow(t, x))).toBeLessThan(1e-10);
        if (maxDepthOf(t) > new Set(t.feature.filter((f) => f >= 0)).size) repeats++;
        if (x.some(Number.isNaN)) nans++;
      }
      // The cases the test is about really occurred.
      expect(repeats).toBeGreaterThan(20);
      expect(nans).toBeGreaterThan(20);
    });

    it(`${name}: a path that splits on one feature three times (only that feature gets credit)`, () => {
      // x0 ≤ 0.5 → (x0 ≤ 0.2 → (x0 ≤ 0.1 → 1 | 2) | 3) | 4; NaN goes left, right, left.
      const t: FlatTrees = {
        roots: [0],
        feature: [0, 0, 0, -1, -1, -1, -1],
        threshold: [0.5, 0.2, 0.1, 0, 0, 0, 0],
        nan_left: [1, 0, 1, 0, 0, 0, 0],
        left: [1, 2, 3, -1, -1, -1, -1],
        right: [6, 5, 4, -1, -1, -1, -1],
        value: [0, 0, 0, 1, 2, 3, 4],
        cover: [10, 6, 3, 1, 2, 3, 4],
      };
      for (const x0 of [0.05, 0.15, 0.3, 0.9, Number.NaN]) {
        const x = [x0, 0];
        const phi = fastPhi(new TreeExplainer(t, opts), x, 2);
        expectClose(phi, bruteShapley(t, 0, x, 2), 1e-12);
        expect(phi[1]).toBe(0);
        expect(Math.abs(phi[0]! + expectedSum(t) - sumTreesRow(t, x))).toBeLessThan(1e-12);
      }
    });

    it(`${name}: zero-cover splits (an empty child; a node of cover 0 splits ½–½) and a lone leaf`, () => {
      const t: FlatTrees = {
        roots: [0, 5, 6],
        feature: [0, 1, -1, -1, -1, -1, 1, -1, -1],
        threshold: [0.5, 0.5, 0, 0, 0, 0, 0.5, 0, 0],
        nan_left: [0, 0, 0, 0, 0, 0, 0, 0, 0],
        left: [1, 2, -1, -1, -1, -1, 7, -1, -1],
        right: [4, 3, -1, -1, -1, -1, 8, -1, -1],
        value: [0, 0, -1, 2, 5, 7, 0, 1, 4],
        cover: [4, 0, 0, 0, 4, 3, 0, 0, 0],
      };
      const e = new TreeExplainer(t, opts);
      // The linear passes need z > 0: the tree with an empty child goes to the path recursion.
      if (name === 'linear') expect(e.pathTrees).toBe(1);
      for (const x of [
        [0.1, 0.9],
        [0.9, 0.1],
        [Number.NaN, 0.2],
      ]) {
        const phi = fastPhi(e, x, 2);
        expectClose(phi, reference(t, x, 2), 1e-12);
        const brute = [0, 0];
        for (const r of t.roots) {
          const b = bruteShapley(t, r, x, 2);
          for (let j = 0; j < 2; j++) brute[j]! += b[j]!;
        }
        expectClose(phi, brute, 1e-12);
      }
    });
  }
});

describe('TreeExplainer equals the path recursion on ensembles', () => {
  for (const [name, opts] of Object.entries(METHODS)) {
    it(`${name}: forest-like ensembles with a scale, depth 8 and NaN rows`, () => {
      const rng = createRng(11);
      const m = 12;
      const t = forestOf(rng, 30, m, 8);
      const e = new TreeExplainer(t, { ...opts, scale: 1 / 30 });
      for (let i = 0; i < 40; i++) {
        const x = randomRow(rng, m, 0.2);
        const phi = fastPhi(e, x, m);
        expectClose(phi, reference(t, x, m, 1 / 30), 1e-9);
        const sum = phi.reduce((s, v) => s + v, 0) + e.expectedSum / 30;
        expect(Math.abs(sum - sumTreesRow(t, x) / 30)).toBeLessThan(1e-10);
      }
    });
  }

  it('splits trees between the methods by table size and budget; the reference option uses none', () => {
    const rng = createRng(12);
    const m = 10;
    const t = emptyTrees();
    for (let k = 0; k < 6; k++) t.roots.push(randomTree(t, rng, m, 3, 500));
    for (let k = 0; k < 6; k++) t.roots.push(randomTree(t, rng, m, 12, 5000));
    const mixed = new TreeExplainer(t);
    expect(mixed.tableTrees).toBeGreaterThanOrEqual(6);
    expect(mixed.linearTrees).toBeGreaterThan(0);
    const tight = new TreeExplainer(t, { tableBudgetBytes: 4096 });
    expect(tight.tableBytes).toBeLessThanOrEqual(4096);
    expect(tight.tableTrees).toBeLessThan(mixed.tableTrees);
    const ref = new TreeExplainer(t, { reference: true });
    expect([ref.tableTrees, ref.linearTrees, ref.pathTrees]).toEqual([0, 0, 12]);
    for (let i = 0; i < 25; i++) {
      const x = randomRow(rng, m, 0.2);
      const want = reference(t, x, m);
      expectClose(fastPhi(mixed, x, m), want, 1e-9);
      expectClose(fastPhi(tight, x, m), want, 1e-9);
      expectClose(fastPhi(ref, x, m), want, 1e-15);
    }
  });

  it('reads the row at an offset and adds to what phi already holds', () => {
    const rng = createRng(13);
    const m = 6;
    const t = forestOf(rng, 5, m, 5);
    const x = randomRow(rng, m);
    const padded = Float64Array.from([9, 9, 9, ...x]);
    const ref = reference(t, x, m);
    for (const opts of Object.values(METHODS)) {
      const phi = new Float64Array(m).fill(1);
      new TreeExplainer(t, opts).add(padded, 3, phi);
      for (let j = 0; j < m; j++) expect(Math.abs(phi[j]! - 1 - ref[j]!)).toBeLessThan(1e-12);
    }
  });

  it('is cached per state and scale by explainerFor', () => {
    const t = forestOf(createRng(14), 2, 3, 3);
    expect(explainerFor(t)).toBe(explainerFor(t));
    expect(explainerFor(t, 0.5).scale).toBe(0.5);
  });

  it('the generated kernel (lanes unrolled) is bit-identical to the loop form for 1 to 6 points', () => {
    const rng = createRng(15);
    const points = new Set<number>();
    for (let depth = 1; depth <= 12; depth += 2) {
      const m = 14;
      const t = forestOf(rng, 6, m, depth);
      const lin = new LinearShap(t, t.roots, 0.25, m);
      points.add(lin.points);
      for (let i = 0; i < 10; i++) {
        const x = randomRow(rng, m, 0.2);
        const a = new Float64Array(m);
        const b = new Float64Array(m);
        lin.add(x, 0, a);
        lin.addLoops(x, 0, b);
        expect(Array.from(a)).toEqual(Array.from(b));
        expectClose(a, reference(t, x, m, 0.25), 1e-9);
      }
    }
    expect(points.size).toBeGreaterThanOrEqual(5);
    expect(() => kernelFor(0)).toThrow(RangeError);
    expect(() => kernelFor(2.5)).toThrow(RangeError);
  });

  it('Gauss–Legendre nodes on [0, 1] integrate t^d exactly up to degree 2n − 1', () => {
    for (let n = 1; n <= 12; n++) {
      const { t, w } = gaussLegendre01(n);
      for (let d = 0; d <= 2 * n - 1; d++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += w[j]! * t[j]! ** d;
        expect(Math.abs(s - 1 / (d + 1))).toBeLessThan(1e-14);
      }
    }
  });
});

describe('fitted learners: fast contributions equal the reference and add up', () => {
  const rng = createRng(3);
  const rows = 600;
  const p = 7;
  const X = createMatrix(rows, p);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < p; j++) X.data[i * p + j] = rng.next() < 0.1 ? Number.NaN : rng.next();
    const a = X.data[i * p]!;
    const b = X.data[i * p + 1]!;
    y[i] = (Number.isNaN(a) ? 0.4 : a) + 0.5 * (Number.isNaN(b) ? 0.8 : b) + 0.3 * rng.next() > 0.9 ? 1 : 0;
  }

  it('random forest (probability units)', () => {
    const st = fitForest(X, y, { nEstimators: 20, maxDepth: 8, seed: 5 });
    const ws = new TreeShapWorkspace(maxDepthOf(st.trees));
    for (let i = 0; i < 50; i++) {
      const fast = contributionsForest(st, X.data, i * p);
      expectClose(fast, contributionsForest(st, X.data, i * p, ws), 1e-9);
      expect(fast[p]).toBe(expectedRawForest(st));
      const sum = fast.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - predictRowForest(st, X.data, i * p))).toBeLessThan(1e-10);
    }
  });

  it('GBDT (log-odds), deep leaf-wise trees with native NaN routing', () => {
    const st = fitGbdt(X, y, { maxIter: 25, maxLeafNodes: 31, minSamplesLeaf: 5, seed: 5 });
    expect(maxDepthOf(st.trees)).toBeGreaterThan(5);
    const ws = new TreeShapWorkspace(maxDepthOf(st.trees));
    for (let i = 0; i < 50; i++) {
      const fast = contributionsGbdt(st, X.data, i * p);
      expectClose(fast, contributionsGbdt(st, X.data, i * p, ws), 1e-9);
      expect(fast[p]).toBe(expectedRawGbdt(st));
      const sum = fast.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - predictRowGbdt(st, X.data, i * p))).toBeLessThan(1e-10);
    }
  });
});
