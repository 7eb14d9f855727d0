/**
 * Binary classification metrics, matching scikit-learn 1.2 (golden fixtures in __golden__/metrics.json).
 *
 * Conventions:
 * - `yTrue` holds 0/1; `yScore` a score or probability per row; `sampleWeight` (optional) non-negative.
 * - A row is predicted positive when `score >= threshold` (the same rule serving uses).
 * - Empty input throws ML_EMPTY_INPUT; NaN scores or labels other than 0/1 throw ML_INVALID_VALUE.
 * - Ranking metrics need both classes: `rocAuc` throws ML_SINGLE_CLASS unless both are present,
 *   `averagePrecision`/`precisionRecallCurve` throw it when there is no positive (as sklearn's are
 *   undefined there). `metricOrNull` turns that error into `null` (for small groups in reports).
 * - Ratios with a zero denominator (precision with no predicted positive, recall with no positive,
 *   F-beta when precision and recall are both 0) are 0, as sklearn's `zero_division="warn"` returns.
 */
import { AppError, isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import { createRng } from './rng.js';

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Every metric the reports use, at one threshold; model/types `MetricName` is this key set. */
export interface MetricSet {
  roc_auc: number;
  pr_auc: number;
  precision: number;
  recall: number;
  f1: number;
  f2: number;
  accuracy: number;
  brier: number;
  ece: number;
  log_loss: number;
}
export type MetricKey = keyof MetricSet;
export const METRIC_KEYS: readonly MetricKey[] = [
  'roc_auc',
  'pr_auc',
  'precision',
  'recall',
  'f1',
  'f2',
  'accuracy',
  'brier',
  'ece',
  'log_loss',
];
/** The headline metrics people compare across models (registry list/changelog, the API's /models). */
export const HEADLINE_METRIC_KEYS: readonly MetricKey[] = [
  'roc_auc',
  'pr_auc',
  'precision',
  'recall',
  'f1',
  'brier',
];

/** A metric over labels, scores and optional weights (every metric here has this shape). */
export type MetricFn = (
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
) => number;

export interface CurvePoints {
  /** False positives (weighted) at each distinct threshold, thresholds in decreasing order. */
  fps: Float64Array;
  tps: Float64Array;
  thresholds: Float64Array;
}

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /** sklearn 1.2 convention: the first threshold is max(score) + 1 (the "flag nobody" point). */
  thresholds: Float64Array;
}

export interface PrCurve {
  /** sklearn 1.2 order: thresholds increasing, recall decreasing, ends with precision 1 and recall 0. */
  precision: Float64Array;
  recall: Float64Array;
  thresholds: Float64Array;
}

function checkInputs(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, w?: ArrayLike<number>): void {
  const n = yTrue.length;
  if (n === 0) throw new AppError(ML_ERRORS.EMPTY_INPUT, 'metric received no rows');
  if (yScore.length !== n)
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${n} labels but ${yScore.length} scores`);
  if (w && w.length !== n)
    throw new AppError(ML_ERRORS.SHAPE_MISMATCH, `${n} labels but ${w.length} weights`);
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (y !== 0 && y !== 1) throw new AppError(ML_ERRORS.INVALID_VALUE, `label at row ${i} is not 0 or 1`);
    if (Number.isNaN(yScore[i])) throw new AppError(ML_ERRORS.INVALID_VALUE, `score at row ${i} is NaN`);
    if (w && !(w[i]! >= 0))
      throw new AppError(ML_ERRORS.INVALID_VALUE, `weight at row ${i} is negative or NaN`);
  }
}

/** Row indices sorted by decreasing score; ties keep a fixed order (stable). */
export function orderByScoreDesc(yScore: ArrayLike<number>): Uint32Array {
  const n = yScore.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // Sorting indices by score; ties do not matter for any metric (they form one threshold group).
  idx.sort((a, b) => yScore[b]! - yScore[a]! || a - b);
  return idx;
}

/**
 * Cumulative (weighted) true/false positives at each distinct score, as sklearn `_binary_clf_curve`
 * (zero-weight rows are dropped first, like sklearn). `order` may be passed to skip the sort.
 */
export function binaryCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
  order?: Uint32Array,
): CurvePoints {
  const ord = order ?? orderByScoreDesc(yScore);
  const buf = {
    fps: new Float64Array(ord.length),
    tps: new Float64Array(ord.length),
    thresholds: new Float64Array(ord.length),
  };
  const k = binaryCurveInto(yTrue, yScore, sampleWeight, ord, buf);
  return { fps: buf.fps.slice(0, k), tps: buf.tps.slice(0, k), thresholds: buf.thresholds.slice(0, k) };
}

/** binaryCurve into preallocated arrays (length ≥ rows); returns the number of points written. */
function binaryCurveInto(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight: ArrayLike<number> | undefined,
  ord: Uint32Array,
  out: CurvePoints,
): number {
  const { fps, tps, thresholds: thr } = out;
  const n = ord.length;
  let k = 0;
  let tp = 0;
  let fp = 0;
  let started = false;
  let last = 0;
  for (let r = 0; r < n; r++) {
    const i = ord[r]!;
    const w = sampleWeight ? sampleWeight[i]! : 1;
    if (w === 0) continue;
    const s = yScore[i]!;
    if (started && s !== last) {
      fps[k] = fp;
      tps[k] = tp;
      thr[k] = last;
      k++;
    }
    if (yTrue[i] === 1) tp += w;
    else fp += w;
    last = s;
    started = true;
  }
  if (started) {
    fps[k] = fp;
    tps[k] = tp;
    thr[k] = last;
    k++;
  }
  return k;
}

/** ROC-AUC (sklearn `roc_auc_score`, binary): trapezoidal area, tied scores form one step. */
export function rocAuc(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): number {
  checkInputs(yTrue, yScore, sampleWeight);
  return aucFromCurve(binaryCurve(yTrue, yScore, sampleWeight));
}

function aucFromCurve(c: CurvePoints, k = c.tps.length): number {
  const P = k > 0 ? c.tps[k - 1]! : 0;
  const N = k > 0 ? c.fps[k - 1]! : 0;
  if (!(P > 0) || !(N > 0)) {
    throw new AppError(ML_ERRORS.SINGLE_CLASS, 'ROC-AUC needs both positive and negative examples');
  }
  let area = 0;
  let px = 0;
  let py = 0;
  for (let j = 0; j < k; j++) {
    const x = c.fps[j]! / N;
    const y = c.tps[j]! / P;
    area += ((x - px) * (y + py)) / 2;
    px = x;
    py = y;
  }
  return area;
}

/** Average precision (sklearn `average_precision_score`): Σ (R_k − R_{k−1}) · P_k, no interpolation. */
export function averagePrecision(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): number {
  checkInputs(yTrue, yScore, sampleWeight);
  return apFromCurve(binaryCurve(yTrue, yScore, sampleWeight));
}

/**
 * ROC-AUC and average precision of one resample of the rows, for bootstraps: `weights` are the rows'
 * multiplicities and `order` is orderByScoreDesc of yScore, computed once for every resample. Two
 * passes, no validation and no allocation: the totals, then binaryCurve's points (the same cumulative
 * counts at the same distinct scores) fed straight into aucFromCurve's and apFromCurve's sums, so the
 * same values to the last bit. NaN where those throw ML_SINGLE_CLASS.
 */
export function rankingResample(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  weights: ArrayLike<number>,
  order: Uint32Array,
): { roc_auc: number; pr_auc: number } {
  // The totals, summed in the order binaryCurve sums them (its last point).
  let P = 0;
  let N = 0;
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    const w = weights[i]!;
    if (w === 0) continue;
    if (yTrue[i] === 1) P += w;
    else N += w;
  }
  const auc = P > 0 && N > 0;
  const ap = P > 0;
  if (!ap) return { roc_auc: Number.NaN, pr_auc: Number.NaN };
  let area = 0;
  let px = 0;
  let py = 0;
  let sum = 0;
  let prevTp = 0;
  let tp = 0;
  let fp = 0;
  let started = false;
  let last = 0;
  const point = () => {
    if (auc) {
      const x = fp / N;
      const y = tp / P;
      area += ((x - px) * (y + py)) / 2;
      px = x;
      py = y;
    }
    if (tp !== prevTp) {
      sum += ((tp - prevTp) / P) * (tp / (tp + fp));
      prevTp = tp;
    }
  };
  for (let r = 0; r < order.length; r++) {
    const i = order[r]!;
    const w = weights[i]!;
    if (w === 0) continue;
    const s = yScore[i]!;
    if (started && s !== last) point();
    if (yTrue[i] === 1) tp += w;
    else fp += w;
    last = s;
    started = true;
  }
  point();
  return { roc_auc: auc ? area : Number.NaN, pr_auc: sum };
}

/** The average precision of rankingResample (the selection rule's bootstrap). */
export function averagePrecisionResample(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  weights: ArrayLike<number>,
  order: Uint32Array,
): number {
  return rankingResample(yTrue, yScore, weights, order).pr_auc;
}

function apFromCurve(c: CurvePoints, k = c.tps.length): number {
  const P = k > 0 ? c.tps[k - 1]! : 0;
  if (!(P > 0)) throw new AppError(ML_ERRORS.SINGLE_CLASS, 'average precision needs at least one positive');
  let ap = 0;
  let prevTp = 0;
  for (let j = 0; j < k; j++) {
    const tp = c.tps[j]!;
    if (tp !== prevTp) {
      ap += ((tp - prevTp) / P) * (tp / (tp + c.fps[j]!));
      prevTp = tp;
    }
  }
  return ap;
}

/** ROC curve points (sklearn `roc_curve`, drop_intermediate=true by default). */
export function rocCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  opts: { dropIntermediate?: boolean; sampleWeight?: ArrayLike<number> } = {},
): RocCurve {
  checkInputs(yTrue, yScore, opts.sampleWeight);
  const c = binaryCurve(yTrue, yScore, opts.sampleWeight);
  let keep: number[] = [];
  const k = c.tps.length;
  if ((opts.dropIntermediate ?? true) && k > 2) {
    // Keep the ends and every point where the curve bends (second difference ≠ 0), as sklearn.
    keep.push(0);
    for (let j = 1; j < k - 1; j++) {
      const d2f = c.fps[j + 1]! - 2 * c.fps[j]! + c.fps[j - 1]!;
      const d2t = c.tps[j + 1]! - 2 * c.tps[j]! + c.tps[j - 1]!;
      if (d2f !== 0 || d2t !== 0) keep.push(j);
    }
    keep.push(k - 1);
  } else {
    keep = Array.from({ length: k }, (_, j) => j);
  }
  const m = keep.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thresholds = new Float64Array(m);
  const N = c.fps[k - 1]!;
  const P = c.tps[k - 1]!;
  thresholds[0] = c.thresholds[0]! + 1;
  for (let q = 0; q < keep.length; q++) {
    const j = keep[q]!;
    fpr[q + 1] = N > 0 ? c.fps[j]! / N : Number.NaN;
    tpr[q + 1] = P > 0 ? c.tps[j]! / P : Number.NaN;
    thresholds[q + 1] = c.thresholds[j]!;
  }
  if (!(N > 0) || !(P > 0)) {
    throw new AppError(ML_ERRORS.SINGLE_CLASS, 'ROC curve needs both positive and negative examples');
  }
  return { fpr, tpr, thresholds };
}

/** Precision–recall curve (sklearn `precision_recall_curve`). */
export function precisionRecallCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): PrCurve {
  checkInputs(yTrue, yScore, sampleWeight);
  const c = binaryCurve(yTrue, yScore, sampleWeight);
  const k = c.tps.length;
  const P = c.tps[k - 1]!;
  if (!(P > 0))
    throw new AppError(ML_ERRORS.SINGLE_CLASS, 'precision-recall curve needs at least one positive');
  // All thresholds, reversed so that recall decreases (sklearn ≥ 1.1 no longer stops at full recall).
  const m = k;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const thresholds = new Float64Array(m);
  for (let q = 0; q < m; q++) {
    const j = k - 1 - q;
    const ps = c.tps[j]! + c.fps[j]!;
    precision[q] = ps > 0 ? c.tps[j]! / ps : 0;
    recall[q] = c.tps[j]! / P;
    thresholds[q] = c.thresholds[j]!;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds };
}

/** Confusion counts (weighted when weights are given) with "positive iff score ≥ threshold". */
export function confusionAt(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  threshold: number,
  sampleWeight?: ArrayLike<number>,
): Confusion {
  checkInputs(yTrue, yScore, sampleWeight);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    const pos = yScore[i]! >= threshold;
    if (yTrue[i] === 1) {
      if (pos) tp += w;
      else fn += w;
    } else if (pos) fp += w;
    else tn += w;
  }
  return { tp, fp, tn, fn };
}

export function precisionOf(c: Confusion): number {
  const d = c.tp + c.fp;
  return d > 0 ? c.tp / d : 0;
}
export function recallOf(c: Confusion): number {
  const d = c.tp + c.fn;
  return d > 0 ? c.tp / d : 0;
}
export function accuracyOf(c: Confusion): number {
  const d = c.tp + c.fp + c.tn + c.fn;
  return d > 0 ? (c.tp + c.tn) / d : 0;
}
/** F-beta = (1+β²)·TP / ((1+β²)·TP + β²·FN + FP), as sklearn `fbeta_score`; 0 when undefined. */
export function fbetaOf(c: Confusion, beta: number): number {
  const b2 = beta * beta;
  const d = (1 + b2) * c.tp + b2 * c.fn + c.fp;
  return d > 0 && c.tp > 0 ? ((1 + b2) * c.tp) / d : 0;
}

/** Brier score: weighted mean of (p − y)². */
export function brierScore(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
): number {
  checkInputs(yTrue, yProb, sampleWeight);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    const d = yProb[i]! - yTrue[i]!;
    s += w * d * d;
    sw += w;
  }
  return s / sw;
}

/**
 * Log-loss as sklearn 1.2 `log_loss` (eps="auto": probabilities clipped to [ε, 1−ε] with ε = 2⁻⁵²),
 * weighted mean over rows.
 */
export function logLoss(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
  eps = Number.EPSILON,
): number {
  checkInputs(yTrue, yProb, sampleWeight);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    const p = Math.min(Math.max(yProb[i]!, eps), 1 - eps);
    s -= w * (yTrue[i] === 1 ? Math.log(p) : Math.log(1 - p));
    sw += w;
  }
  return s / sw;
}

export interface CalibrationBins {
  /** Mean label per non-empty bin (sklearn `calibration_curve` prob_true). */
  probTrue: Float64Array;
  /** Mean probability per non-empty bin (prob_pred). */
  probPred: Float64Array;
  /** Rows per non-empty bin. */
  counts: Float64Array;
  /** Index (0..nBins−1) of each non-empty bin. */
  bins: Uint32Array;
}

/** Bin of p: the number of inner edges i·step strictly below p (numpy searchsorted, side "left"). */
function calibrationBin(p: number, nBins: number, step: number): number {
  let b = Math.min(nBins - 1, Math.floor(p * nBins));
  while (b > 0 && b * step >= p) b--;
  while (b < nBins - 1 && (b + 1) * step < p) b++;
  return b;
}

/**
 * Equal-width reliability bins, exactly sklearn `calibration_curve(strategy="uniform")`: edges
 * i·(1/nBins); a probability on an inner edge falls in the lower bin; empty bins are omitted.
 * Probabilities must lie in [0, 1] (ML_INVALID_VALUE otherwise).
 */
export function calibrationCurve(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  nBins = 10,
  sampleWeight?: ArrayLike<number>,
): CalibrationBins {
  checkInputs(yTrue, yProb, sampleWeight);
  const step = 1 / nBins;
  const sumP = new Float64Array(nBins);
  const sumY = new Float64Array(nBins);
  const cnt = new Float64Array(nBins);
  for (let i = 0; i < yTrue.length; i++) {
    const p = yProb[i]!;
    if (p < 0 || p > 1)
      throw new AppError(ML_ERRORS.INVALID_VALUE, `probability at row ${i} is outside [0, 1]`);
    const b = calibrationBin(p, nBins, step);
    const w = sampleWeight ? sampleWeight[i]! : 1;
    sumP[b]! += w * p;
    sumY[b]! += w * yTrue[i]!;
    cnt[b]! += w;
  }
  const bins: number[] = [];
  for (let b = 0; b < nBins; b++) if (cnt[b]! > 0) bins.push(b);
  const out: CalibrationBins = {
    probTrue: new Float64Array(bins.length),
    probPred: new Float64Array(bins.length),
    counts: new Float64Array(bins.length),
    bins: Uint32Array.from(bins),
  };
  bins.forEach((b, q) => {
    out.probTrue[q] = sumY[b]! / cnt[b]!;
    out.probPred[q] = sumP[b]! / cnt[b]!;
    out.counts[q] = cnt[b]!;
  });
  return out;
}

/**
 * Expected calibration error: Σ_b (n_b / N) · |mean(y)_b − mean(p)_b| over the 10 equal-width bins of
 * `calibrationCurve` (weighted by bin counts; empty bins contribute nothing).
 */
export function expectedCalibrationError(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  sampleWeight?: ArrayLike<number>,
  nBins = 10,
): number {
  const c = calibrationCurve(yTrue, yProb, nBins, sampleWeight);
  let total = 0;
  let e = 0;
  for (let q = 0; q < c.counts.length; q++) {
    total += c.counts[q]!;
    e += c.counts[q]! * Math.abs(c.probTrue[q]! - c.probPred[q]!);
  }
  return e / total;
}

/**
 * Every report metric at `threshold` on probabilities `yProb`. `roc_auc` and `pr_auc` are NaN (not
 * thrown) when only one class is present, so reports on small groups still get the other metrics.
 */
export function evaluateAt(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold: number,
  sampleWeight?: ArrayLike<number>,
): { metrics: MetricSet; confusion: Confusion } {
  const confusion = confusionAt(yTrue, yProb, threshold, sampleWeight);
  const curve = binaryCurve(yTrue, yProb, sampleWeight);
  const metrics: MetricSet = {
    roc_auc: metricOrNaN(() => aucFromCurve(curve)),
    pr_auc: metricOrNaN(() => apFromCurve(curve)),
    precision: precisionOf(confusion),
    recall: recallOf(confusion),
    f1: fbetaOf(confusion, 1),
    f2: fbetaOf(confusion, 2),
    accuracy: accuracyOf(confusion),
    brier: brierScore(yTrue, yProb, sampleWeight),
    ece: expectedCalibrationError(yTrue, yProb, sampleWeight),
    log_loss: logLoss(yTrue, yProb, sampleWeight),
  };
  return { metrics, confusion };
}

function metricOrNaN(f: () => number): number {
  try {
    return f();
  } catch (err) {
    if (isAppError(err) && err.spec === ML_ERRORS.SINGLE_CLASS) return Number.NaN;
    throw err;
  }
}

/** Runs a metric and returns null instead of throwing ML_SINGLE_CLASS (other errors propagate). */
export function metricOrNull(f: () => number): number | null {
  const v = metricOrNaN(f);
  return Number.isNaN(v) ? null : v;
}

/** Percentile with linear interpolation between order statistics (numpy's default `percentile`). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return frac === 0 ? a : a + (b - a) * frac;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  n?: number;
  seed?: number;
  /** Two-sided level: the interval is [alpha/2, 1 − alpha/2] percentiles (default 0.05 → 95%). */
  alpha?: number;
  /**
   * Resample positives and negatives separately, keeping each class's count (default false). Use it for
   * small sets so that every resample has both classes.
   */
  stratified?: boolean;
}

export interface BootstrapResult {
  /** The metric on the full data. */
  value: number;
  /** Percentile interval; null when fewer than 2 resamples gave a defined value. */
  ci_low: number | null;
  ci_high: number | null;
  /** Resamples where the metric was defined (others — e.g. one class drawn — are skipped). */
  n_valid: number;
  n: number;
}

/** Draws one resample as integer multiplicities per row (the resample = each row repeated count times). */
function drawCounts(
  counts: Float64Array,
  yTrue: ArrayLike<number>,
  strata: Uint32Array[] | null,
  next: () => number,
): void {
  counts.fill(0);
  if (strata) {
    for (const rows of strata) {
      const m = rows.length;
      for (let k = 0; k < m; k++) counts[rows[Math.floor(next() * m)]!]! += 1;
    }
  } else {
    const n = yTrue.length;
    for (let k = 0; k < n; k++) counts[Math.floor(next() * n)]! += 1;
  }
}

function strataOf(yTrue: ArrayLike<number>): Uint32Array[] {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < yTrue.length; i++) (yTrue[i] === 1 ? pos : neg).push(i);
  return [Uint32Array.from(neg), Uint32Array.from(pos)].filter((s) => s.length > 0);
}

function summarise(value: number, samples: number[], n: number, alpha: number): BootstrapResult {
  samples.sort((a, b) => a - b);
  const ok = samples.length >= 2;
  return {
    value,
    ci_low: ok ? percentile(samples, (100 * alpha) / 2) : null,
    ci_high: ok ? percentile(samples, 100 * (1 - alpha / 2)) : null,
    n_valid: samples.length,
    n,
  };
}

/**
 * Percentile bootstrap interval of any metric. A resample is represented by integer row multiplicities
 * passed as `sampleWeight` to `metricFn` (equivalent to duplicating rows, and O(n) instead of copying),
 * so `metricFn` must honour sample weights — every metric in this module does. Resamples where the metric
 * throws ML_SINGLE_CLASS or returns NaN are skipped and reported in `n_valid`.
 */
export function bootstrapCI(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  metricFn: MetricFn,
  opts: BootstrapOptions = {},
): BootstrapResult {
  checkInputs(yTrue, yScore);
  const n = opts.n ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  const rng = createRng(opts.seed ?? 0);
  const strata = opts.stratified ? strataOf(yTrue) : null;
  const counts = new Float64Array(yTrue.length);
  const samples: number[] = [];
  for (let b = 0; b < n; b++) {
    drawCounts(counts, yTrue, strata, rng.next);
    const v = metricOrNaN(() => metricFn(yTrue, yScore, counts));
    if (!Number.isNaN(v)) samples.push(v);
  }
  return summarise(metricFn(yTrue, yScore), samples, n, alpha);
}

/**
 * All report metrics at `threshold` with bootstrap intervals from the same resamples (one sort of the
 * scores for all of them). Point values equal `evaluateAt`; a metric undefined on the full data has
 * value NaN and null bounds.
 */
export function bootstrapMetrics(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold: number,
  opts: BootstrapOptions = {},
): { metrics: Record<MetricKey, BootstrapResult>; confusion: Confusion } {
  const full = evaluateAt(yTrue, yProb, threshold);
  const n = opts.n ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  const rng = createRng(opts.seed ?? 0);
  const strata = opts.stratified ? strataOf(yTrue) : null;
  const order = orderByScoreDesc(yProb);
  const counts = new Float64Array(yTrue.length);
  const samples: Record<MetricKey, number[]> = Object.fromEntries(
    METRIC_KEYS.map((k) => [k, []]),
  ) as unknown as Record<MetricKey, number[]>;
  // Per-row terms computed once; each resample is then one weighted pass (no logs, no validation).
  const rows = yTrue.length;
  const eps = Number.EPSILON;
  const rowLoss = new Float64Array(rows);
  const rowSq = new Float64Array(rows);
  const rowBin = new Uint8Array(rows);
  const rowPos = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const pr = yProb[i]!;
    const pc = Math.min(Math.max(pr, eps), 1 - eps);
    rowLoss[i] = -(yTrue[i] === 1 ? Math.log(pc) : Math.log(1 - pc));
    rowSq[i] = (pr - yTrue[i]!) * (pr - yTrue[i]!);
    rowBin[i] = calibrationBin(pr, 10, 1 / 10);
    rowPos[i] = pr >= threshold ? 1 : 0;
  }
  const binP = new Float64Array(10);
  const binY = new Float64Array(10);
  for (let b = 0; b < n; b++) {
    drawCounts(counts, yTrue, strata, rng.next);
    const ranking = rankingResample(yTrue, yProb, counts, order);
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    let sw = 0;
    let sq = 0;
    let sl = 0;
    binP.fill(0);
    binY.fill(0);
    for (let i = 0; i < rows; i++) {
      const w = counts[i]!;
      if (w === 0) continue;
      const pos = yTrue[i] === 1;
      if (rowPos[i] === 1) {
        if (pos) tp += w;
        else fp += w;
      } else if (pos) fn += w;
      else tn += w;
      sw += w;
      sq += w * rowSq[i]!;
      sl += w * rowLoss[i]!;
      binP[rowBin[i]!]! += w * yProb[i]!;
      if (pos) binY[rowBin[i]!]! += w;
    }
    let ece = 0;
    for (let q = 0; q < 10; q++) ece += Math.abs(binY[q]! - binP[q]!);
    const c = { tp, fp, tn, fn };
    // A resample with one class (common in small groups) has no ROC-AUC / PR-AUC: NaN, as metricOrNaN
    // would give, without building and catching an error per resample.
    const vals: MetricSet = {
      roc_auc: ranking.roc_auc,
      pr_auc: ranking.pr_auc,
      precision: precisionOf(c),
      recall: recallOf(c),
      f1: fbetaOf(c, 1),
      f2: fbetaOf(c, 2),
      accuracy: accuracyOf(c),
      brier: sq / sw,
      ece: ece / sw,
      log_loss: sl / sw,
    };
    for (const k of METRIC_KEYS) if (!Number.isNaN(vals[k])) samples[k].push(vals[k]);
  }
  const metrics = Object.fromEntries(
    METRIC_KEYS.map((k) => {
      const r = summarise(full.metrics[k], samples[k], n, alpha);
      return [k, Number.isNaN(r.value) ? { ...r, ci_low: null, ci_high: null } : r];
    }),
  ) as Record<MetricKey, BootstrapResult>;
  return { metrics, confusion: full.confusion };
}
