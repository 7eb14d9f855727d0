import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../testing/support.js';

describe('health routes', () => {
  const app = inProcessApp();

  it('GET /ready says which version is loaded', async () => {
    const r = await app.inject({ url: '/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ready: true, model_version: 'v1.0.0' });
  });
});
