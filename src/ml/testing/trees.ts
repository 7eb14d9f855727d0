/** Random trees and brute-force Shapley values for the TreeSHAP tests. Test-only. */
import type { Rng } from '../rng.js';
import type { FlatTrees } from '../tree.js';

/**
 * Appends a random binary tree over `m` features (features repeat along paths, covers consistent,
 * random missing-value sides) to `t` and returns its root. `zeroCover` makes some splits have cover 0.
 */
export function randomTree(t: FlatTrees, rng: Rng, m: number, depth: number, cover: number): number {
  const id = t.feature.length;
  t.feature.push(-1);
  t.threshold.push(0);
  t.nan_left.push(rng.int(2));
  t.left.push(-1);
  t.right.push(-1);
  t.value.push(Math.round((rng.next() * 4 - 2) * 100) / 100);
  t.cover.push(cover);
  if (depth > 0 && (depth > 1 || rng.next() < 0.7) && cover >= 2) {
    t.feature[id] = rng.int(m);
    t.threshold[id] = Math.round(rng.next() * 10) / 10;
    const cl = 1 + rng.int(cover - 1);
    t.left[id] = randomTree(t, rng, m, depth - 1, cl);
    t.right[id] = randomTree(t, rng, m, depth - 1, cover - cl);
  }
  return id;
}

/** A row of `m` values on the thresholds' grid, with a share of NaN. */
export function randomRow(rng: Rng, m: number, nanShare = 0.15): number[] {
  return Array.from({ length: m }, () =>
    rng.next() < nanShare ? Number.NaN : Math.round(rng.next() * 10) / 10,
  );
}

/** Path-dependent conditional expectation: features in S follow x, others average by cover. */
function condExp(t: FlatTrees, node: number, x: number[], S: Set<number>): number {
  const f = t.feature[node]!;
  if (f < 0) return t.value[node]!;
  const l = t.left[node]!;
  const r = t.right[node]!;
  if (S.has(f)) {
    const v = x[f]!;
    const goLeft = v <= t.threshold[node]! || (Number.isNaN(v) && t.nan_left[node] === 1);
    return condExp(t, goLeft ? l : r, x, S);
  }
  const c = t.cover[node]!;
  if (!(c > 0)) return 0.5 * (condExp(t, l, x, S) + condExp(t, r, x, S));
  return (t.cover[l]! * condExp(t, l, x, S) + t.cover[r]! * condExp(t, r, x, S)) / c;
}

function factorial(k: number): number {
  return k <= 1 ? 1 : k * factorial(k - 1);
}

/** Exact Shapley values of one tree by enumerating every subset of the m features (2^m). */
export function bruteShapley(t: FlatTrees, root: number, x: number[], m: number): number[] {
  const phi = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const S = new Set<number>();
      for (let j = 0; j < m; j++) if (mask & (1 << j)) S.add(j);
      const w = (factorial(S.size) * factorial(m - S.size - 1)) / factorial(m);
      const without = condExp(t, root, x, S);
      S.add(i);
      phi[i]! += w * (condExp(t, root, x, S) - without);
    }
  }
  return phi;
}
