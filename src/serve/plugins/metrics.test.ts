import { spawnSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ModelHolder } from '../holder.js';
import { createMetrics, GAUGES_NAMED_LIKE_COUNTERS } from '../metrics.js';
import { bandOptions, EXAMPLE_STUDENT, makeApp, standInParts, testSettings } from '../testing/support.js';

describe('GET /metrics', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await makeApp());
    // Something to count: one prediction and one rejected field.
    await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    await app.inject({ method: 'POST', url: '/predict', payload: { ...EXAMPLE_STUDENT, ida: '7' } });
  });
  afterAll(async () => app.close());

  it('GET /metrics exposes latency, predictions by band, model info and reloads', async () => {
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('defasagem_http_request_duration_seconds_bucket');
    expect(r.body).toMatch(/defasagem_predictions_total\{band="(alto|medio|baixo)"\} [1-9]/);
    expect(r.body).toContain('defasagem_requests_rejected_total{code="DEF_ERR_API_INVALID_FIELD"}');
  });
});

describe('predictions by band', () => {
  it('are counted as they are scored and read out exactly, bands never scored left out as before', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const read = async () =>
      (await metrics.registry.getSingleMetricAsString('defasagem_predictions_total'))
        .split('\n')
        .filter((l) => !l.startsWith('#'));
    expect(await read()).toEqual([]);
    metrics.countPredictions(2, 1, 0);
    metrics.countPredictions(1, 0, 0);
    expect(await read()).toEqual([
      'defasagem_predictions_total{band="alto"} 3',
      'defasagem_predictions_total{band="medio"} 1',
    ]);
    // Read again with nothing new: the same totals, not counted twice.
    metrics.countPredictions(0, 0, 5);
    expect(await read()).toEqual([
      'defasagem_predictions_total{band="alto"} 3',
      'defasagem_predictions_total{band="medio"} 1',
      'defasagem_predictions_total{band="baixo"} 5',
    ]);
    expect(await read()).toHaveLength(3);
  });
});

/** Prometheus's own checker (Debian package `prometheus`; .ci/run installs it). */
const promtool = ['/usr/bin/promtool', 'promtool'].find((bin) => !spawnSync(bin, ['--version']).error);
if (!promtool)
  console.warn('promtool not found (apt-get install prometheus): the /metrics promtool check is SKIPPED');

describe.skipIf(!promtool)('GET /metrics passes promtool check metrics', () => {
  it('a real scrape over a socket, with the process metrics and every family of ours, has no problem', async () => {
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    const metrics = createMetrics(); // with Node's process metrics, as the server runs
    metrics.reload('success');
    const app = await buildApp({ settings: testSettings(), holder, metrics, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const post = (body: unknown) =>
      fetch(`${base}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(EXAMPLE_STUDENT)).status).toBe(200);
    expect((await post({ ...EXAMPLE_STUDENT, ida: '7' })).status).toBe(422);
    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    await app.close();
    // Every family is there, so the check covers them all.
    for (const family of [
      'defasagem_process_cpu_seconds_total',
      'defasagem_nodejs_active_handles',
      'defasagem_http_request_duration_seconds',
      'defasagem_predictions_total',
      'defasagem_model_info',
      'defasagem_model_ready',
      'defasagem_model_reloads_total',
      'defasagem_requests_rejected_total',
    ])
      expect(text).toContain(`# TYPE ${family} `);
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) expect(text).not.toContain(`defasagem_${name}`);
    const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });
});
