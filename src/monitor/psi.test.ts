import { describe, expect, it } from 'vitest';
import golden from './__golden__/psi.json' with { type: 'json' };
import { numericBin } from './bins.js';
import { alignCategories, psi, statusOf, worst } from './psi.js';

interface NumericCase {
  name: string;
  kind: 'numeric';
  edges: number[];
  baseline: number[];
  current: number[];
  baseline_counts: number[];
  current_counts: number[];
  psi: number;
  equal_mass_psi: number;
}
interface CategoricalCase {
  name: string;
  kind: 'categorical';
  baseline: string[];
  current: string[];
  keys: string[];
  baseline_counts: number[];
  current_counts: number[];
  psi: number;
}

const cases = golden.cases as unknown as Array<NumericCase | CategoricalCase>;

function binCounts(edges: number[], values: number[]): Float64Array {
  const e = Float64Array.from(edges);
  const out = new Float64Array(edges.length + 1);
  for (const v of values) out[numericBin(e, v)]! += 1;
  return out;
}

function tally(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('PSI against pandas/numpy (scripts/golden/make_psi_golden.py)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    if (c.kind === 'numeric') {
      const e = binCounts(c.edges, c.baseline);
      const a = binCounts(c.edges, c.current);
      expect([...e]).toEqual(c.baseline_counts);
      expect([...a]).toEqual(c.current_counts);
      expect(psi(e, a)).toBeCloseTo(c.psi, 12);
    } else {
      const al = alignCategories(Object.fromEntries(tally(c.baseline)), tally(c.current));
      const idx = al.keys.map((k) => c.keys.indexOf(k));
      expect([...al.keys].sort()).toEqual([...c.keys].sort());
      expect([...al.expected]).toEqual(idx.map((i) => c.baseline_counts[i]));
      expect([...al.actual]).toEqual(idx.map((i) => c.current_counts[i]));
      expect(psi(al.expected, al.actual)).toBeCloseTo(c.psi, 12);
    }
  });

  it('with tied values, equal-mass bins mark identical data red; real masses give 0', () => {
    const c = cases.find((x) => x.name === 'ties_identical') as NumericCase;
    expect(c.equal_mass_psi).toBeGreaterThan(0.25);
    expect(psi(binCounts(c.edges, c.baseline), binCounts(c.edges, c.current))).toBe(0);
  });
});

describe('psi edge cases and statuses', () => {
  it('is NaN when a side is empty and refuses bins of different lengths', () => {
    expect(psi([0, 0], [1, 2])).toBeNaN();
    expect(psi([1, 2], [0, 0])).toBeNaN();
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(RangeError);
  });

  it('a value training never saw adds a large but finite term', () => {
    const v = psi([100, 0], [90, 10]);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0.25);
  });

  it('statuses: green < 0.10 ≤ yellow < 0.25 ≤ red', () => {
    expect([0, 0.0999, 0.1, 0.2499, 0.25, 3].map((v) => statusOf(v, 0.1, 0.25))).toEqual([
      'green',
      'green',
      'yellow',
      'yellow',
      'red',
      'red',
    ]);
    expect(worst(['green', null, 'yellow'])).toBe('yellow');
    expect(worst([])).toBe('green');
  });

  it('numeric keys sort by value, others keep the baseline order with unseen keys after', () => {
    expect(alignCategories({ '0': 1, '-1': 2 }, new Map([['-3', 1]])).keys).toEqual(['-3', '-1', '0']);
    expect(alignCategories({ publica: 1, privada_bolsa: 2 }, new Map([['outro', 1]])).keys).toEqual([
      'publica',
      'privada_bolsa',
      'outro',
    ]);
  });
});
