/**
 * Test helper: serve model files written by `train` through the real HTTP app (buildApp, a ModelHolder,
 * the model's own risk bands), in process, as `defasagem serve` would load them from MODEL_PATH. Used by
 * the API tests of the operating point (training and serving must agree).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { StudentRecord } from '../../core/student.js';
import { loadModel } from '../../model/load.js';
import type { MetricsFile, ModelSignature } from '../../model/types.js';
import { type AppSettings, buildApp } from '../app.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';
import { testSettings } from './support.js';

const read = (dir: string, f: string): unknown => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));

/** An app serving `model` (a parsed model_v1.json, possibly edited) with the artifacts' other files. */
export async function serveModel(
  artifactsDir: string,
  model: unknown = read(artifactsDir, 'model_v1.json'),
  over: Partial<AppSettings> = {},
) {
  const settings = testSettings({ topFactors: 0, ...over });
  const holder = new ModelHolder({
    policy: { extraFeatures: 'reject', maxInstances: settings.maxInstances },
    bandAlto: null,
    bandMedio: null,
    load: async () => ({
      version: 'v0.0.0-test',
      source: 'dev',
      requested: '',
      model: loadModel(model),
      signature: read(artifactsDir, 'model_signature_v1.json') as ModelSignature,
      metadata: read(artifactsDir, 'model_metadata_v1.json'),
      metrics: read(artifactsDir, 'metrics_v1.json') as MetricsFile,
    }),
  });
  if ((await holder.reload('test')) !== 'swapped') throw new Error(`model did not load: ${holder.reason}`);
  return buildApp({ settings, holder, metrics: createMetrics({ defaultMetrics: false }), logger: false });
}

export interface Prediction {
  risk_score: number;
  risk_label: 0 | 1;
  risk_band: 'alto' | 'medio' | 'baixo';
}

/** POST /predict as a client: one student per request, or a batch in one request. */
export async function predict(
  app: FastifyInstance,
  students: readonly StudentRecord[],
): Promise<Prediction[]> {
  const body = students.length === 1 ? students[0] : { instances: students };
  const r = await app.inject({
    method: 'POST',
    url: '/predict',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  if (r.statusCode !== 200) throw new Error(`/predict answered ${r.statusCode}: ${r.body}`);
  const j = r.json() as Prediction | { predictions: Prediction[] };
  return 'predictions' in j ? j.predictions : [j];
}
