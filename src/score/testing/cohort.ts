/**
 * Test helpers for src/score: a hand-made cohort (no workbook) around a real hand-typed student, and a
 * stand-in model whose explanation is fixed by hand.
 */
import type { StudentRecord } from '../../core/student.js';
import { HAND_TYPED_ROWS } from '../../data/testing/workbook-rows.js';
import type { Factor, LoadedModel } from '../../model/types.js';
import type { Cohort, CohortStudent } from '../input.js';

/** A real 2024 student, typed by hand from the workbook (sheet PEDE2024, row 198; no RA, no name). */
export const BASE_RECORD: StudentRecord = (() => {
  const {
    sheet: _sheet,
    row: _row,
    ...record
  } = HAND_TYPED_ROWS.find((r) => r.sheet === 'PEDE2024' && r.row === 198)!;
  return record;
})();

export function student(
  ra: string,
  over: Partial<StudentRecord> = {},
  extra: Partial<CohortStudent> = {},
): CohortStudent {
  return { record: { ...BASE_RECORD, ...over }, ra, turma: '3A', nome: null, sourceRow: null, ...extra };
}

export function cohortOf(students: CohortStudent[], over: Partial<Cohort> = {}): Cohort {
  return {
    year: 2024,
    sheet: 'PEDE2024',
    sourceKind: 'xlsx',
    years: [2024],
    synthetic: false,
    students,
    rejects: [],
    rowsRejected: 0,
    ...over,
  };
}

/**
 * A model whose score is `ida / 10` inverted (1 − ida/10, missing IDA = 0.5) and whose one factor is
 * IDA with the matching sign: enough to check ranking, flags and wording without a trained model.
 */
export function idaModel(threshold = 0.5): LoadedModel {
  const score = (r: StudentRecord) => (r.ida === null ? 0.5 : 1 - r.ida / 10);
  const model: Omit<LoadedModel, 'predictExplain'> = {
    formatVersion: 1,
    threshold,
    featureNames: ['ida', 'ieg', 'defasagem'],
    learner: 'stand_in',
    predictOne: score,
    predictProba: (rs) => Float64Array.from(rs, score),
    explain: (r, k = 3): Factor[] => {
      const c = score(r) - 0.5;
      const direction = c > 0 ? 'aumenta' : 'reduz';
      const label = r.ida === null ? 'IDA não informada' : `IDA ${String(r.ida).replace('.', ',')}`;
      return [
        {
          feature: 'ida',
          label,
          text: `${label}: ${direction} o risco`,
          value: r.ida,
          missing: r.ida === null,
          contribution: c,
          contribution_unit: 'probability',
          effect_pp: 100 * c,
          direction,
        } satisfies Factor,
      ].slice(0, k);
    },
  };
  return { ...model, predictExplain: (r, k) => ({ score: score(r), factors: model.explain(r, k) }) };
}
