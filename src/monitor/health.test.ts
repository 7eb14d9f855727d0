import { describe, expect, it } from 'vitest';
import { createRng } from '../ml/rng.js';
import {
  bucketUpper,
  healthFromCounts,
  LATENCY_BUCKETS,
  latencyBucket,
  quantileFromBuckets,
} from './health.js';

/** Exact quantile with the "nearest rank" definition (the smallest value with ≥ q of the mass at or below). */
function exactQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('latency buckets', () => {
  it('bucket k holds (upper(k-1), upper(k)]', () => {
    for (const k of [1, 2, 8, 50, 100]) {
      expect(latencyBucket(bucketUpper(k))).toBe(k);
      expect(latencyBucket(bucketUpper(k) * 1.0001)).toBe(k + 1);
    }
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(-5)).toBe(0);
    expect(latencyBucket(Number.NaN)).toBe(0);
    expect(latencyBucket(1e9)).toBe(LATENCY_BUCKETS - 1);
  });

  it('p50/p95/p99 from buckets are within one bucket width (9%) of the exact values', () => {
    const rng = createRng(11);
    const n = 20000;
    const lat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Log-normal-ish: mostly 1–10 ms with a tail to ~500 ms.
      const u = Math.max(1e-12, rng.next());
      lat[i] = Math.exp(1.2 + 0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next()));
    }
    const counts = new Float64Array(LATENCY_BUCKETS);
    for (const v of lat) counts[latencyBucket(v)]! += 1;
    const sorted = lat.slice().sort();
    for (const q of [0.5, 0.95, 0.99]) {
      const est = quantileFromBuckets(counts, q)!;
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(est / exact - 1), `q=${q}`).toBeLessThan(0.091);
    }
    expect(quantileFromBuckets(new Float64Array(LATENCY_BUCKETS), 0.5)).toBeNull();
  });
});

describe('health from counters', () => {
  it('error rate counts 5xx only; client errors and drops are separate, per endpoint and in total', () => {
    const rows = [
      { endpoint: 'predict', series: 'requests', bin: '', n: 100 },
      { endpoint: 'predict', series: 'status', bin: '200', n: 90 },
      { endpoint: 'predict', series: 'status', bin: '422', n: 7 },
      { endpoint: 'predict', series: 'status', bin: '503', n: 3 },
      { endpoint: 'predict', series: 'latency', bin: String(latencyBucket(4)), n: 100 },
      { endpoint: 'predict', series: 'dropped', bin: 'prediction_records', n: 40 },
      { endpoint: 'v2', series: 'requests', bin: '', n: 10 },
      { endpoint: 'v2', series: 'status', bin: '200', n: 10 },
      { endpoint: 'v2', series: 'latency', bin: String(latencyBucket(20)), n: 10 },
      { endpoint: 'v2', series: 'dropped', bin: 'not-a-kind', n: 5 },
    ];
    const h = healthFromCounts(rows, { from: 0, to: 3_600_000 });
    const p = h.endpoints.find((e) => e.endpoint === 'predict')!;
    expect(p.requests).toBe(100);
    expect(p.status).toEqual({ '2xx': 90, '3xx': 0, '4xx': 7, '5xx': 3 });
    expect(p.error_rate).toBeCloseTo(0.03, 12);
    expect(p.client_error_rate).toBeCloseTo(0.07, 12);
    expect(p.dropped.prediction_records).toBe(40);
    // Every request in the bucket holding 4 ms: the median lies inside that bucket.
    expect(p.latency_ms.p50!).toBeGreaterThan(bucketUpper(latencyBucket(4) - 1));
    expect(p.latency_ms.p50!).toBeLessThanOrEqual(bucketUpper(latencyBucket(4)) + 0.001);
    expect(h.endpoints.map((e) => e.endpoint)).toEqual(['predict', 'v2']);
    expect(h.total.requests).toBe(110);
    expect(h.total.error_rate).toBeCloseTo(3 / 110, 12);
    expect(h.total.latency_ms.p99!).toBeGreaterThan(18);
    expect(h.total.dropped).toEqual({
      prediction_calls: 0,
      prediction_records: 40,
      requests: 0,
      write_failed: 0,
      invalid: 0,
    });
    expect(healthFromCounts([], { from: 0, to: 1 }).total.error_rate).toBeNull();
  });
});
