import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { EXAMPLE_STUDENT, JSON_HEADERS as json, makeApp } from '../testing/support.js';
import { AuthFailures } from './access.js';

describe('access by API key and role', () => {
  it('API keys: hashed, by X-API-Key or Bearer, with roles; health stays public', async () => {
    const apiKeys = parseApiKeys(`${hashKey('pred-key')}:predict,${hashKey('admin-key')}:admin`);
    const { app } = await makeApp({ apiKeys });
    const predict = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT, headers });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v2/health/ready' })).statusCode).toBe(200);
    const none = await predict({});
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('DEF_ERR_API_UNAUTHORIZED');
    expect((await predict({ 'x-api-key': 'wrong' })).statusCode).toBe(401);
    expect((await predict({ authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await predict({ 'x-api-key': 'pred-key' })).statusCode).toBe(200);
    expect((await predict({ authorization: 'Bearer pred-key' })).statusCode).toBe(200);
    expect((await predict({ authorization: 'Bearer admin-key' })).statusCode).toBe(200);
    const forbidden = await app.inject({ url: '/metrics', headers: { 'x-api-key': 'pred-key' } });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toMatchObject({
      code: 'DEF_ERR_API_FORBIDDEN',
      details: { role: 'admin' },
    });
    expect((await app.inject({ url: '/metrics', headers: { 'x-api-key': 'admin-key' } })).statusCode).toBe(
      200,
    );
    // Auth runs before the body is read: an unauthenticated bad body gets 401, not 400.
    const early = await app.inject({ method: 'POST', url: '/predict', payload: 'not json', headers: json });
    expect(early.statusCode).toBe(401);
    await app.close();
  });
});

describe('failed API-key attempts are throttled by client address', () => {
  it('past AUTH_FAILURE_LIMIT failures a minute an address gets 429 before its key is checked; other addresses and valid keys are not slowed', async () => {
    const apiKeys = parseApiKeys(`${hashKey('pred-key')}:predict`);
    const lines: string[] = [];
    const { app } = await makeApp({ apiKeys, authFailureLimit: 3, rateLimitMax: 5 }, lines);
    const from = (remoteAddress: string, key: string | null) =>
      app.inject({
        url: '/metadata',
        remoteAddress,
        headers: key === null ? {} : { 'x-api-key': key },
      });
    // A valid key's requests are never counted as failures.
    for (let i = 0; i < 4; i++) expect((await from('10.0.0.1', 'pred-key')).statusCode).toBe(200);
    // Guessing from 10.0.0.9: 3 failures (wrong key, no key) are answered 401 ...
    expect((await from('10.0.0.9', 'guess-1')).statusCode).toBe(401);
    expect((await from('10.0.0.9', 'guess-2')).statusCode).toBe(401);
    expect((await from('10.0.0.9', null)).statusCode).toBe(401);
    // ... then the address is refused before any key is looked at, the right one included.
    for (const key of ['guess-3', 'pred-key']) {
      const r = await from('10.0.0.9', key);
      expect(r.statusCode).toBe(429);
      expect(r.json().error).toMatchObject({
        code: 'DEF_ERR_API_AUTH_THROTTLED',
        details: { rule: 'auth_failures', limit: 3 },
      });
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // The same key from another address still works, and the failures cost its rate limit nothing:
    // 4 requests above + 1 here = its whole budget of 5.
    expect((await from('10.0.0.1', 'pred-key')).statusCode).toBe(200);
    expect((await from('10.0.0.1', 'pred-key')).json().error.code).toBe('DEF_ERR_API_RATE_LIMITED');
    // A 403 (valid key, wrong role) is not a failed login.
    for (let i = 0; i < 4; i++) {
      const r = await app.inject({
        url: '/metrics',
        remoteAddress: '10.0.0.2',
        headers: { 'x-api-key': 'pred-key' },
      });
      expect(r.statusCode).toBe(403);
    }
    // No guessed key reaches a log line.
    expect(lines.join('')).not.toContain('guess-');
    await app.close();
  });

  it('the failures of an address are forgotten after a minute', () => {
    let t = 0;
    const failures = new AuthFailures(2, () => t);
    const req = { ip: '10.0.0.9' } as FastifyRequest;
    failures.failed(req, 'x');
    failures.failed(req, 'x');
    expect(failures.refusal(req)?.code).toBe('DEF_ERR_API_AUTH_THROTTLED');
    expect(failures.refusal({ ip: '10.0.0.8' } as FastifyRequest)).toBeNull();
    t += 60_000;
    expect(failures.refusal(req)).toBeNull();
  });
});
