import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../registry/types.js';
import {
  championAt,
  computeOutcomes,
  type OutcomeFloors,
  type OutcomePrediction,
  outcomesByPseudonym,
  predictionsFromRows,
} from './outcomes.js';
import { pseudonymiser } from './pseudonym.js';

const FLOORS: OutcomeFloors = {
  minRecall: 0.75,
  minPrecision: 0.45,
  minPrAuc: 0.6,
  maxEce: 0.5,
  minGroupSize: 3,
};

function pred(subject: string, score: number, label: 0 | 1, genero = 'feminino', at = 1): OutcomePrediction {
  return {
    subject,
    modelVersion: 'v1.0.0',
    score,
    label,
    at,
    groups: { genero, instituicao: 'publica', fase: 2 },
  };
}

describe('outcomes', () => {
  it('realised recall, precision and PR-AUC by hand', () => {
    // Flagged: a, b, c. Fell behind next year: a, c, e. TP = a, c; FP = b; FN = e.
    const preds = [
      pred('a', 0.9, 1),
      pred('b', 0.8, 1),
      pred('c', 0.7, 1),
      pred('d', 0.3, 0),
      pred('e', 0.2, 0),
    ];
    const outcomes = new Map([
      ['a', -1],
      ['b', 0],
      ['c', -2],
      ['d', 1],
      ['e', -1],
    ]);
    const r = computeOutcomes(preds, outcomes, FLOORS, new Date('2025-03-01T00:00:00Z'));
    const m = r.versions[0]!.overall;
    expect(m.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(m.recall).toBeCloseTo(2 / 3, 6);
    expect(m.precision).toBeCloseTo(2 / 3, 6);
    // AP = Σ ΔR·P at each positive by descending score: 1/3·1 + 1/3·(2/3) + 1/3·(3/5).
    expect(m.pr_auc).toBeCloseTo(1 / 3 + 2 / 9 + 1 / 5, 6);
    expect(m.base_rate).toBeCloseTo(0.6, 6);
    expect(r.matched).toBe(5);
    expect(r.alerts.map((a) => [a.scope, a.metric])).toEqual([
      ['geral', 'recall'],
      ['genero=feminino', 'recall'],
      ['instituicao=publica', 'recall'],
      ['fase=2', 'recall'],
    ]);
    expect(r.alerts[0]!.message).toBe(
      'Recall realizado (atrasados que o modelo sinalizou) 0,67 abaixo do mínimo 0,75 (modelo v1.0.0, 5 alunos).',
    );
    expect(r.status).toBe('alert');
  });

  it('keeps the latest prediction per student and version, counts the unmatched, alerts only on big enough groups', () => {
    const preds = [
      pred('a', 0.2, 0, 'feminino', 1),
      pred('a', 0.9, 1, 'feminino', 5),
      pred('b', 0.9, 1, 'masculino'),
      pred('gone', 0.9, 1),
      { ...pred('a', 0.1, 0), modelVersion: 'v2.0.0' },
    ];
    const r = computeOutcomes(
      preds,
      new Map([
        ['a', -1],
        ['b', 0],
      ]),
      FLOORS,
    );
    expect(r.predictions).toBe(5);
    expect(r.matched).toBe(3);
    expect(r.unmatched).toBe(1);
    expect(r.versions.map((v) => [v.model_version, v.overall.n])).toEqual([
      ['v1.0.0', 2],
      ['v2.0.0', 1],
    ]);
    expect(r.versions[0]!.overall.confusion.tp).toBe(1);
    // Every group is smaller than minGroupSize = 3: reported, never alerted on.
    expect(r.alerts).toEqual([]);
    expect(Object.keys(r.versions[0]!.groups.genero)).toEqual(['feminino', 'masculino']);
    expect(r.versions[1]!.overall.precision).toBeNull();
  });

  it('nothing to join is OUTCOMES_NO_MATCH', () => {
    expect(() => computeOutcomes([pred('a', 0.5, 1)], new Map([['z', -1]]), FLOORS)).toThrow(
      expect.objectContaining({ code: 'DEF_ERR_MONITOR_OUTCOMES_NO_MATCH' }),
    );
  });

  it('joins by HMAC pseudonym; stored rows without a pseudonym are skipped', () => {
    const p = pseudonymiser('0123456789abcdef0123456789abcdef');
    const out = outcomesByPseudonym(
      [
        { ra: 'RA-1', defasagem: -1 },
        { ra: ' RA-2 ', defasagem: null },
        { ra: 'RA-3', defasagem: 0 },
      ],
      p,
    );
    expect([...out.entries()]).toEqual([
      [p('RA-1'), -1],
      [p('RA-3'), 0],
    ]);
    const rows = predictionsFromRows([
      {
        at: 1,
        modelVersion: 'v1',
        endpoint: 'predict',
        subject: p('RA-1'),
        score: 0.8,
        label: 1,
        inputs: '{"genero":"masculino","instituicao":null,"fase":3}',
      },
      { at: 1, modelVersion: 'v1', endpoint: 'predict', subject: null, score: 0.1, label: 0, inputs: '{}' },
    ]);
    expect(rows).toEqual([
      {
        subject: p('RA-1'),
        modelVersion: 'v1',
        score: 0.8,
        label: 1,
        at: 1,
        groups: { genero: 'masculino', instituicao: null, fase: 3 },
      },
    ]);
  });

  it('championAt reads the registry history: the last move at or before the date', () => {
    const e = (at: string, to: string): HistoryEntry =>
      ({
        at,
        by: 'x',
        action: 'promote',
        from: null,
        to,
        reason: null,
        forced: false,
        move_id: at,
      }) as HistoryEntry;
    const h = [
      e('2024-02-01T00:00:00Z', 'v1.0.0'),
      e('2024-08-01T00:00:00Z', 'v1.1.0'),
      e('2024-09-01T00:00:00Z', 'v1.0.0'),
    ];
    expect(championAt(h, new Date('2024-01-01'))).toBeNull();
    expect(championAt(h, new Date('2024-05-01'))).toBe('v1.0.0');
    expect(championAt(h, new Date('2024-08-15'))).toBe('v1.1.0');
    expect(championAt(h, new Date('2025-01-01'))).toBe('v1.0.0');
  });
});
