/**
 * Population Stability Index over bins with their real masses:
 *
 *   PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ),  eᵢ = expected countᵢ / Σ expected,  aᵢ = actual countᵢ / Σ actual
 *
 * A share of 0 is floored at ε = 1e-4 (a bin empty on both sides contributes nothing), so a value never
 * seen in training gives a large, finite term instead of infinity. Pure functions over typed arrays; the
 * golden values in __golden__/psi.json come from numpy (scripts/golden/make_psi_golden.py).
 */

export const PSI_EPSILON = 1e-4;

export type Status = 'green' | 'yellow' | 'red';

/** PSI of `actual` against `expected` (counts, same bins). NaN when either side is empty. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, eps = PSI_EPSILON): number {
  if (expected.length !== actual.length) throw new RangeError('psi: expected and actual need the same bins');
  let te = 0;
  let ta = 0;
  for (let i = 0; i < expected.length; i++) {
    te += expected[i]!;
    ta += actual[i]!;
  }
  if (!(te > 0) || !(ta > 0)) return Number.NaN;
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const ec = expected[i]!;
    const ac = actual[i]!;
    if (ec === 0 && ac === 0) continue;
    const e = Math.max(ec / te, eps);
    const a = Math.max(ac / ta, eps);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/** green below `yellow`, yellow from `yellow` up to (not including) `red`, red from `red`. */
export function statusOf(value: number, yellow: number, red: number): Status {
  return value >= red ? 'red' : value >= yellow ? 'yellow' : 'green';
}

const RANK: Record<Status, number> = { green: 0, yellow: 1, red: 2 };

/** The worst of some statuses (green when none). */
export function worst(statuses: Iterable<Status | null>): Status {
  let w: Status = 'green';
  for (const s of statuses) if (s && RANK[s] > RANK[w]) w = s;
  return w;
}

/**
 * Aligns categorical counts over the union of keys, with the expected and actual count of each. Keys
 * that are all numbers are sorted by value (fase, idade, defasagem read in order); otherwise the
 * baseline's keys keep their order and keys only seen now follow, sorted.
 */
export function alignCategories(
  expected: Readonly<Record<string, number>>,
  actual: ReadonlyMap<string, number>,
): { keys: string[]; expected: Float64Array; actual: Float64Array } {
  const keys = Object.keys(expected);
  const known = new Set(keys);
  const unseen = [...actual.keys()].filter((k) => !known.has(k)).sort();
  const all = [...keys, ...unseen];
  if (all.every((k) => k.trim() !== '' && Number.isFinite(Number(k))))
    all.sort((a, b) => Number(a) - Number(b));
  return {
    keys: all,
    expected: Float64Array.from(all, (k) => expected[k] ?? 0),
    actual: Float64Array.from(all, (k) => actual.get(k) ?? 0),
  };
}
