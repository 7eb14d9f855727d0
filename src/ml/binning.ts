/**
 * Feature binning for the tree learners, as sklearn's `_BinMapper` (max_bins ≤ 255): per feature, the
 * thresholds are the midpoints between distinct non-missing values when there are at most `maxBins` of
 * them, otherwise the `maxBins − 1` inner percentiles (numpy method "midpoint"). Value x goes to bin k
 * when thresholds[k−1] < x ≤ thresholds[k]; NaN goes to the dedicated missing bin `MISSING_BIN` (255).
 */
import { AppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import type { Matrix } from './matrix.js';

export const MISSING_BIN = 255;
/** sklearn clips thresholds to this so that +inf is only used for "split on missing". */
export const ALMOST_INF = 1e300;

export interface BinMapper {
  /** Per feature: increasing thresholds (length = bins without missing − 1). */
  thresholds: Float64Array[];
  /** Per feature: number of non-missing bins (= thresholds + 1). */
  nBins: Uint16Array;
  /** Per feature: 1 when the training data had a missing value. */
  hasMissing: Uint8Array;
}

/** A binned matrix stored column-major (bins[f * rows + i]) for cache-friendly histogram building. */
export interface BinnedMatrix {
  bins: Uint8Array;
  rows: number;
  cols: number;
}

function midpointPercentiles(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const out = new Float64Array(maxBins - 1);
  const step = 100 / maxBins;
  for (let k = 1; k < maxBins; k++) {
    const q = (k * step) / 100;
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const a = sorted[lo]!;
    const b = sorted[hi]!;
    // numpy "midpoint": lerp with t = 0.5 computed as b − (b − a)·0.5 (or a when the index is integral).
    out[k - 1] = lo === hi ? a : b - (b - a) * 0.5;
  }
  return out;
}

export function fitBinMapper(X: Matrix, maxBins = 255): BinMapper {
  if (!(maxBins >= 2 && maxBins <= 255))
    throw new AppError(ML_ERRORS.INVALID_OPTION, 'max_bins must be in [2, 255]');
  const { rows: n, cols: p } = X;
  const thresholds: Float64Array[] = [];
  const nBins = new Uint16Array(p);
  const hasMissing = new Uint8Array(p);
  const buf = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = X.data[i * p + j]!;
      if (Number.isNaN(v)) hasMissing[j] = 1;
      else buf[m++] = v;
    }
    const sorted = buf.slice(0, m).sort();
    let distinct = 0;
    for (let i = 0; i < m; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i]!;
    let thr: Float64Array;
    if (distinct <= maxBins) {
      thr = new Float64Array(Math.max(0, distinct - 1));
      for (let k = 0; k + 1 < distinct; k++) thr[k] = (sorted[k]! + sorted[k + 1]!) * 0.5;
    } else {
      const all = buf.slice(0, m).sort();
      thr = midpointPercentiles(all, maxBins);
    }
    for (let k = 0; k < thr.length; k++) if (thr[k]! > ALMOST_INF) thr[k] = ALMOST_INF;
    thresholds.push(thr);
    nBins[j] = thr.length + 1;
  }
  return { thresholds, nBins, hasMissing };
}

/** Bin index of a value for feature thresholds `thr`. */
export function binOf(thr: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = thr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= thr[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Column-major bins of X (bins[f * rows + i]) for the tree learners, with the missing bin of feature f
 * stored as nBins[f] instead of MISSING_BIN, so that a feature's histogram needs only nBins[f] + 1 slots.
 */
export function binColumns(mapper: BinMapper, X: Matrix): Uint8Array {
  const { rows: n, cols: p } = X;
  if (p !== mapper.thresholds.length) {
    throw new AppError(
      ML_ERRORS.SHAPE_MISMATCH,
      `matrix has ${p} columns, bins were fitted on ${mapper.thresholds.length}`,
    );
  }
  const bins = new Uint8Array(n * p);
  for (let f = 0; f < p; f++) {
    const thr = mapper.thresholds[f]!;
    const missing = mapper.nBins[f]!;
    for (let i = 0; i < n; i++) {
      const b = binOf(thr, X.data[i * p + f]!);
      bins[f * n + i] = b === MISSING_BIN ? missing : b;
    }
  }
  return bins;
}

/** binColumns with missing values in MISSING_BIN, as sklearn's `_BinMapper.transform`. */
export function binMatrix(mapper: BinMapper, X: Matrix): BinnedMatrix {
  const { rows: n, cols: p } = X;
  const bins = binColumns(mapper, X);
  for (let f = 0; f < p; f++) {
    const missing = mapper.nBins[f]!;
    for (let i = f * n; i < (f + 1) * n; i++) if (bins[i] === missing) bins[i] = MISSING_BIN;
  }
  return { bins, rows: n, cols: p };
}

/**
 * The real-valued threshold of a split "bin ≤ b goes left": thresholds[b], or ALMOST_INF when b is the
 * last non-missing bin (a split that separates only the missing values).
 */
export function splitThreshold(mapper: BinMapper, feature: number, bin: number): number {
  const thr = mapper.thresholds[feature]!;
  return bin < thr.length ? thr[bin]! : ALMOST_INF;
}
