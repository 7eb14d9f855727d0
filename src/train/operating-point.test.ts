import { describe, expect, it } from 'vitest';
import type { EvaluationBlock } from '../model/types.js';
import {
  bandStats,
  labelShiftProjection,
  RECALL_GAP,
  recallGaps,
  SMALL_GROUP,
  tradeoffTable,
} from './operating-point.js';

const set = {
  y: Float64Array.from([1, 1, 0, 1, 0, 0, 1, 0, 0, 0]),
  p: Float64Array.from([0.9, 0.8, 0.75, 0.6, 0.5, 0.45, 0.3, 0.2, 0.1, 0.05]),
};

describe('operating point tables', () => {
  it('trade-off: the threshold and the alto cut-off are rows of their own, marked, with exact rates', () => {
    const rows = tradeoffTable(set, set, { medio_from: 0.45, alto_from: 0.75, alto_min_probability: 0.7 });
    const at = rows.find((r) => r.marks.includes('limiar'))!;
    expect(at.cutoff).toBe(0.45);
    // score ≥ 0.45 flags 6 of 10, 3 of the 4 who lag.
    expect(at.validation).toEqual({ flagged: 0.6, precision: 0.5, recall: 0.75 });
    expect(rows.find((r) => r.marks.includes('alto'))!.validation).toEqual({
      flagged: 0.3,
      precision: 2 / 3,
      recall: 0.5,
    });
    expect(rows.map((r) => r.cutoff)).toEqual([...rows.map((r) => r.cutoff)].sort((a, b) => a - b));
  });

  it("bands: counts, observed and predicted rates with the model's own band rule", () => {
    const band = (s: number) => (s >= 0.75 ? 'alto' : s >= 0.45 ? 'medio' : 'baixo');
    const [alto, medio, baixo] = bandStats(set, band);
    expect(alto).toMatchObject({ band: 'alto', n: 3, share: 0.3, observed: 2 / 3 });
    expect(alto!.predicted).toBeCloseTo((0.9 + 0.8 + 0.75) / 3, 12);
    expect(medio).toMatchObject({ n: 3, observed: 1 / 3 });
    expect(baixo).toMatchObject({ n: 4, observed: 0.25 });
  });

  it('label shift: flagged = π·recall + (1 − π)·false-alarm rate at the validation rates', () => {
    // At 0.45: recall 3/4, false alarms 3/6.
    const [r] = labelShiftProjection(set, 0.45, [0.2]);
    expect(r!.flagged).toBeCloseTo(0.2 * 0.75 + 0.8 * 0.5, 12);
    expect(r!.precision).toBeCloseTo((0.2 * 0.75) / r!.flagged, 12);
    expect(r!.ratio).toBeCloseTo(r!.flagged / 0.2, 12);
  });

  it('recall gaps: only between groups of SMALL_GROUP+ students, only above RECALL_GAP', () => {
    const block = (n: number, recall: number): EvaluationBlock =>
      ({
        n,
        positives: 10,
        base_rate: 10 / n,
        metrics: { recall: { value: recall, ci_low: null, ci_high: null } },
      }) as unknown as EvaluationBlock;
    const gaps = recallGaps({
      genero: { feminino: block(SMALL_GROUP, 0.8), masculino: block(40, 0.8 - RECALL_GAP - 0.01) },
      fase: { '1': block(100, 0.9), '8': block(SMALL_GROUP - 1, 0.1), '2': block(100, 0.85) },
      instituicao: { publica: block(300, 0.8), privada: block(50, 0.8 - RECALL_GAP) },
    });
    expect(gaps.map((g) => g.field)).toEqual(['genero']);
    expect(gaps[0]).toMatchObject({ low: { group: 'masculino' }, high: { group: 'feminino' } });
  });
});
