/**
 * The composed app: every endpoint family behind the same hooks. The bad-request table runs against
 * all of them in-process (socket.test.ts runs it over a real socket), and the policies that span
 * /predict and OIP v2 are checked on both.
 */
import { describe, expect, it } from 'vitest';
import { BAD_REQUESTS, errorCodeOf } from './testing/bad-requests.js';
import { EXAMPLE_STUDENT, inProcessApp, makeApp } from './testing/support.js';

describe('serve app in-process', () => {
  const lines: string[] = [];
  const app = inProcessApp({}, lines);

  it.each(BAD_REQUESTS)('bad request in-process: $name → $status $code', async (c) => {
    const r = await app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.body });
    expect(r.statusCode).toBe(c.status);
    const body = r.json();
    if (c.code) expect(errorCodeOf(c.url, body)).toBe(c.code);
    expect(r.headers['x-request-id']).toBeTruthy();
    if (!c.url.startsWith('/v2')) expect(body.error.hint.length).toBeGreaterThan(10);
    if (c.secret) expect(r.body).not.toContain(c.secret);
    if (body.error?.details?.rule) expect(typeof body.error.details.rule).toBe('string');
  });

  it('after every bad request the server is healthy and no log line holds what the client sent', async () => {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT })).statusCode).toBe(
      200,
    );
    const all = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const s of ['Maria', '123.456', 'RA-1234']) expect(all).not.toContain(s);
  });
});

describe('serve app policies', () => {
  it('EXTRA_FEATURE_POLICY=ignore drops unknown fields but still refuses personal identifiers', async () => {
    const { app } = await makeApp({ extraFeaturePolicy: 'ignore' });
    const ok = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, turma: 'A' },
    });
    expect(ok.statusCode).toBe(200);
    const pii = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, nome: 'Ana' },
    });
    expect(pii.statusCode).toBe(422);
    for (const key of ['nome_completo', 'Data de Nascimento', 'cpf_responsavel']) {
      const r = await app.inject({
        method: 'POST',
        url: '/predict',
        payload: { instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, [key]: 'Ana Souza 12/03/2012' }] },
      });
      expect(r.statusCode, key).toBe(422);
      expect(r.json().error).toMatchObject({
        code: 'DEF_ERR_API_INVALID_BATCH',
        details: { problems: [{ student: 2, code: 'DEF_ERR_API_PII_FIELD', rule: 'pii_field' }] },
      });
      expect(r.body).not.toContain('Ana');
    }
    // OIP v2 follows the same policy: an unknown tensor is dropped, a personal one refused, and
    // a request of unknown tensors only is a 400, not a crash.
    const infer = (inputs: unknown[]) =>
      app.inject({ method: 'POST', url: '/v2/models/defasagem/infer', payload: { inputs } });
    const fase = { name: 'fase', datatype: 'INT64', shape: [1], data: [3] };
    const defas = { name: 'defasagem', datatype: 'INT64', shape: [1], data: [-1] };
    const turma = { name: 'turma', datatype: 'BYTES', shape: [1], data: ['A'] };
    const nome = { name: 'nome_completo', datatype: 'BYTES', shape: [1], data: ['Ana Souza'] };
    const dropped = await infer([fase, defas, turma]);
    expect(dropped.statusCode).toBe(200);
    expect(dropped.json().outputs[0].data).toEqual((await infer([fase, defas])).json().outputs[0].data);
    const refused = await infer([fase, defas, nome]);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('DEF_ERR_API_PII_FIELD');
    expect(refused.body).not.toContain('Ana');
    const none = await infer([turma]);
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({
      code: 'DEF_ERR_API_INVALID_TENSOR',
      details: { rule: 'no_known_input' },
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    await app.close();
  });
});
