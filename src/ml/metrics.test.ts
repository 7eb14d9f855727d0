import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/error-base.js';
import { ML_ERRORS } from './errors.js';
import {
  accuracyOf,
  averagePrecision,
  averagePrecisionResample,
  bootstrapCI,
  bootstrapMetrics,
  brierScore,
  calibrationCurve,
  confusionAt,
  evaluateAt,
  expectedCalibrationError,
  fbetaOf,
  logLoss,
  metricOrNull,
  orderByScoreDesc,
  percentile,
  precisionOf,
  precisionRecallCurve,
  rankingResample,
  recallOf,
  rocAuc,
  rocCurve,
} from './metrics.js';
import { arr, loadGolden, maxAbsDiff } from './testing/golden.js';

const golden = loadGolden('metrics.json');
const TOL = 1e-9;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isAppError(err) ? err.code : 'not-an-AppError';
  }
  return undefined;
}

describe('metrics match scikit-learn golden values', () => {
  for (const c of golden.cases) {
    describe(c.name, () => {
      const y = arr(c.y);
      const s = arr(c.score);
      const w = c.weight ? arr(c.weight) : undefined;

      it('roc_auc_score and average_precision_score', () => {
        expect(Math.abs(rocAuc(y, s, w) - c.roc_auc)).toBeLessThan(TOL);
        expect(Math.abs(averagePrecision(y, s, w) - c.average_precision)).toBeLessThan(TOL);
      });

      it('roc_curve (with and without drop_intermediate)', () => {
        const r = rocCurve(y, s, { sampleWeight: w });
        expect(maxAbsDiff(r.fpr, c.roc_curve.fpr)).toBeLessThan(TOL);
        expect(maxAbsDiff(r.tpr, c.roc_curve.tpr)).toBeLessThan(TOL);
        expect(maxAbsDiff(r.thresholds, c.roc_curve.thresholds)).toBeLessThan(TOL);
        const full = rocCurve(y, s, { sampleWeight: w, dropIntermediate: false });
        expect(maxAbsDiff(full.fpr, c.roc_curve_full.fpr)).toBeLessThan(TOL);
        expect(maxAbsDiff(full.tpr, c.roc_curve_full.tpr)).toBeLessThan(TOL);
      });

      it('precision_recall_curve', () => {
        const pr = precisionRecallCurve(y, s, w);
        expect(maxAbsDiff(pr.precision, c.pr_curve.precision)).toBeLessThan(TOL);
        expect(maxAbsDiff(pr.recall, c.pr_curve.recall)).toBeLessThan(TOL);
        expect(maxAbsDiff(pr.thresholds, c.pr_curve.thresholds)).toBeLessThan(TOL);
      });

      if (c.brier !== undefined) {
        it('brier_score_loss, log_loss, calibration_curve and ECE', () => {
          expect(Math.abs(brierScore(y, s, w) - c.brier)).toBeLessThan(TOL);
          expect(Math.abs(logLoss(y, s, w) - c.log_loss)).toBeLessThan(TOL);
          expect(Math.abs(expectedCalibrationError(y, s, w) - c.ece)).toBeLessThan(TOL);
          if (c.calibration_curve) {
            const cc = calibrationCurve(y, s, 10);
            expect(maxAbsDiff(cc.probTrue, c.calibration_curve.prob_true)).toBeLessThan(TOL);
            expect(maxAbsDiff(cc.probPred, c.calibration_curve.prob_pred)).toBeLessThan(TOL);
          }
        });
      }

      it('confusion matrix, precision, recall, F1, F2, accuracy at thresholds (score ≥ threshold)', () => {
        for (const a of c.at) {
          const cm = confusionAt(y, s, a.threshold, w);
          expect([cm.tp, cm.fp, cm.tn, cm.fn]).toEqual([a.tp, a.fp, a.tn, a.fn]);
          expect(Math.abs(precisionOf(cm) - a.precision)).toBeLessThan(TOL);
          expect(Math.abs(recallOf(cm) - a.recall)).toBeLessThan(TOL);
          expect(Math.abs(fbetaOf(cm, 1) - a.f1)).toBeLessThan(TOL);
          expect(Math.abs(fbetaOf(cm, 2) - a.f2)).toBeLessThan(TOL);
          expect(Math.abs(accuracyOf(cm) - a.accuracy)).toBeLessThan(TOL);
        }
      });
    });
  }

  it('percentile equals numpy linear percentile', () => {
    const p = golden.percentile;
    const sorted = arr(p.values).sort();
    p.q.forEach((q: number, k: number) => {
      expect(Math.abs(percentile(sorted, q) - p.out[k])).toBeLessThan(1e-12);
    });
  });
});

describe('metric edge cases', () => {
  it('empty input throws ML_EMPTY_INPUT', () => {
    expect(codeOf(() => rocAuc([], []))).toBe(ML_ERRORS.EMPTY_INPUT.code);
    expect(codeOf(() => brierScore([], []))).toBe(ML_ERRORS.EMPTY_INPUT.code);
    expect(codeOf(() => confusionAt([], [], 0.5))).toBe(ML_ERRORS.EMPTY_INPUT.code);
  });

  it('a single class throws ML_SINGLE_CLASS for ranking metrics; metricOrNull maps it to null', () => {
    expect(codeOf(() => rocAuc([1, 1, 1], [0.1, 0.5, 0.9]))).toBe(ML_ERRORS.SINGLE_CLASS.code);
    expect(codeOf(() => rocAuc([0, 0], [0.1, 0.5]))).toBe(ML_ERRORS.SINGLE_CLASS.code);
    expect(codeOf(() => averagePrecision([0, 0], [0.1, 0.5]))).toBe(ML_ERRORS.SINGLE_CLASS.code);
    // Only positives: AP is defined (1.0), as in sklearn.
    expect(averagePrecision([1, 1], [0.1, 0.5])).toBe(1);
    expect(metricOrNull(() => rocAuc([1, 1], [0.2, 0.3]))).toBeNull();
    expect(metricOrNull(() => rocAuc([0, 1], [0.2, 0.3]))).toBe(1);
  });

  it('evaluateAt reports NaN ranking metrics (not a throw) for one class, and finite others', () => {
    const r = evaluateAt([0, 0, 0], [0.2, 0.6, 0.1], 0.5);
    expect(r.metrics.roc_auc).toBeNaN();
    expect(r.metrics.pr_auc).toBeNaN();
    expect(r.metrics.precision).toBe(0);
    expect(r.metrics.recall).toBe(0);
    expect(r.metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.confusion).toEqual({ tp: 0, fp: 1, tn: 2, fn: 0 });
  });

  it('all-equal scores give ROC-AUC 0.5', () => {
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('bad labels, NaN scores and length mismatches are rejected', () => {
    expect(codeOf(() => rocAuc([0, 2], [0.1, 0.2]))).toBe(ML_ERRORS.INVALID_VALUE.code);
    expect(codeOf(() => rocAuc([0, 1], [0.1, Number.NaN]))).toBe(ML_ERRORS.INVALID_VALUE.code);
    expect(codeOf(() => rocAuc([0, 1], [0.1]))).toBe(ML_ERRORS.SHAPE_MISMATCH.code);
    expect(codeOf(() => calibrationCurve([0, 1], [0.1, 1.2]))).toBe(ML_ERRORS.INVALID_VALUE.code);
  });
});

describe('bootstrap intervals', () => {
  const c = golden.cases[0];
  const y = arr(c.y);
  const s = arr(c.score);

  it('is deterministic for a seed, brackets the point estimate, and narrows with more data', () => {
    const a = bootstrapCI(y, s, rocAuc, { n: 300, seed: 7 });
    const b = bootstrapCI(y, s, rocAuc, { n: 300, seed: 7 });
    expect(a).toEqual(b);
    expect(a.value).toBeCloseTo(c.roc_auc, 12);
    expect(a.ci_low!).toBeLessThan(a.value);
    expect(a.ci_high!).toBeGreaterThan(a.value);
    expect(a.n_valid).toBe(300);
    const other = bootstrapCI(y, s, rocAuc, { n: 300, seed: 8 });
    expect(other.ci_low).not.toBe(a.ci_low);
    // A 50% interval is inside the 95% one.
    const narrow = bootstrapCI(y, s, rocAuc, { n: 300, seed: 7, alpha: 0.5 });
    expect(narrow.ci_low!).toBeGreaterThanOrEqual(a.ci_low!);
    expect(narrow.ci_high!).toBeLessThanOrEqual(a.ci_high!);
  });

  it('weights as multiplicities equal materialising the resample', () => {
    // One resample done both ways must give the same metric values.
    const idx = [0, 0, 3, 5, 5, 5, 9, 12, 12, 40, 41, 42, 43, 100, 150];
    const counts = new Float64Array(y.length);
    for (const i of idx) counts[i]! += 1;
    const yy = idx.map((i) => y[i]!);
    const ss = idx.map((i) => s[i]!);
    expect(rocAuc(y, s, counts)).toBeCloseTo(rocAuc(yy, ss), 12);
    expect(averagePrecision(y, s, counts)).toBeCloseTo(averagePrecision(yy, ss), 12);
    expect(logLoss(y, s, counts)).toBeCloseTo(logLoss(yy, ss), 12);
    expect(expectedCalibrationError(y, s, counts)).toBeCloseTo(expectedCalibrationError(yy, ss), 12);
  });

  it('bootstrapMetrics agrees with bootstrapCI per metric (same seed → same resamples)', () => {
    const all = bootstrapMetrics(y, s, 0.41, { n: 200, seed: 3 });
    const auc = bootstrapCI(y, s, rocAuc, { n: 200, seed: 3 });
    expect(all.metrics.roc_auc.ci_low).toBeCloseTo(auc.ci_low!, 12);
    expect(all.metrics.roc_auc.ci_high).toBeCloseTo(auc.ci_high!, 12);
    const f2 = bootstrapCI(y, s, (yy, ss, ww) => fbetaOf(confusionAt(yy, ss, 0.41, ww), 2), {
      n: 200,
      seed: 3,
    });
    expect(all.metrics.f2.ci_low).toBeCloseTo(f2.ci_low!, 12);
    for (const [key, fn] of [
      ['brier', brierScore],
      ['log_loss', logLoss],
      ['ece', expectedCalibrationError],
      ['pr_auc', averagePrecision],
    ] as const) {
      const one = bootstrapCI(y, s, fn, { n: 200, seed: 3 });
      expect(all.metrics[key].ci_low).toBeCloseTo(one.ci_low!, 12);
      expect(all.metrics[key].ci_high).toBeCloseTo(one.ci_high!, 12);
    }
    const at = c.at.find((a: { threshold: number }) => a.threshold === 0.41);
    expect(all.metrics.f2.value).toBeCloseTo(at.f2, 12);
    expect(all.confusion.tp).toBe(at.tp);
  });

  it('skips resamples where a ranking metric is undefined and says how many were valid', () => {
    // 1 positive in 8 rows: many resamples draw no positive.
    const yy = [1, 0, 0, 0, 0, 0, 0, 0];
    const ss = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
    const r = bootstrapCI(yy, ss, rocAuc, { n: 200, seed: 1 });
    expect(r.n_valid).toBeLessThan(200);
    expect(r.n_valid).toBeGreaterThan(50);
    const strat = bootstrapCI(yy, ss, rocAuc, { n: 200, seed: 1, stratified: true });
    expect(strat.n_valid).toBe(200);
  });
});

describe('rankingResample', () => {
  it('equals rocAuc and averagePrecision with the same weights to the last bit (ties, zero and fractional weights)', () => {
    const n = 120;
    const y = Array.from({ length: n }, (_, i) => ((i * 7) % 5 < 2 ? 1 : 0));
    const tied = y.map((v, i) => Math.round((v * 0.3 + ((i * 29) % 17) / 17) * 8) / 8);
    const order = orderByScoreDesc(tied);
    for (const weights of [
      y.map((_, i) => (i * 13) % 4), // bootstrap multiplicities, zeros included
      y.map((_, i) => ((i * 31) % 7) / 3), // fractional
    ]) {
      expect(rankingResample(y, tied, weights, order)).toEqual({
        roc_auc: rocAuc(y, tied, weights),
        pr_auc: averagePrecision(y, tied, weights),
      });
      expect(averagePrecisionResample(y, tied, weights, order)).toBe(averagePrecision(y, tied, weights));
    }
    // One class drawn: undefined where rocAuc / averagePrecision throw their single-class error.
    const negatives = y.map((v) => 1 - v);
    expect(rankingResample(y, tied, negatives, order)).toEqual({ roc_auc: NaN, pr_auc: NaN });
    expect(rankingResample(y, tied, y, order)).toEqual({ roc_auc: NaN, pr_auc: 1 });
    expect(averagePrecisionResample(y, tied, negatives, order)).toBeNaN();
  });
});
