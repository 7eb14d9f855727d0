import { describe, expect, it } from 'vitest';
import { averagePrecision } from '../ml/metrics.js';
import { createRng } from '../ml/rng.js';
import { groupedBootstrapSe, type SelectionEntry, selectCandidate } from './select.js';

const entry = (over: Partial<SelectionEntry> & Pick<SelectionEntry, 'kind'>): SelectionEntry => ({
  prAuc: 0.9,
  se: 0.01,
  meetsRecall: true,
  complexity: 100,
  eligible: true,
  ...over,
});

describe('selection: one-standard-error rule, simplest within noise', () => {
  it('within one standard error of the best, the model with fewer parameters wins', () => {
    // The forest is best by 0.008 < its standard error 0.0115: the 800-leaf GBDT is as good and simpler.
    const s = selectCandidate(
      [
        entry({ kind: 'random_forest', prAuc: 0.9033, se: 0.0115, complexity: 3781 }),
        entry({ kind: 'gbdt', prAuc: 0.8948, se: 0.0158, complexity: 807 }),
      ],
      1,
    );
    expect(s).toMatchObject({ kind: 'gbdt', best: 'random_forest' });
    expect(s.bar).toBeCloseTo(0.9033 - 0.0115, 12);
    expect(s.reason).toContain('807 parâmetros contra 3781');
  });

  it('a candidate below the bar loses even when simpler; a bar of 0 standard errors takes the best', () => {
    const list = [
      entry({ kind: 'random_forest', prAuc: 0.92, se: 0.005, complexity: 3000 }),
      entry({ kind: 'gbdt', prAuc: 0.91, se: 0.02, complexity: 800 }),
    ];
    expect(selectCandidate(list, 1).kind).toBe('random_forest');
    expect(selectCandidate(list, 3).kind).toBe('gbdt');
    expect(selectCandidate(list, 0).kind).toBe('random_forest');
  });

  it('references are never shipped while an eligible candidate exists, however simple and good', () => {
    const s = selectCandidate(
      [
        entry({ kind: 'persistence', prAuc: 0.95, complexity: 1, eligible: false }),
        entry({ kind: 'logistic_regression', prAuc: 0.9, complexity: 20, eligible: false }),
        entry({ kind: 'gbdt', prAuc: 0.89, complexity: 800 }),
      ],
      1,
    );
    expect(s.kind).toBe('gbdt');
    // Without any eligible candidate, the rule falls back to the references and says so.
    const only = selectCandidate([entry({ kind: 'logistic_regression', eligible: false })], 1);
    expect(only.kind).toBe('logistic_regression');
    expect(only.reason).toMatch(/Nenhum candidato elegível/);
  });

  it('candidates that met the recall floor come first', () => {
    const s = selectCandidate(
      [
        entry({ kind: 'random_forest', prAuc: 0.95, meetsRecall: false, complexity: 10 }),
        entry({ kind: 'gbdt', prAuc: 0.9, complexity: 800 }),
      ],
      1,
    );
    expect(s.kind).toBe('gbdt');
  });
});

describe('grouped bootstrap standard errors', () => {
  const n = 200;
  const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const good = y.map((v, i) => v * 0.25 + ((i * 37) % 100) / 250);
  const noise = y.map((_, i) => ((i * 53) % 101) / 101);

  it('is deterministic for a seed, positive, and larger for a noisier score', () => {
    const groups = y.map((_, i) => `s${i}`);
    const a = groupedBootstrapSe(y, [good, noise], groups, 200, 5);
    expect(groupedBootstrapSe(y, [good, noise], groups, 200, 5)).toEqual(a);
    expect(a[0]).toBeGreaterThan(0);
    expect(a[1]).toBeGreaterThan(a[0]!);
    // Same order of magnitude as the textbook: PR-AUC around 0.5–1 on 200 rows → SE of a few hundredths.
    expect(a[1]).toBeLessThan(0.1);
    expect(averagePrecision(y, good)).toBeGreaterThan(averagePrecision(y, noise));
  });

  it("keeps a student's rows together: duplicating every row per student changes nothing", () => {
    // Each student twice, as one group: the resamples draw students, so the bootstrap distribution is the
    // one of the single copies (AP of a doubled set equals AP of the set).
    const y2 = y.flatMap((v) => [v, v]);
    const g2 = y.flatMap((_, i) => [`s${i}`, `s${i}`]);
    const s2 = good.flatMap((v) => [v, v]);
    const single = groupedBootstrapSe(
      y,
      [good],
      y.map((_, i) => `s${i}`),
      100,
      9,
    );
    const doubled = groupedBootstrapSe(y2, [s2], g2, 100, 9);
    expect(doubled[0]).toBeCloseTo(single[0]!, 12);
  });

  it('equals, to the last bit, PR-AUC of each resample copied out row by row (ties, groups of 1–3, no group)', () => {
    // The plain definition: draw the groups, copy their rows out, and compute AP on the copy.
    const reference = (
      yy: number[],
      scores: number[][],
      groups: Array<string | null>,
      draws: number,
      seed: number,
    ): number[] => {
      const byGroup = new Map<string, number[]>();
      groups.forEach((g, i) => {
        const key = g ?? `#row${i}`;
        byGroup.set(key, [...(byGroup.get(key) ?? []), i]);
      });
      const list = [...byGroup.values()];
      const rng = createRng(seed);
      const vals: number[][] = scores.map(() => []);
      for (let b = 0; b < draws; b++) {
        const rows = Array.from(list, () => list[Math.floor(rng.next() * list.length)]!).flat();
        const yb = rows.map((i) => yy[i]!);
        const pos = yb.reduce((a, v) => a + v, 0);
        if (pos === 0 || pos === yb.length) continue;
        scores.forEach((sc, c) => {
          vals[c]!.push(
            averagePrecision(
              yb,
              rows.map((i) => sc[i]!),
            ),
          );
        });
      }
      return vals.map((v) => {
        let sum = 0;
        let sq = 0;
        for (const x of v) {
          sum += x;
          sq += x * x;
        }
        const mean = sum / v.length;
        return Math.sqrt(Math.max(0, (sq - v.length * mean * mean) / (v.length - 1)));
      });
    };
    const m = 90;
    const yy = Array.from({ length: m }, (_, i) => ((i * 7) % 5 < 2 ? 1 : 0));
    // Scores on a coarse grid: many ties within and across groups.
    const tied = yy.map((v, i) => Math.round((v * 0.3 + ((i * 29) % 17) / 17) * 8) / 8);
    const fine = yy.map((v, i) => v * 0.2 + ((i * 41) % 97) / 97);
    const groups = yy.map((_, i) => (i % 11 === 0 ? null : `s${Math.floor(i / (1 + (i % 3)))}`));
    for (const seed of [1, 2, 3]) {
      expect(groupedBootstrapSe(yy, [tied, fine], groups, 60, seed)).toEqual(
        reference(yy, [tied, fine], groups, 60, seed),
      );
    }
  });
});
