import { describe, expect, it } from 'vitest';
import { calibrate, calibrateOne, fitCalibrator, fitIsotonic, fitPlatt, pavaInPlace } from './calibration.js';
import { arr, loadGolden, maxAbsDiff } from './testing/golden.js';

const golden = loadGolden('calibration.json');

describe('isotonic calibration matches sklearn IsotonicRegression(out_of_bounds="clip")', () => {
  for (const c of golden.isotonic) {
    it(c.name, () => {
      const st = fitIsotonic(arr(c.x), arr(c.y), c.weight ? arr(c.weight) : undefined);
      expect(maxAbsDiff(st.x, c.x_thresholds)).toBeLessThan(1e-12);
      expect(maxAbsDiff(st.y, c.y_thresholds)).toBeLessThan(1e-9);
      expect(maxAbsDiff(calibrate(st, arr(c.x_test)), c.pred)).toBeLessThan(1e-9);
      // The state is plain JSON.
      const back = JSON.parse(JSON.stringify(st));
      expect(calibrateOne(back, 0.123)).toBe(calibrateOne(st, 0.123));
    });
  }

  it('PAVA produces a non-decreasing fit that preserves the weighted mean', () => {
    const y = Float64Array.from([3, 1, 2, 5, 4, 4, 0, 7]);
    const w = Float64Array.from([1, 2, 1, 1, 3, 1, 1, 2]);
    const before = y.reduce((s, v, i) => s + v * w[i]!, 0);
    pavaInPlace(y, w);
    for (let i = 1; i < y.length; i++) expect(y[i]!).toBeGreaterThanOrEqual(y[i - 1]!);
    expect(y.reduce((s, v, i) => s + v * w[i]!, 0)).toBeCloseTo(before, 12);
  });
});

describe('Platt scaling matches sklearn _sigmoid_calibration', () => {
  for (const c of golden.platt) {
    it(c.name, () => {
      const st = fitPlatt(arr(c.x), arr(c.y), c.weight ? arr(c.weight) : undefined);
      // Against the exact optimum of the same objective (tight BFGS in the golden script).
      expect(Math.abs(st.a - c.a_exact)).toBeLessThan(1e-6);
      expect(Math.abs(st.b - c.b_exact)).toBeLessThan(1e-6);
      // sklearn stops its BFGS at gradient norm 1e-5: parameters and probabilities agree loosely.
      expect(Math.abs(st.a - c.a)).toBeLessThan(1e-3);
      expect(Math.abs(st.b - c.b)).toBeLessThan(1e-3);
      expect(maxAbsDiff(calibrate(st, arr(c.x_test)), c.pred)).toBeLessThan(1e-4);
    });
  }

  it('fitCalibrator dispatches on kind', () => {
    const c = golden.platt[0];
    expect(fitCalibrator('platt', arr(c.x), arr(c.y)).kind).toBe('platt');
    expect(fitCalibrator('isotonic', arr(c.x), arr(c.y)).kind).toBe('isotonic');
  });
});

describe('calibration edge cases', () => {
  it('constant scores: isotonic returns the positive rate, Platt a constant probability', () => {
    const s = [0.3, 0.3, 0.3, 0.3];
    const y = [0, 1, 1, 0];
    const iso = fitIsotonic(s, y);
    expect(calibrateOne(iso, -5)).toBe(0.5);
    expect(calibrateOne(iso, 5)).toBe(0.5);
    const pl = fitPlatt(s, y);
    const a = calibrateOne(pl, -5);
    const b = calibrateOne(pl, 5);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    // Balanced classes and smoothed targets: the fitted probability at the observed score is 0.5.
    expect(calibrateOne(pl, 0.3)).toBeCloseTo(0.5, 6);
  });

  it('empty input and bad labels are AppErrors', () => {
    expect(() => fitIsotonic([], [])).toThrow(/no rows/);
    expect(() => fitPlatt([0.1, 0.2], [0, 3])).toThrow(/not 0 or 1/);
    expect(() => fitIsotonic([Number.NaN], [1])).toThrow(/not finite/);
  });
});
