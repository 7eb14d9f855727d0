import { describe, expect, it } from 'vitest';
import { inProcessApp, JSON_HEADERS as json } from '../testing/support.js';

describe('request log', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);

  it('paths a client chooses (route parameters, unknown paths) never reach a log line', async () => {
    const from = lines.length;
    const paths = [
      ['GET', '/v2/models/Joana-Pereira'],
      ['POST', '/v2/models/Joana-Pereira/infer'],
      ['POST', '/v2/models/defasagem/versions/Joana-Pereira/infer'],
      ['GET', '/alunos/Joana-Pereira'],
    ] as const;
    for (const [method, url] of paths) {
      const r = await app.inject({
        method,
        url,
        headers: json,
        payload: method === 'POST' ? '{}' : undefined,
      });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain('Joana');
    }
    const mine = lines.slice(from).map((l) => JSON.parse(l));
    expect(mine).toHaveLength(paths.length);
    expect(mine.map((l) => l.req.route)).toEqual([
      '/v2/models/:name',
      '/v2/models/:name/infer',
      '/v2/models/:name/versions/:version/infer',
      undefined,
    ]);
    expect(mine.map((l) => l.req.method)).toEqual(paths.map(([m]) => m));
    expect(lines.slice(from).join('')).not.toContain('Joana');
    // A fixed route still logs its path (without the query string).
    await app.inject({ method: 'POST', url: '/predict?nome=Joana', headers: json, payload: '[]' });
    const last = JSON.parse(lines[lines.length - 1]!);
    expect(last.req).toMatchObject({ url: '/predict', route: '/predict' });
    expect(lines[lines.length - 1]).not.toContain('Joana');
  });
});

describe('request ids in the log', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);

  it("a rejected request's line carries the id its response names; an answered one writes no line at info", async () => {
    const from = lines.length;
    const ok = await app.inject({ method: 'GET', url: '/health' });
    expect(ok.statusCode).toBe(200);
    expect(lines.length).toBe(from);
    const given = await app.inject({
      method: 'GET',
      url: '/nada',
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    const fresh = await app.inject({ method: 'GET', url: '/nada' });
    const mine = lines.slice(from).map((l) => JSON.parse(l));
    expect(mine.map((l) => [l.reqId, l.msg, l.status])).toEqual([
      ['trace-abc-123', 'request rejected', 404],
      [fresh.headers['x-request-id'], 'request rejected', 404],
    ]);
    expect(given.headers['x-request-id']).toBe('trace-abc-123');
  });
});
