/**
 * Test helpers for src/score: a hand-made cohort (no workbook), a stand-in model whose explanation is
 * fixed by hand, and a hand-typed PEDE-shaped workbook written with write-excel-file.
 */
import type { StudentRecord } from '../../core/student.js';
import type { Factor, LoadedModel } from '../../model/types.js';
import type { Cohort, CohortStudent } from '../input.js';

export const BASE_RECORD: StudentRecord = {
  ano_base: 2024,
  fase: 3,
  idade: 12,
  genero: 'feminino',
  instituicao: 'publica',
  ano_ingresso: 2021,
  ian: 5,
  ida: 6.2,
  ieg: 7.5,
  iaa: 8,
  ips: 6.9,
  ipp: 7.1,
  ipv: 7.3,
  inde: 7.02,
  defasagem: -1,
};

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
  return {
    formatVersion: 1,
    threshold,
    featureNames: ['ida', 'ieg', 'defasagem'],
    learner: 'stand_in',
    predictOne: score,
    predictProba: (rs) => Float64Array.from(rs, score),
    explain: (r, k = 3): Factor[] =>
      [
        {
          feature: 'ida',
          label: 'IDA (desempenho acadêmico)',
          value: r.ida,
          contribution: score(r) - 0.5,
          direction: score(r) - 0.5 > 0 ? 'aumenta' : 'reduz',
        } satisfies Factor,
      ].slice(0, k),
  };
}
