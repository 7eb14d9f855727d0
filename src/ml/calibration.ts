/**
 * Probability calibration on a held-out set: isotonic regression (sklearn `IsotonicRegression(
 * out_of_bounds="clip")`) and Platt scaling (sklearn `_sigmoid_calibration`). Each has a fit returning a
 * JSON-serialisable state and an apply function. Pass the learner's raw score (log-odds for GBDT and
 * logistic regression, the mean leaf probability for the forest) or any monotone score.
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';

export interface IsotonicState {
  kind: 'isotonic';
  /** Knots (increasing scores) and fitted values; apply = linear interpolation, clipped at the ends. */
  x: number[];
  y: number[];
}

export interface PlattState {
  kind: 'platt';
  /** p = 1 / (1 + exp(a·score + b)) (sklearn's sign convention: a is negative for a useful score). */
  a: number;
  b: number;
}

export type CalibratorState = IsotonicState | PlattState;

function checkCalibrationInput(scores: ArrayLike<number>, y: ArrayLike<number>, w?: ArrayLike<number>): void {
  const n = scores.length;
  if (n === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'calibration received no rows');
  if (y.length !== n) throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${n} scores but ${y.length} labels`);
  if (w && w.length !== n)
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${n} scores but ${w.length} weights`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i]!))
      throw new AppError(ML_ERRORS.INVALID_VALUE, `score at row ${i} is not finite`);
    if (y[i] !== 0 && y[i] !== 1)
      throw new AppError(ML_ERRORS.INVALID_VALUE, `label at row ${i} is not 0 or 1`);
    if (w && !(w[i]! >= 0))
      throw new AppError(ML_ERRORS.INVALID_VALUE, `weight at row ${i} is negative or NaN`);
  }
}

/**
 * Weighted pool-adjacent-violators on `y` (in place), non-decreasing result. Blocks are merged while a
 * block's mean exceeds the next one's, as sklearn's `_inplace_contiguous_isotonic_regression`.
 */
export function pavaInPlace(y: Float64Array, w: Float64Array): void {
  const n = y.length;
  // Block j spans [start[j], start[j+1]) with mean val[j] and weight wt[j].
  const start = new Int32Array(n + 1);
  const val = new Float64Array(n);
  const wt = new Float64Array(n);
  let nb = 0;
  for (let i = 0; i < n; i++) {
    start[nb] = i;
    val[nb] = y[i]!;
    wt[nb] = w[i]!;
    nb++;
    while (nb > 1 && val[nb - 2]! >= val[nb - 1]!) {
      const ww = wt[nb - 2]! + wt[nb - 1]!;
      // A strict violation or a tie is pooled (sklearn pools on >=); pooling ties leaves values unchanged.
      val[nb - 2] = ww > 0 ? (wt[nb - 2]! * val[nb - 2]! + wt[nb - 1]! * val[nb - 1]!) / ww : val[nb - 2]!;
      wt[nb - 2] = ww;
      nb--;
    }
  }
  start[nb] = n;
  for (let j = 0; j < nb; j++) for (let i = start[j]!; i < start[j + 1]!; i++) y[i] = val[j]!;
}

/** Fits an increasing isotonic map from score to probability (ties in score are averaged first). */
export function fitIsotonic(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): IsotonicState {
  checkCalibrationInput(scores, y, sampleWeight);
  const rows: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!sampleWeight || sampleWeight[i]! > 0) rows.push(i);
  if (rows.length === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'every calibration row has zero weight');
  rows.sort((a, b) => scores[a]! - scores[b]! || y[a]! - y[b]!);
  // Merge equal scores (within 1e-15, numpy float64 `resolution`, as sklearn `_make_unique`).
  const ux: number[] = [];
  const uy: number[] = [];
  const uw: number[] = [];
  let cx = scores[rows[0]!]!;
  let cy = 0;
  let cw = 0;
  for (const i of rows) {
    const x = scores[i]!;
    const w = sampleWeight ? sampleWeight[i]! : 1;
    if (x >= cx + 1e-15) {
      ux.push(cx);
      uy.push(cy / cw);
      uw.push(cw);
      cx = x;
      cy = 0;
      cw = 0;
    }
    cy += y[i]! * w;
    cw += w;
  }
  ux.push(cx);
  uy.push(cy / cw);
  uw.push(cw);
  const fy = Float64Array.from(uy);
  pavaInPlace(fy, Float64Array.from(uw));
  // Keep only the knots where the fitted value changes (and the ends): interpolation is unchanged.
  const kx: number[] = [];
  const ky: number[] = [];
  const m = fy.length;
  for (let j = 0; j < m; j++) {
    if (j === 0 || j === m - 1 || fy[j] !== fy[j - 1] || fy[j] !== fy[j + 1]) {
      kx.push(ux[j]!);
      ky.push(fy[j]!);
    }
  }
  return { kind: 'isotonic', x: kx, y: ky };
}

/** Isotonic prediction for one score: clipped to the fitted range, linear between knots (np.interp). */
export function applyIsotonicOne(state: IsotonicState, score: number): number {
  const { x, y } = state;
  const m = x.length;
  if (Number.isNaN(score)) return Number.NaN;
  if (score <= x[0]!) return y[0]!;
  if (score >= x[m - 1]!) return y[m - 1]!;
  let lo = 0;
  let hi = m - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= score) lo = mid;
    else hi = mid;
  }
  const x0 = x[lo]!;
  const x1 = x[hi]!;
  if (score === x0) return y[lo]!;
  return y[lo]! + ((y[hi]! - y[lo]!) * (score - x0)) / (x1 - x0);
}

/**
 * Platt scaling with Platt's target smoothing (T+ = (N+ + 1)/(N+ + 2), T− = 1/(N− + 2)), solved to the
 * exact optimum by Newton's method with backtracking. sklearn stops its BFGS at gradient 1e-5, so its
 * (a, b) agree with ours to about 1e-4 and its probabilities to about 1e-5.
 */
export function fitPlatt(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): PlattState {
  checkCalibrationInput(scores, y, sampleWeight);
  const n = scores.length;
  let prior0 = 0;
  let prior1 = 0;
  for (let i = 0; i < n; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    if (y[i] === 1) prior1 += w;
    else prior0 += w;
  }
  const tPos = (prior1 + 1) / (prior1 + 2);
  const tNeg = 1 / (prior0 + 2);
  const objective = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const w = sampleWeight ? sampleWeight[i]! : 1;
      const t = y[i] === 1 ? tPos : tNeg;
      const z = a * scores[i]! + b;
      // −[t log P + (1−t) log(1−P)] with P = σ(−z), written stably: log P = −log(1+e^z).
      const log1pez = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      s += w * (t * log1pez + (1 - t) * (log1pez - z));
    }
    return s;
  };
  let a = 0;
  let b = Math.log((prior0 + 1) / (prior1 + 1));
  let f = objective(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < n; i++) {
      const w = sampleWeight ? sampleWeight[i]! : 1;
      const t = y[i] === 1 ? tPos : tNeg;
      const F = scores[i]!;
      const P = 1 / (1 + Math.exp(a * F + b));
      const d = w * (t - P);
      ga += d * F;
      gb += d;
      const h = w * P * (1 - P);
      haa += h * F * F;
      hab += h * F;
      hbb += h;
    }
    if (Math.abs(ga) + Math.abs(gb) < 1e-12 * Math.max(1, n)) break;
    // Small ridge keeps the 2×2 solve defined when all scores are equal.
    haa += 1e-12;
    hbb += 1e-12;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    let step = 1;
    let improved = false;
    while (step > 1e-10) {
      const fa = objective(a + step * da, b + step * db);
      if (fa <= f) {
        a += step * da;
        b += step * db;
        improved = fa < f;
        f = fa;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return { kind: 'platt', a, b };
}

export function applyPlattOne(state: PlattState, score: number): number {
  return 1 / (1 + Math.exp(state.a * score + state.b));
}

/** Calibrated probability of one score (zero allocation). */
export function calibrateOne(state: CalibratorState, score: number): number {
  return state.kind === 'isotonic' ? applyIsotonicOne(state, score) : applyPlattOne(state, score);
}

/** Calibrated probabilities of many scores. */
export function calibrate(state: CalibratorState, scores: ArrayLike<number>): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = calibrateOne(state, scores[i]!);
  return out;
}

/** Fits the named calibrator. */
export function fitCalibrator(
  kind: CalibratorState['kind'],
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): CalibratorState {
  return kind === 'isotonic' ? fitIsotonic(scores, y, sampleWeight) : fitPlatt(scores, y, sampleWeight);
}
