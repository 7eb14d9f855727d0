/**
 * The latency histogram against prom-client's own Histogram: fed the same observations (several label
 * sets, values on, between and beyond the bounds), the two registries print the same /metrics text
 * and the same JSON.
 */
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRng } from '../ml/rng.js';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram: what prom-client Histogram would print', () => {
  it('the same text and JSON for the same observations, and both empty after a reset', async () => {
    const bounds = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
    const name = 'x_http_request_duration_seconds';
    const help = 'Latency by route, method and status.';
    const labelNames = ['route', 'method', 'status_code'] as const;
    const ours = new Registry();
    const theirs = new Registry();
    const mine = new LatencyHistogram(name, help, labelNames, bounds, ours);
    const ref = new Histogram({ name, help, labelNames, buckets: bounds, registers: [theirs] });
    const rng = createRng(3);
    const labelSets = [
      ['/predict', 'POST', '200'],
      ['/ready', 'GET', '200'],
      ['/predict', 'POST', '422'],
      ['unmatched', 'GET', '404'],
    ];
    // Exactly on a bound, in between, beyond the last one, and zero.
    const special = [...bounds, 0, 2, 1e-9, 0.00035];
    for (let i = 0; i < 2000; i++) {
      const values = labelSets[rng.int(labelSets.length)]!;
      const v = i < special.length ? special[i]! : rng.next() ** 4 * 1.5;
      mine.observe(mine.seriesOf(values), v);
      ref.labels(...values).observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    expect(await ours.metrics()).toContain(
      `${name}_bucket{le="+Inf",route="/predict",method="POST",status_code="200"}`,
    );
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
