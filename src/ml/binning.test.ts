import { describe, expect, it } from 'vitest';
import { binMatrix, fitBinMapper, MISSING_BIN } from './binning.js';
import { createMatrix } from './matrix.js';
import { arr, loadGolden, maxAbsDiff } from './testing/golden.js';

const golden = loadGolden('binning.json');

describe('binning matches sklearn _BinMapper (255 bins + missing bin)', () => {
  for (const c of golden.columns) {
    it(c.name, () => {
      const x = arr(c.x);
      const X = createMatrix(x.length, 1, x);
      const m = fitBinMapper(X);
      expect(m.thresholds[0]!.length).toBe(c.thresholds.length);
      expect(maxAbsDiff(m.thresholds[0]!, c.thresholds)).toBe(0);
      const b = binMatrix(m, X);
      expect(Array.from(b.bins)).toEqual(c.binned);
      expect(m.hasMissing[0]).toBe(x.some(Number.isNaN) ? 1 : 0);
      if (m.hasMissing[0]) expect(b.bins[x.findIndex(Number.isNaN)]).toBe(MISSING_BIN);
    });
  }
});
