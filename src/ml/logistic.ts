/**
 * L2-regularised logistic regression with the objective of sklearn `LogisticRegression(penalty="l2",
 * C, fit_intercept=True)`: minimise C·Σ wᵢ·logloss(yᵢ, b + zᵢ·β) + ½‖β‖², intercept b not penalised.
 * Features are standardised inside the model (means/scales kept in the state), so `coef` equals the
 * coefficients of sklearn `make_pipeline(StandardScaler(), LogisticRegression())`.
 * Solved by Newton's method (exact Hessian, Cholesky, backtracking) to a gradient norm far below
 * sklearn's lbfgs tolerance.
 *
 * Missing values: NOT handled. `fitLogistic` throws ML_INVALID_VALUE on NaN or ±Infinity; predicting
 * a row with NaN returns NaN. Impute first with `fitMedianImputer` / `applyImputer` / `imputeRowInPlace`
 * (preprocess.ts) and store the imputer next to this state.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { checkFeatureCount, checkTrainingInput, type Labels, type Matrix } from './matrix.js';
import { fitStandardizer } from './preprocess.js';
import { type ClassWeight, classWeights } from './weights.js';

export interface LogisticOptions {
  /** Inverse regularisation strength (sklearn C), default 1. */
  C?: number;
  /** Standardise features inside the model (default true). */
  standardize?: boolean;
  classWeight?: ClassWeight;
  /** Newton iterations cap (default 100). */
  maxIter?: number;
  /** Stop when the max-abs gradient of the objective is below tol (default 1e-10). */
  tol?: number;
}

export interface LogisticState {
  kind: 'logistic';
  n_features: number;
  /** Coefficients in standardised space: raw = intercept + Σ coef_j · (x_j − means_j) / scales_j. */
  coef: number[];
  intercept: number;
  means: number[];
  scales: number[];
  C: number;
  n_iter: number;
}

/** Solves A x = b in place for symmetric positive-definite A (n×n row-major); false if not SPD. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= A[j * n + k]! * A[j * n + k]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    A[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= A[i * n + k]! * A[j * n + k]!;
      A[i * n + j] = s / l;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= A[i * n + k]! * b[k]!;
    b[i] = s / A[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= A[k * n + i]! * b[k]!;
    b[i] = s / A[i * n + i]!;
  }
  return true;
}

function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function fitLogistic(
  X: Matrix,
  y: Labels,
  opts: LogisticOptions = {},
  sampleWeight?: ArrayLike<number>,
): LogisticState {
  checkTrainingInput(X, y, sampleWeight);
  const C = opts.C ?? 1;
  if (!(C > 0)) throw new AppError(ML_ERRORS.INVALID_OPTION, 'logistic regression needs C > 0');
  const n = X.rows;
  const p = X.cols;
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i]!)) {
      throw new AppError(
        ML_ERRORS.INVALID_VALUE,
        `missing or infinite value in column ${i % p}: impute before logistic regression`,
      );
    }
  }
  const std =
    opts.standardize === false
      ? { means: new Array<number>(p).fill(0), scales: new Array<number>(p).fill(1) }
      : fitStandardizer(X);
  const cw = classWeights(y, opts.classWeight);
  const w = new Float64Array(n);
  let npos = 0;
  for (let i = 0; i < n; i++) {
    w[i] = C * (sampleWeight ? sampleWeight[i]! : 1) * cw[y[i]!]!;
    if (y[i] === 1 && w[i]! > 0) npos++;
  }
  if (npos === 0 || npos === n)
    throw new AppError(ML_ERRORS.SINGLE_CLASS, 'logistic regression needs both classes');
  // Z: standardised design with a leading 1 column (intercept).
  const q = p + 1;
  const Z = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    Z[i * q] = 1;
    for (let j = 0; j < p; j++) Z[i * q + j + 1] = (X.data[i * p + j]! - std.means[j]!) / std.scales[j]!;
  }
  const beta = new Float64Array(q);
  const margin = new Float64Array(n);
  const objective = (b: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < q; j++) z += Z[i * q + j]! * b[j]!;
      f += w[i]! * (log1pExp(z) - (y[i] === 1 ? z : 0));
    }
    for (let j = 1; j < q; j++) f += 0.5 * b[j]! * b[j]!;
    return f;
  };
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  const grad = new Float64Array(q);
  const H = new Float64Array(q * q);
  const trial = new Float64Array(q);
  let f = objective(beta);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    grad.fill(0);
    H.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < q; j++) z += Z[i * q + j]! * beta[j]!;
      margin[i] = z;
      const pr = 1 / (1 + Math.exp(-z));
      const r = w[i]! * (pr - (y[i] === 1 ? 1 : 0));
      const h = w[i]! * pr * (1 - pr);
      const off = i * q;
      for (let a = 0; a < q; a++) {
        const za = Z[off + a]!;
        grad[a]! += r * za;
        const hz = h * za;
        for (let c = 0; c <= a; c++) H[a * q + c]! += hz * Z[off + c]!;
      }
    }
    let gmax = 0;
    for (let j = 0; j < q; j++) {
      if (j > 0) {
        grad[j]! += beta[j]!;
        H[j * q + j]! += 1;
      }
      gmax = Math.max(gmax, Math.abs(grad[j]!));
    }
    if (gmax < tol) break;
    for (let a = 0; a < q; a++) for (let c = a + 1; c < q; c++) H[a * q + c] = H[c * q + a]!;
    const dir = Float64Array.from(grad);
    if (!choleskySolve(H, dir, q)) {
      throw new AppError(
        ML_ERRORS.INVALID_VALUE,
        'logistic regression Hessian is singular (all weights zero?)',
      );
    }
    let step = 1;
    let accepted = false;
    while (step > 1e-12) {
      for (let j = 0; j < q; j++) trial[j] = beta[j]! - step * dir[j]!;
      const ft = objective(trial);
      if (ft <= f) {
        beta.set(trial);
        accepted = ft < f || step === 1;
        f = ft;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return {
    kind: 'logistic',
    n_features: p,
    coef: Array.from(beta.subarray(1)),
    intercept: beta[0]!,
    means: [...std.means],
    scales: [...std.scales],
    C,
    n_iter: iter,
  };
}

/** Raw margin (log-odds) of one row at `row[offset ..]`; zero allocation. NaN input gives NaN. */
export function predictRowLogistic(state: LogisticState, row: ArrayLike<number>, offset = 0): number {
  const { coef, means, scales } = state;
  let z = state.intercept;
  for (let j = 0; j < coef.length; j++) z += (coef[j]! * (row[offset + j]! - means[j]!)) / scales[j]!;
  return z;
}

export function predictRawLogistic(state: LogisticState, X: Matrix): Float64Array {
  checkFeatureCount(X, state.n_features);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = predictRowLogistic(state, X.data, i * X.cols);
  return out;
}

export function predictProbaLogistic(state: LogisticState, X: Matrix): Float64Array {
  const raw = predictRawLogistic(state, X);
  for (let i = 0; i < raw.length; i++) raw[i] = 1 / (1 + Math.exp(-raw[i]!));
  return raw;
}

/**
 * Exact additive contributions in log-odds: out[j] = coef_j·(x_j − mean_j)/scale_j for j < n_features,
 * and out[n_features] = intercept (the bias: the margin of a row equal to the training means).
 * Σ out = predictRowLogistic(state, row). Pass `out` (length n_features + 1) to avoid allocation.
 */
export function contributionsLogistic(
  state: LogisticState,
  row: ArrayLike<number>,
  offset = 0,
  out = new Float64Array(state.n_features + 1),
): Float64Array {
  const { coef, means, scales } = state;
  for (let j = 0; j < coef.length; j++) out[j] = (coef[j]! * (row[offset + j]! - means[j]!)) / scales[j]!;
  out[coef.length] = state.intercept;
  return out;
}
