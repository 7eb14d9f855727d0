/**
 * A model trained on the synthetic workbook is named as such wherever a client or an operator looks:
 * the start-up log, /ready, /metadata, /models, every /predict answer (one student and a batch), the OIP
 * model metadata and Swagger's description. A real model trained by src/train on the synthetic workbook
 * is served from a real registry on a real socket; a copy of its artifacts whose metadata says
 * `synthetic: false` stands for a model trained on real data, and the server follows the champion to it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteVersion, registerVersion } from '../registry/index.js';
import { loadServerSettings, type RunningServer, startServer } from './server.js';
import { trainRealArtifacts } from './testing/real-model.js';
import { collectingLogger } from './testing/support.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-serve-synthetic-'));
const registryDir = path.join(root, 'registry');
let example: Record<string, unknown> = {};
let server: RunningServer;
const lines: string[] = [];

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const fake = await trainRealArtifacts(root, 3);
  // The same model, its metadata saying it was trained on real data (what ingest of a real workbook writes).
  const real = path.join(root, 'real-artifacts');
  cpSync(fake, real, { recursive: true });
  const metaFile = path.join(real, 'model_metadata_v1.json');
  const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  expect(meta.synthetic).toBe(true);
  writeFileSync(
    metaFile,
    JSON.stringify({ ...meta, synthetic: false, data: { ...meta.data, synthetic: false } }),
  );
  await registerVersion(registryDir, { artifacts: fake, version: 'v1.0.0' });
  await registerVersion(registryDir, { artifacts: real, version: 'v1.0.1' });
  await promoteVersion(registryDir, {
    version: 'v1.0.0',
    expectCurrent: 'none',
    force: true,
    reason: 'test',
  });
  example = JSON.parse(readFileSync(path.join(fake, 'model_signature_v1.json'), 'utf8')).example_request;
  server = await startServer({
    settings: loadServerSettings({
      REGISTRY_DIR: registryDir,
      MODEL_VERSION: 'champion',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RELOAD_POLL_SECONDS: '0.2',
    }),
    logger: collectingLogger(lines),
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = async (p: string) => (await fetch(server.url + p)).json() as Promise<Record<string, any>>;
const post = async (p: string, body: unknown) =>
  (await fetch(server.url + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json())) as Record<string, any>;

describe('a model trained on synthetic data says so everywhere', () => {
  it('in the start-up log', () => {
    const swap = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'model_swap');
    expect(swap).toMatchObject({ version: 'v1.0.0', synthetic: true });
    expect(swap.msg).toBe(
      'serving v1.0.0, trained on SYNTHETIC data (fake students): its scores say nothing about real ones',
    );
  });

  it('in /ready, /metadata and /models', async () => {
    expect(await get('/ready')).toMatchObject({ ready: true, model_version: 'v1.0.0', synthetic: true });
    expect(await get('/metadata')).toMatchObject({ model_version: 'v1.0.0', synthetic: true });
    expect((await get('/models')).serving).toMatchObject({ version: 'v1.0.0', synthetic: true });
  });

  it('in every prediction: one student, and a batch (envelope and each prediction)', async () => {
    expect(await post('/predict', example)).toMatchObject({ model_version: 'v1.0.0', synthetic: true });
    const batch = await post('/predict', { instances: [example, example] });
    expect(batch.synthetic).toBe(true);
    expect(batch.predictions.map((p: { synthetic: boolean }) => p.synthetic)).toEqual([true, true]);
  });

  it("in the OIP model metadata's parameters and Swagger's description", async () => {
    expect((await get('/v2/models/defasagem')).parameters).toEqual({ synthetic: true });
    const doc = await get('/openapi.json');
    expect(doc.info.description).toMatch(
      /^\*\*⚠ The served model v1\.0\.0 was trained on SYNTHETIC data \(fake students from `defasagem synth`\)/,
    );
    expect(doc.components.schemas.Prediction.properties.synthetic).toMatchObject({ type: 'boolean' });
    expect(doc.components.schemas.BatchPrediction.properties.synthetic).toMatchObject({ type: 'boolean' });
  });
});

describe('after the champion moves to a model trained on real data', () => {
  beforeAll(async () => {
    await promoteVersion(registryDir, {
      version: 'v1.0.1',
      expectCurrent: 'v1.0.0',
      force: true,
      reason: 'test',
    });
    await until(async () => (await get('/ready')).model_version === 'v1.0.1');
  });

  it('every answer says synthetic: false, and the log and Swagger say real data', async () => {
    expect(await get('/ready')).toMatchObject({ model_version: 'v1.0.1', synthetic: false });
    expect((await get('/metadata')).synthetic).toBe(false);
    expect(await post('/predict', example)).toMatchObject({ model_version: 'v1.0.1', synthetic: false });
    expect((await get('/v2/models/defasagem')).parameters).toEqual({ synthetic: false });
    expect((await get('/openapi.json')).info.description).toMatch(
      /^Served model v1\.0\.1, trained on real data/,
    );
    const swap = lines.map((l) => JSON.parse(l)).findLast((l) => l.event === 'model_swap');
    expect(swap).toMatchObject({
      version: 'v1.0.1',
      synthetic: false,
      msg: 'now serving v1.0.1 (was v1.0.0)',
    });
  });
});
