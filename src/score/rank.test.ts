import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { fieldsRead, missingData } from './factors.js';
import { parseCapacity, rankCohort, resolveCapacity } from './rank.js';
import { BASE_RECORD, cohortOf, idaModel, student } from './testing/cohort.js';

const scoredBy = (scores: number[], threshold = 0.5) => ({
  scores: Float64Array.from(scores),
  labels: scores.map((s) => (s >= threshold ? 1 : 0)) as (0 | 1)[],
  bands: scores.map((s) => (s >= 0.7 ? 'alto' : s >= threshold ? 'medio' : 'baixo')) as (
    | 'alto'
    | 'medio'
    | 'baixo'
  )[],
});

describe('capacity parameter', () => {
  it('reads a share, a count and the model rule; refuses anything else', () => {
    expect(parseCapacity('30%')).toEqual({ kind: 'share', share: 0.3 });
    expect(parseCapacity(' 12,5 % ')).toEqual({ kind: 'share', share: 0.125 });
    expect(parseCapacity('120')).toEqual({ kind: 'count', count: 120 });
    expect(parseCapacity('0')).toEqual({ kind: 'count', count: 0 });
    expect(parseCapacity('expected')).toBe('expected');
    for (const bad of ['150%', '-3', '1.5', 'abc', '', '30 alunos', '1e3']) {
      const err = (() => {
        try {
          parseCapacity(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(isAppError(err) && err.code, bad).toBe('DEF_ERR_SCORE_CAPACITY_INVALID');
    }
  });

  it('"expected" takes the ratio the model metadata records, else the default 1.25', () => {
    expect(
      resolveCapacity('expected', { operating_point: { capacity: { kind: 'expected', ratio: 1.1 } } }),
    ).toEqual({
      kind: 'expected',
      ratio: 1.1,
    });
    expect(resolveCapacity('expected', {})).toEqual({ kind: 'expected', ratio: 1.25 });
    expect(resolveCapacity(null, {})).toBeNull();
    expect(resolveCapacity({ kind: 'count', count: 3 }, {})).toEqual({ kind: 'count', count: 3 });
  });
});

describe('rankCohort', () => {
  const cohort = cohortOf(['A', 'B', 'C', 'D', 'E'].map((ra) => student(ra)));

  it('ranks by score, highest first, ties in input order; flags at the threshold', async () => {
    const r = await rankCohort(idaModel(), cohort, scoredBy([0.2, 0.9, 0.6, 0.9, 0.5]), { capacity: null });
    expect(r.students.map((s) => s.student.ra)).toEqual(['B', 'D', 'C', 'E', 'A']);
    expect(r.students.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(r.students.map((s) => s.flagged)).toEqual([true, true, true, true, false]);
    expect(r.flagged).toBe(4);
    expect(r.capacity).toBeNull();
  });

  it('with a capacity, flags the top students and never splits a tie at the last place', async () => {
    // Top 2 by count: B and D tie at 0.9 → both in. Top 3: C (0.6) fits. Top 40% = 2 students.
    const two = await rankCohort(idaModel(), cohort, scoredBy([0.2, 0.9, 0.6, 0.9, 0.5]), {
      capacity: { kind: 'count', count: 2 },
    });
    expect(two.students.filter((s) => s.flagged).map((s) => s.student.ra)).toEqual(['B', 'D']);
    // Three tied at 0.6 for the last two places: all three left out.
    const tie = await rankCohort(idaModel(), cohort, scoredBy([0.6, 0.9, 0.6, 0.6, 0.1]), {
      capacity: { kind: 'share', share: 0.6 },
    });
    expect(tie.capacity).toMatchObject({ limit: 3, count: 1, tiesLeftOut: 3, cutoff: 0.9 });
    expect(tie.students.filter((s) => s.flagged).map((s) => s.student.ra)).toEqual(['B']);
    // The label at the threshold is kept beside the capacity flag.
    expect(tie.students.map((s) => s.label)).toEqual([1, 1, 1, 1, 0]);
  });

  it('explains every student and names the data the model reads that is missing', async () => {
    const c = cohortOf([student('A', { ida: null, ieg: null, ipp: null }), student('B')]);
    const r = await rankCohort(idaModel(), c, scoredBy([0.5, 0.4]), { capacity: null });
    const a = r.students.find((s) => s.student.ra === 'A')!;
    expect(a.factors).toHaveLength(1);
    // The model's own factor, worded by the model, passes through untouched.
    expect(a.factors[0]).toEqual(idaModel().explain(c.students[0]!.record, 1)[0]);
    expect(a.factors[0]!.text).toBe('IDA não informada: reduz o risco');
    // IPP is missing too, but this model does not read it.
    expect(a.missing).toEqual(['IDA', 'IEG']);
    expect(r.students.find((s) => s.student.ra === 'B')!.missing).toEqual([]);
  });
});

describe('missing data', () => {
  it('missing data lists only the fields the features read, in the record order', () => {
    expect(fieldsRead(['ind_media', 'fase'])).toEqual(['fase', 'ian', 'ida', 'ieg', 'iaa', 'ips', 'ipv']);
    const rec = { ...BASE_RECORD, ian: null, instituicao: null, ipv: Number.NaN };
    expect(missingData(rec, fieldsRead(['ind_media', 'instituicao_publica']))).toEqual([
      'Instituição de ensino',
      'IAN',
      'IPV',
    ]);
  });
});
