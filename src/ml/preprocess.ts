/**
 * Column preprocessing for the linear model: median imputation and standardisation, each a fit
 * returning JSON state plus pure apply functions. (Tree learners need neither: they handle NaN natively.)
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import type { Matrix } from './matrix.js';

export interface MedianImputerState {
  kind: 'median_imputer';
  /** Per column: the median of the non-missing training values (0 when a column was all missing). */
  medians: number[];
}

/** Fits per-column medians ignoring NaN (numpy/sklearn `SimpleImputer(strategy="median")` values). */
export function fitMedianImputer(X: Matrix): MedianImputerState {
  if (X.rows === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'imputer received no rows');
  const medians: number[] = [];
  const buf = new Float64Array(X.rows);
  for (let j = 0; j < X.cols; j++) {
    let m = 0;
    for (let i = 0; i < X.rows; i++) {
      const v = X.data[i * X.cols + j]!;
      if (!Number.isNaN(v)) buf[m++] = v;
    }
    if (m === 0) {
      medians.push(0);
      continue;
    }
    const s = buf.subarray(0, m).sort();
    medians.push(m % 2 === 1 ? s[(m - 1) / 2]! : (s[m / 2 - 1]! + s[m / 2]!) / 2);
  }
  return { kind: 'median_imputer', medians };
}

/** A copy of X with NaN replaced by the column medians. */
export function applyImputer(state: MedianImputerState, X: Matrix): Matrix {
  if (X.cols !== state.medians.length) {
    throw new AppError(
      ML_ERRORS.SHAPE_MISMATCH,
      `matrix has ${X.cols} columns, imputer expects ${state.medians.length}`,
    );
  }
  const data = Float64Array.from(X.data);
  for (let i = 0; i < X.rows; i++) imputeRowInPlace(state, data, i * X.cols);
  return { data, rows: X.rows, cols: X.cols };
}

/** Replaces NaN in `row[offset .. offset + n_features)` in place (zero allocation). */
export function imputeRowInPlace(state: MedianImputerState, row: Float64Array, offset = 0): void {
  const med = state.medians;
  for (let j = 0; j < med.length; j++) if (Number.isNaN(row[offset + j]!)) row[offset + j] = med[j]!;
}

export interface StandardizerState {
  kind: 'standardizer';
  means: number[];
  /** Population standard deviations; 1 for (near-)constant columns, as sklearn `StandardScaler`. */
  scales: number[];
}

/** Fits column means and population standard deviations (NaN not allowed: impute first). */
export function fitStandardizer(X: Matrix): StandardizerState {
  if (X.rows === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'standardiser received no rows');
  const p = X.cols;
  const means = new Float64Array(p);
  const vars = new Float64Array(p);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < p; j++) {
      const v = X.data[i * p + j]!;
      if (Number.isNaN(v)) {
        throw new AppError(
          ML_ERRORS.INVALID_VALUE,
          `missing value in column ${j}: impute before standardising`,
        );
      }
      means[j]! += v;
    }
  }
  for (let j = 0; j < p; j++) means[j]! /= X.rows;
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < p; j++) {
      const d = X.data[i * p + j]! - means[j]!;
      vars[j]! += d * d;
    }
  }
  const scales: number[] = [];
  for (let j = 0; j < p; j++) {
    const s = Math.sqrt(vars[j]! / X.rows);
    scales.push(s < 10 * Number.EPSILON ? 1 : s);
  }
  return { kind: 'standardizer', means: Array.from(means), scales };
}
