/**
 * A set of transitions ready for the learners: rows, the feature pipeline fitted on them, the matrices
 * in both input modes (raw: NaN kept; imputed: training medians), the student groups and label years.
 */
import { AppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import type { ModelingRow } from '../data/transitions.js';
import { compilePipeline, type FeaturePipeline, fitFeaturePipeline } from '../features/pipeline.js';
import { createMatrix, type Matrix } from '../ml/matrix.js';
import type { LearnerKind } from '../model/learners.js';
import { inputModeOf } from './candidates.js';
import { TRAIN_ERRORS } from './errors.js';
import type { Fold } from './folds.js';

export interface Prepared {
  rows: ModelingRow[];
  y: Float64Array;
  pipeline: FeaturePipeline;
  raw: Matrix;
  imputed: Matrix;
  groups: Array<string | null>;
  labelYears: number[];
}

export function labelYearOf(r: StudentRecord): number {
  return (r.ano_base as number) + 1;
}

export function prepare(rows: ModelingRow[], features: readonly string[]): Prepared {
  const pipeline = compilePipeline(fitFeaturePipeline(rows, features));
  return {
    rows,
    y: Float64Array.from(rows, (r) => r.em_risco),
    pipeline,
    ...matricesOf(pipeline, rows),
    groups: rows.map((r) => r.aluno_id ?? null),
    labelYears: [...new Set(rows.map(labelYearOf))].sort((a, b) => a - b),
  };
}

/** Rows through a fitted pipeline in both input modes (e.g. the test year through the development one). */
export function matricesOf(
  pipeline: FeaturePipeline,
  rows: readonly StudentRecord[],
): { raw: Matrix; imputed: Matrix } {
  return {
    raw: createMatrix(rows.length, pipeline.width, pipeline.transform(rows, false)),
    imputed: createMatrix(rows.length, pipeline.width, pipeline.transform(rows, true)),
  };
}

export function matrixFor(m: { raw: Matrix; imputed: Matrix }, kind: LearnerKind): Matrix {
  return inputModeOf(kind) === 'raw' ? m.raw : m.imputed;
}

/** Every fold must fit on both classes, or the learners fail with an error about a fold, not the data. */
export function checkFolds(folds: readonly Fold[], y: Float64Array, what: string): void {
  folds.forEach((fold, f) => {
    let pos = 0;
    for (const i of fold.train) pos += y[i]!;
    if (pos === 0 || pos === fold.train.length) {
      const total = y.reduce((a, b) => a + b, 0);
      throw new AppError(
        TRAIN_ERRORS.TOO_FEW_ROWS,
        `The ${what} transitions (${y.length} rows, ${total} positive) are too few for ${folds.length}-fold cross-fitting: fold ${f + 1} would be fitted on one class only`,
        { set: what, rows: y.length, positives: total, folds: folds.length, fold: f + 1 },
      );
    }
  });
}

/** Temporal split on the label year: test = `testYear` (default the latest), development = earlier. */
export function temporalSplit(
  rows: ModelingRow[],
  testYearOpt: number | undefined,
): { testYear: number; devRows: ModelingRow[]; testRows: ModelingRow[] } {
  const years = [...new Set(rows.map(labelYearOf))].sort((a, b) => a - b);
  const testYear = testYearOpt ?? years[years.length - 1]!;
  const testRows = rows.filter((r) => labelYearOf(r) === testYear);
  const devRows = rows.filter((r) => labelYearOf(r) < testYear);
  if (testRows.length === 0 || devRows.length === 0) {
    throw new AppError(
      TRAIN_ERRORS.SPLIT_IMPOSSIBLE,
      testRows.length === 0
        ? `No transitions have label year ${testYear} (label years in the data: ${years.join(', ')})`
        : `No transitions before label year ${testYear} to develop the model on`,
      { test_year: testYear, label_years: years },
    );
  }
  for (const [name, set] of [
    ['development', devRows],
    ['test', testRows],
  ] as const) {
    const pos = set.reduce((a, r) => a + r.em_risco, 0);
    if (pos === 0 || pos === set.length) {
      throw new AppError(TRAIN_ERRORS.SPLIT_IMPOSSIBLE, `The ${name} transitions hold only one class`, {
        test_year: testYear,
      });
    }
  }
  return { testYear, devRows, testRows };
}
