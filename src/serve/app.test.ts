import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger.js';
import { BATCH_CHUNK, buildApp, withoutPaths } from './app.js';
import { hashKey } from './auth.js';
import { ModelHolder } from './holder.js';
import { createMetrics } from './metrics.js';
import { parseApiKeys } from './settings.js';
import { BAD_REQUESTS, EXAMPLE_STUDENT, errorCodeOf, standInParts, testSettings } from './test-support.js';

const bandOptions = {
  policy: { extraFeatures: 'reject' as const, maxInstances: 1000 },
  bandAlto: { value: 1, relative: true },
  bandMedio: { value: 0.6, relative: true },
};

const json = { 'content-type': 'application/json' };

async function makeApp(over: Parameters<typeof testSettings>[0] = {}, lines: string[] = []) {
  const metrics = createMetrics({ defaultMetrics: false });
  const settings = testSettings(over);
  const holder = new ModelHolder({
    ...bandOptions,
    policy: { extraFeatures: settings.extraFeaturePolicy, maxInstances: settings.maxInstances },
    load: async () => standInParts('v1.0.0'),
  });
  await holder.reload('test');
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  });
  const app = await buildApp({
    settings,
    holder,
    metrics,
    logger,
    listModels: async () => ({ champion: 'v1.0.0', versions: ['v1.0.0'] }),
  });
  return { app, holder, metrics };
}

describe('serve app in-process', () => {
  let app: FastifyInstance;
  const lines: string[] = [];
  beforeAll(async () => {
    ({ app } = await makeApp({}, lines));
  });
  afterAll(async () => app.close());

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

  it('GET /ready says which version is loaded', async () => {
    const r = await app.inject({ url: '/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ready: true, model_version: 'v1.0.0' });
  });

  it('GET /metadata shows version, threshold, signature and metrics without filesystem paths', async () => {
    const r = await app.inject({ url: '/metadata' });
    expect(r.statusCode).toBe(200);
    const m = r.json();
    expect(m).toMatchObject({ model_version: 'v1.0.0', threshold: 0.4, learner: 'logistic_regression' });
    expect(m.signature.inputs.length).toBeGreaterThan(5);
    expect(m.metrics.test.roc_auc).toBe(0.8);
    expect(m.risk_bands.alto).toBeCloseTo(0.4);
    expect(m.risk_bands.medio).toBeCloseTo(0.24);
    expect(r.body).not.toContain('/home/');
    expect(m.metadata.trained_at).toBe('2026-01-01T00:00:00Z');
  });

  it('POST /predict scores one student with band, label, version and top factors', async () => {
    const r = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p.risk_score).toBeGreaterThan(0);
    expect(p.risk_score).toBeLessThan(1);
    expect(p.risk_label).toBe(p.risk_score >= 0.4 ? 1 : 0);
    expect(p.risk_band).toBe(p.risk_score >= 0.4 ? 'alto' : p.risk_score >= 0.24 ? 'medio' : 'baixo');
    expect(p.model_version).toBe('v1.0.0');
    expect(p.top_factors).toHaveLength(3);
    const sizes = p.top_factors.map((f: { contribution: number }) => Math.abs(f.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(p.top_factors.find((f: { feature: string }) => f.feature === 'defasagem')).toMatchObject({
      value: -1,
      direction: 'aumenta',
    });
  });

  it('POST /predict scores a batch and accepts null for optional fields', async () => {
    const low = { ...EXAMPLE_STUDENT, defasagem: 2, ida: 9, ieg: 9, ian: 10 };
    const high = { ...EXAMPLE_STUDENT, defasagem: -3, ida: 2, ieg: 2, ian: 2.5 };
    const sparse = { fase: 0, defasagem: 0, ipp: null };
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [low, high, sparse] },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.model_version).toBe('v1.0.0');
    expect(body.predictions.map((p: { risk_band: string }) => p.risk_band).slice(0, 2)).toEqual([
      'baixo',
      'alto',
    ]);
    expect(body.predictions[2].risk_score).toBeGreaterThan(0);
  });

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

  it('field errors name the field and the rule and never the value', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, ida: '7' },
    });
    expect(r.json().error).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      details: { field: 'ida', rule: 'type' },
    });
    expect(r.json().error.message).toContain('"ida"');
    const range = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { ...EXAMPLE_STUDENT, fase: 12 },
    });
    expect(range.json().error.details).toMatchObject({ field: 'fase', rule: 'maximum' });
    const batch = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, { ...EXAMPLE_STUDENT, genero: 'x' }] },
    });
    expect(batch.json().error.details).toMatchObject({ field: 'genero', rule: 'category', index: 1 });
  });

  it('GET /models lists the registry and what is served', async () => {
    const r = await app.inject({ url: '/models' });
    expect(r.json()).toEqual({
      serving: { version: 'v1.0.0', source: 'registry', requested: 'champion' },
      registry: { champion: 'v1.0.0', versions: ['v1.0.0'] },
    });
  });

  it('GET /metrics exposes latency, predictions by band, model info and reloads', async () => {
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('defasagem_http_request_duration_seconds_bucket');
    expect(r.body).toMatch(/defasagem_predictions_total\{band="(alto|medio|baixo)"\} [1-9]/);
    expect(r.body).toContain('defasagem_requests_rejected_total{code="DEF_ERR_API_INVALID_FIELD"}');
  });

  it('OIP v2: health, server and model metadata, infer with named tensors', async () => {
    expect((await app.inject({ url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v2/health/ready' })).json()).toEqual({ ready: true });
    expect((await app.inject({ url: '/v2/models/defasagem/ready' })).statusCode).toBe(200);
    const meta = (await app.inject({ url: '/v2/models/defasagem' })).json();
    expect(meta).toMatchObject({ name: 'defasagem', versions: ['v1.0.0'] });
    expect(meta.inputs.find((i: { name: string }) => i.name === 'genero').datatype).toBe('BYTES');
    const body = {
      id: 'req-1',
      inputs: [
        { name: 'fase', datatype: 'INT64', shape: [2], data: [3, 5] },
        { name: 'defasagem', datatype: 'INT64', shape: [2, 1], data: [[-2], [1]] },
        { name: 'ida', datatype: 'FP32', shape: [2], data: [4.5, null] },
        { name: 'genero', datatype: 'BYTES', shape: [2], data: ['feminino', 'masculino'] },
      ],
    };
    const r = await app.inject({ method: 'POST', url: '/v2/models/defasagem/infer', payload: body });
    expect(r.statusCode).toBe(200);
    const out = r.json();
    expect(out).toMatchObject({ model_name: 'defasagem', model_version: 'v1.0.0', id: 'req-1' });
    expect(out.outputs.map((o: { name: string }) => o.name)).toEqual([
      'risk_score',
      'risk_label',
      'risk_band',
    ]);
    expect(out.outputs[0]).toMatchObject({ datatype: 'FP64', shape: [2] });
    // The same students through /predict give the same scores.
    const p = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: {
        instances: [
          { fase: 3, defasagem: -2, ida: 4.5, genero: 'feminino' },
          { fase: 5, defasagem: 1, genero: 'masculino' },
        ],
      },
    });
    expect(p.json().predictions.map((x: { risk_score: number }) => x.risk_score)).toEqual(
      out.outputs[0].data,
    );
    // Rules across fields hold for tensors too, naming the row.
    const order = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/infer',
      payload: {
        inputs: [
          ...body.inputs,
          { name: 'ano_base', datatype: 'INT64', shape: [2], data: [2023, 2023] },
          { name: 'ano_ingresso', datatype: 'INT64', shape: [2], data: [2020, 2024] },
        ],
      },
    });
    expect(order.statusCode).toBe(422);
    expect(order.json()).toMatchObject({
      code: 'DEF_ERR_API_INVALID_FIELD',
      details: { field: 'ano_ingresso', rule: 'order', index: 1 },
    });
    const pinned = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/versions/1.0.0/infer',
      payload: { ...body, outputs: [{ name: 'risk_band' }] },
    });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json().outputs).toHaveLength(1);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v2/models/defasagem/versions/v2.0.0/infer',
      payload: body,
    });
    expect(wrong.statusCode).toBe(404);
    expect(typeof wrong.json().error).toBe('string');
    expect(wrong.json().error).toContain('v1.0.0');
  });

  it('OpenAPI is generated from the live signature and Swagger UI is served at /docs', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.version).toBe('v1.0.0');
    expect(doc.components.schemas.Student.properties.fase).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 9,
    });
    expect(doc.components.schemas.Student.additionalProperties).toBe(false);
    expect(doc.paths['/predict'].post).toBeTruthy();
    const ui = await app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui-bundle.js');
    const js = await app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.body.length).toBeGreaterThan(100_000);
    expect((await app.inject({ url: '/docs/static/init.js' })).body).toContain("url: '/docs/json'");
    expect((await app.inject({ url: '/docs/static/..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/docs/static/index.html' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/openapi.json' })).json().info.version).toBe('v1.0.0');
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
      expect(r.json().error).toMatchObject({ code: 'DEF_ERR_API_PII_FIELD', details: { index: 1 } });
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

  it('MAX_INSTANCES bounds a batch', async () => {
    const { app } = await makeApp({ maxInstances: 2 });
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      payload: { instances: [EXAMPLE_STUDENT, EXAMPLE_STUDENT, EXAMPLE_STUDENT] },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.details).toMatchObject({ rule: 'max_items', limit: 2, count: 3 });
    await app.close();
  });

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

  it('without a model: 503 on /ready with the reason, 503 on /predict, health still 200', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const holder = new ModelHolder({
      ...bandOptions,
      load: async () => {
        throw new Error('champion.json points at v3.0.0, which does not exist');
      },
    });
    await holder.reload('startup');
    const app = await buildApp({ settings: testSettings(), holder, metrics, logger: false });
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().ready).toBe(false);
    expect(ready.json().reason).toContain('v3.0.0');
    const p = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(p.statusCode).toBe(503);
    expect(p.json().error.code).toBe('DEF_ERR_API_NOT_READY');
    expect((await app.inject({ url: '/v2/health/ready' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/metadata' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    await app.close();
  });

  it('the public not-ready reason keeps the cause but not the server paths', async () => {
    const holder = new ModelHolder({
      ...bandOptions,
      load: async () => {
        throw new Error(
          'these do not exist: MODEL_PATH=/home/ana/proj/artifacts/model_v1.json, SIGNATURE_PATH=./artifacts/s.json; registry C:\\models\\reg (see /srv/x).',
        );
      },
    });
    await holder.reload('startup');
    const app = await buildApp({
      settings: testSettings(),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
    });
    const ready = await app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toContain(
      'these do not exist: MODEL_PATH=<path>, SIGNATURE_PATH=<path>; registry <path> (see <path>).',
    );
    const p = await app.inject({ method: 'POST', url: '/predict', payload: EXAMPLE_STUDENT });
    expect(p.json().error.message).toContain('MODEL_PATH=<path>');
    for (const r of [ready, p])
      for (const s of ['/home', 'ana', 'artifacts', 'models', '/srv']) expect(r.body).not.toContain(s);
    // What is not a path stays.
    expect(withoutPaths('v1.0.0 and/or 1/2 at 50%')).toBe('v1.0.0 and/or 1/2 at 50%');
    await app.close();
  });

  it('a large batch yields between chunks: a health check sent while it is explained is answered meanwhile', async () => {
    const holder = new ModelHolder({ ...bandOptions, load: async () => standInParts('v1.0.0') });
    await holder.reload('test');
    // Count explanations, to see how far the batch had got when the health check was answered.
    const model = holder.current!.model;
    const explain = model.explain.bind(model);
    let explained = 0;
    Object.assign(model, {
      explain: (...args: Parameters<typeof explain>) => {
        explained++;
        return explain(...args);
      },
    });
    let explainedAtHealth = -1;
    let health: Promise<unknown> | null = null;
    const app = await buildApp({
      settings: testSettings(),
      holder,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: false,
      // Called once the batch is scored and before its explanations are built.
      observer: () => {
        health ??= app.inject({ url: '/health' }).then(() => {
          explainedAtHealth = explained;
        });
      },
    });
    const n = BATCH_CHUNK * 10 + 3;
    const instances = Array.from({ length: n }, (_, i) => ({ ...EXAMPLE_STUDENT, ieg: (i % 100) / 10 }));
    const before = explained;
    const batch = await app.inject({ method: 'POST', url: '/predict', payload: { instances } });
    await health;
    expect(batch.statusCode).toBe(200);
    expect(explained - before).toBe(n);
    // Answered between two chunks, long before the last explanation.
    expect(explainedAtHealth - before).toBeGreaterThan(0);
    expect(explainedAtHealth - before).toBeLessThan(n / 2);
    // Chunking changes nothing in the answer: same order and values as one request per student.
    const predictions = batch.json().predictions as Array<Record<string, unknown>>;
    expect(predictions).toHaveLength(n);
    for (const i of [0, BATCH_CHUNK - 1, BATCH_CHUNK, n - 1]) {
      const one = await app.inject({ method: 'POST', url: '/predict', payload: instances[i] });
      expect(predictions[i]).toEqual(one.json());
    }
    await app.close();
  });
});
