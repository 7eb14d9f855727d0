import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { EXAMPLE_STUDENT, makeApp } from '../testing/support.js';

describe('rate limit', () => {
  it('rate limit per key answers 429 with Retry-After and a catalogue code', async () => {
    const apiKeys = parseApiKeys(`${hashKey('k1')}:predict,${hashKey('k2')}:predict`);
    const { app } = await makeApp({ apiKeys, rateLimitMax: 3 });
    const call = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/predict',
        payload: EXAMPLE_STUDENT,
        headers: { 'x-api-key': key },
      });
    for (let i = 0; i < 3; i++) expect((await call('k1')).statusCode).toBe(200);
    const limited = await call('k1');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('DEF_ERR_API_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    // Another key has its own bucket; health is never limited.
    expect((await call('k2')).statusCode).toBe(200);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    await app.close();
  });
});
