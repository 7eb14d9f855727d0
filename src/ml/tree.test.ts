import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { bruteShapley, randomTree } from './testing/trees.js';
import {
  emptyTrees,
  expectedValue,
  type FlatTrees,
  maxDepthOf,
  rowScorer,
  sumTreesBatch,
  sumTreesRow,
  TreeShapWorkspace,
  treeFunctions,
  treeShapAdd,
  walkTreesRow,
} from './tree.js';

describe('TreeSHAP (path-dependent) equals brute-force Shapley values on small trees', () => {
  it('random trees with repeated features and NaN routing', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 60; trial++) {
      const m = 2 + rng.int(4);
      const t = emptyTrees();
      t.roots.push(randomTree(t, rng, m, 2 + rng.int(3), 50 + rng.int(200)));
      const x = Array.from({ length: m }, () =>
        rng.next() < 0.15 ? Number.NaN : Math.round(rng.next() * 10) / 10,
      );
      const phi = new Float64Array(m);
      treeShapAdd(t, t.roots[0]!, x, 0, phi, 1, new TreeShapWorkspace(maxDepthOf(t)));
      const brute = bruteShapley(t, t.roots[0]!, x, m);
      for (let j = 0; j < m; j++) expect(Math.abs(phi[j]! - brute[j]!)).toBeLessThan(1e-10);
      // Local accuracy: Σφ + E[f] = f(x).
      const sum = phi.reduce((s, v) => s + v, 0) + expectedValue(t, t.roots[0]!);
      expect(Math.abs(sum - sumTreesRow(t, x))).toBeLessThan(1e-10);
    }
  });

  it('a single split gives the whole difference to its feature', () => {
    const t: FlatTrees = {
      roots: [0],
      feature: [1, -1, -1],
      threshold: [0.5, 0, 0],
      nan_left: [0, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0, -1, 3],
      cover: [4, 3, 1],
    };
    const phi = new Float64Array(2);
    treeShapAdd(t, 0, [9, 0.2], 0, phi, 1, new TreeShapWorkspace(1));
    // E[f] = (3·−1 + 1·3)/4 = 0; f(x) = −1 → φ1 = −1, φ0 = 0.
    expect(phi[0]).toBe(0);
    expect(phi[1]).toBeCloseTo(-1, 14);
  });
});

describe('compiled tree functions', () => {
  const base = (): FlatTrees => ({
    roots: [0],
    feature: [0, -1, -1],
    threshold: [0.5, 0, 0],
    nan_left: [1, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    value: [0, -1, 3],
    cover: [4, 3, 1],
  });

  it('score like the array walk, NaN routing included', () => {
    const t = base();
    const out = new Float64Array(3);
    sumTreesBatch(t, Float64Array.from([0.2, 0.9, Number.NaN]), 3, 1, out);
    expect(Array.from(out)).toEqual([
      sumTreesRow(t, [0.2]),
      sumTreesRow(t, [0.9]),
      sumTreesRow(t, [Number.NaN]),
    ]);
    expect(Array.from(out)).toEqual([-1, 3, -1]);
  });

  it('refuse a tampered state instead of generating code from it', () => {
    const t = base();
    (t.threshold as unknown[])[0] = '0);process.exit(1);(';
    expect(() => treeFunctions(t)).toThrow(/malformed/);
    const u = base();
    u.left[0] = 0;
    expect(() => treeFunctions(u)).toThrow(/malformed/);
  });
});

describe('compiled and walked scoring agree bit for bit', () => {
  it('row walk, compiled row scorer, and batch path below/above the compile size', () => {
    const rng = createRng(9);
    const t = emptyTrees();
    for (let k = 0; k < 25; k++) t.roots.push(randomTree(t, rng, 6, 5, 500));
    const rows = 2500;
    const data = Float64Array.from({ length: rows * 6 }, () => (rng.next() < 0.1 ? Number.NaN : rng.next()));
    const walked = Array.from({ length: rows }, (_, i) => walkTreesRow(t, data, i * 6));
    const scorer = rowScorer(t);
    for (let i = 0; i < rows; i++) {
      expect(sumTreesRow(t, data, i * 6)).toBe(walked[i]);
      expect(scorer(data, i * 6)).toBe(walked[i]);
    }
    const small = new Float64Array(100);
    const t2 = { ...t };
    sumTreesBatch(t2, data, 100, 6, small);
    const large = new Float64Array(rows);
    sumTreesBatch(t, data, rows, 6, large);
    for (let i = 0; i < 100; i++) expect(small[i]).toBe(large[i]);
    for (let i = 0; i < rows; i++) expect(large[i]).toBe(walked[i]);
  });
});
