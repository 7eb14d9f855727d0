import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STUDENT, makeApp } from '../testing/support.js';

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
