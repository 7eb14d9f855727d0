import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVersion } from '../registry/index.js';
import { hashKey } from './auth.js';
import { parseApiKeys } from './settings.js';
import { BAD_REQUESTS, errorCodeOf } from './testing/bad-requests.js';
import { listenOnVersion, trainRealArtifacts } from './testing/real-model.js';
import { EXAMPLE_STUDENT, testSettings } from './testing/support.js';

/**
 * The same endpoints and error paths as app.test.ts, over a real TCP socket on 127.0.0.1, with a REAL
 * model (trained by src/train on a synthetic workbook, registered as v1.0.0, loaded by the loader).
 */
describe('serve app over a real socket', () => {
  let app: FastifyInstance;
  let base = '';
  const admin = { 'x-api-key': 'admin-key' };
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-socket-'));
  beforeAll(async () => {
    const registryDir = path.join(root, 'registry');
    await registerVersion(registryDir, { artifacts: await trainRealArtifacts(root, 3), version: 'v1.0.0' });
    const settings = testSettings({
      apiKeys: parseApiKeys(`${hashKey('admin-key')}:admin,${hashKey('pred-key')}:predict`),
    });
    ({ app, url: base } = await listenOnVersion(registryDir, 'v1.0.0', { settings }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = admin) => fetch(base + path, { headers });
  const post = (path: string, body: unknown, headers: Record<string, string> = admin) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('health and readiness are public', async () => {
    for (const p of [
      '/health',
      '/ready',
      '/v2/health/live',
      '/v2/health/ready',
      '/v2/models/defasagem/ready',
      '/v2',
    ]) {
      const r = await get(p, {});
      expect(r.status, p).toBe(200);
      expect(r.headers.get('x-request-id'), p).toBeTruthy();
    }
  });

  it('every protected endpoint answers with a key and refuses without one', async () => {
    for (const p of [
      '/metadata',
      '/models',
      '/metrics',
      '/v2/models/defasagem',
      '/v2/models/defasagem/versions/v1.0.0',
    ]) {
      expect((await get(p)).status, p).toBe(200);
      const denied = await get(p, {});
      expect(denied.status, p).toBe(401);
      expect(((await denied.json()) as Record<string, unknown>).error).toBeTruthy();
    }
    expect((await get('/metrics', { authorization: 'Bearer pred-key' })).status).toBe(403);
  });

  it('POST /predict, a batch, OIP infer and a manual reload', async () => {
    const one = await post('/predict', EXAMPLE_STUDENT, { 'x-api-key': 'pred-key' });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ model_version: 'v1.0.0', risk_band: expect.any(String) });
    const batch = await post('/predict', { instances: [EXAMPLE_STUDENT, EXAMPLE_STUDENT] });
    expect(((await batch.json()) as { predictions: unknown[] }).predictions).toHaveLength(2);
    const infer = await post('/v2/models/defasagem/versions/v1.0.0/infer', {
      inputs: [
        { name: 'fase', datatype: 'INT32', shape: [1], data: [3] },
        { name: 'defasagem', datatype: 'INT32', shape: [1], data: [-1] },
      ],
    });
    expect(infer.status).toBe(200);
    expect(((await infer.json()) as { outputs: unknown[] }).outputs).toHaveLength(3);
    const reload = await post('/admin/reload', {});
    expect(await reload.json()).toMatchObject({ result: 'swapped', model_version: 'v1.0.0' });
    expect((await post('/admin/reload', {}, { 'x-api-key': 'pred-key' })).status).toBe(403);
  });

  it('docs: Swagger UI and the OpenAPI document, behind a key of any role', async () => {
    const predictKey = { 'x-api-key': 'pred-key' };
    const ui = await get('/docs/', predictKey);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = (await (await get('/docs/json', predictKey)).json()) as { info: { version: string } };
    expect(doc.info.version).toBe('v1.0.0');
    for (const p of ['/docs', '/docs/json', '/openapi.json']) expect((await get(p, {})).status, p).toBe(401);
    expect((await get('/docs/static/swagger-ui.css', {})).status).toBe(200);
  });

  it.each(BAD_REQUESTS)('bad request over the socket: $name → $status', async (c) => {
    let r: Response;
    try {
      r = await fetch(base + c.url, {
        method: c.method,
        headers: { ...admin, ...(c.headers ?? {}) },
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
    } catch (err) {
      throw new Error(`request failed at the socket: ${String(err)}`);
    }
    expect(r.status).toBe(c.status);
    const text = await r.text();
    if (c.code) expect(errorCodeOf(c.url, JSON.parse(text))).toBe(c.code);
    expect(r.headers.get('x-request-id')).toBeTruthy();
    if (c.secret) expect(text).not.toContain(c.secret);
  });

  it('is still healthy and predicting after all of that', async () => {
    expect((await get('/health', {})).status).toBe(200);
    expect((await post('/predict', EXAMPLE_STUDENT)).status).toBe(200);
  });
});
