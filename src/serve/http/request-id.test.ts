import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../testing/support.js';

describe('request ids', () => {
  const app = inProcessApp();

  it('GET /health answers with an X-Request-ID; a sane incoming id is kept, a wild one replaced', async () => {
    const r = await app.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const wild = await app.inject({ url: '/health', headers: { 'x-request-id': 'a b<script>' } });
    expect(wild.headers['x-request-id']).not.toBe('a b<script>');
  });
});
