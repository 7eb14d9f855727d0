import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../testing/support.js';
import { isSafeRequestId } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);

  it('GET /health answers with an X-Request-ID; a safe incoming id is kept, a wild one replaced', async () => {
    const r = await app.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    expect(r.headers['x-request-id']).toMatch(UUID);
    const kept = await app.inject({ url: '/health', headers: { 'x-request-id': 'lote-2024.abc_123' } });
    expect(kept.headers['x-request-id']).toBe('lote-2024.abc_123');
    const wild = await app.inject({ url: '/health', headers: { 'x-request-id': 'a b<script>' } });
    expect(wild.headers['x-request-id']).toMatch(UUID);
  });

  it('a CPF, a phone number or a birth date sent as X-Request-ID is neither echoed nor logged', async () => {
    const personal = ['123.456.789-09', '12345678909', 'aluno-12345678909', '11987654321', '2012-03-15'];
    const from = lines.length;
    for (const id of personal) {
      // A rejected request is logged (with its id): the line must carry the server's id instead.
      const r = await app.inject({ url: '/no-such-route', headers: { 'x-request-id': id } });
      expect(r.statusCode).toBe(404);
      expect(r.headers['x-request-id'], id).toMatch(UUID);
      expect(r.body).not.toContain(id);
    }
    const logged = lines.slice(from).join('');
    expect(lines.length - from).toBe(personal.length);
    for (const id of personal) expect(logged).not.toContain(id);
  });

  it('keeps opaque ids (UUIDs, hex trace ids) and refuses short, long or personal ones', () => {
    for (const id of [
      '550e8400-e29b-41d4-a716-446655440000',
      '0af7651916cd43dd8448eb211c80319c',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      'a0123456789012345b', // 16 digits inside a hex string: not a CPF
      'req_7Hq2xZ',
    ])
      expect(isSafeRequestId(id), id).toBe(true);
    for (const id of [
      'abc-123', // shorter than 8
      'x'.repeat(65),
      'id:with:colons',
      '12345678',
      '123.456.789-09',
      'cpf12345678909',
      'x-123.456.789-09-y',
      'Joana Pereira',
    ])
      expect(isSafeRequestId(id), id).toBe(false);
  });
});
