import { describe, expect, it } from 'vitest';
import { hashKey } from '../auth.js';
import { parseApiKeys } from '../settings.js';
import { EXAMPLE_STUDENT, JSON_HEADERS as json, makeApp } from '../testing/support.js';

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
