import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../testing/support.js';

describe('health routes', () => {
  let app: FastifyInstance;
  const lines: string[] = [];
  beforeAll(async () => {
    ({ app } = await makeApp({}, lines));
  });
  afterAll(async () => app.close());

  it('GET /ready says which version is loaded', async () => {
    const r = await app.inject({ url: '/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ready: true, model_version: 'v1.0.0' });
  });
});
