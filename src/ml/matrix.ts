/**
 * Dense row-major matrices over Float64Array. NaN means "missing". Every learner takes a `Matrix`.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';

export interface Matrix {
  /** Row-major values: element (i, j) is `data[i * cols + j]`. NaN = missing. */
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Labels: 0/1 per row (any numeric array-like; values other than 0 and 1 are rejected by learners). */
export type Labels = ArrayLike<number>;

/** A matrix of `rows × cols`, filled with zeros or wrapping `data` (not copied). */
export function createMatrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) {
    throw new AppError(
      ML_ERRORS.SHAPE_MISMATCH,
      `matrix data has ${d.length} values, expected ${rows}×${cols}`,
    );
  }
  return { data: d, rows, cols };
}

/** Builds a matrix from row arrays; `null`/`undefined` become NaN. All rows must have the same length. */
export function matrixFromRows(
  rows: ReadonlyArray<ArrayLike<number | null | undefined>>,
  cols?: number,
): Matrix {
  const n = rows.length;
  const p = cols ?? (n > 0 ? rows[0]!.length : 0);
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== p) {
      throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `row ${i} has ${r.length} values, expected ${p}`);
    }
    for (let j = 0; j < p; j++) {
      const v = r[j];
      data[i * p + j] = v === null || v === undefined ? Number.NaN : v;
    }
  }
  return { data, rows: n, cols: p };
}

/** A view (no copy) of row `i`. */
export function rowView(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** A new matrix holding the given rows, in the given order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const p = m.cols;
  const out = new Float64Array(indices.length * p);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.set(m.data.subarray(i * p, (i + 1) * p), k * p);
  }
  return { data: out, rows: indices.length, cols: p };
}

/** Picks entries of a 1-D array by index (for labels and weights that go with `selectRows`). */
export function selectValues(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]!]!;
  return out;
}

/** Column `j` as a new array. */
export function column(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

/** Throws SHAPE_MISMATCH / EMPTY_INPUT / INVALID_VALUE unless X, y (0/1) and weights (≥ 0) agree. */
export function checkTrainingInput(X: Matrix, y: Labels, sampleWeight?: ArrayLike<number>): void {
  if (X.rows === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'training matrix has no rows');
  if (X.data.length !== X.rows * X.cols) {
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, 'matrix data length does not equal rows × cols');
  }
  if (y.length !== X.rows) {
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${y.length} labels for ${X.rows} rows`);
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw new AppError(ML_ERRORS.INVALID_VALUE, `label at row ${i} is not 0 or 1`);
  }
  if (sampleWeight) {
    if (sampleWeight.length !== X.rows) {
      throw new AppError(
        ML_ERRORS.SHAPE_MISMATCH,
        `${sampleWeight.length} sample weights for ${X.rows} rows`,
      );
    }
    for (let i = 0; i < sampleWeight.length; i++) {
      const w = sampleWeight[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new AppError(ML_ERRORS.INVALID_VALUE, `sample weight at row ${i} is negative or not finite`);
      }
    }
  }
}

/** Throws ML_SINGLE_CLASS unless rows with positive weight include both labels (learners need both). */
export function checkBothClasses(y: Labels, sampleWeight?: ArrayLike<number>): void {
  let pos = false;
  let neg = false;
  for (let i = 0; i < y.length && !(pos && neg); i++) {
    if (sampleWeight && !(sampleWeight[i]! > 0)) continue;
    if (y[i] === 1) pos = true;
    else neg = true;
  }
  if (!(pos && neg)) throw new AppError(ML_ERRORS.SINGLE_CLASS, 'training labels hold a single class');
}

/** Throws SHAPE_MISMATCH unless X has the `nFeatures` columns a model was trained on. */
export function checkFeatureCount(X: Matrix, nFeatures: number): void {
  if (X.cols !== nFeatures) {
    throw new AppError(
      ML_ERRORS.SHAPE_MISMATCH,
      `matrix has ${X.cols} columns, the model expects ${nFeatures}`,
    );
  }
}
