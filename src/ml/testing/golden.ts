/** Loads golden fixtures written by scripts/golden/make_golden.py (null → NaN). Test-only. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Matrix, matrixFromRows } from '../matrix.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '__golden__');

// biome-ignore lint/suspicious/noExplicitAny: golden JSON is untyped by nature
export function loadGolden(name: string): any {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8'));
}

export function arr(v: ReadonlyArray<number | null>): Float64Array {
  return Float64Array.from(v, (x) => (x === null ? Number.NaN : x));
}

export function mat(rows: ReadonlyArray<ReadonlyArray<number | null>>): Matrix {
  return matrixFromRows(rows);
}

/** Max absolute difference between two equal-length arrays (NaN-equal positions count as 0). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    const d = Math.abs(x - y);
    m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(m, d);
  }
  return m;
}
