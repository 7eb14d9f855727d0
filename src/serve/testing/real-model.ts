/** A model trained for real by src/train, for the tests that serve one (socket, integration). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type AppDeps, type AppSettings, buildApp } from '../app.js';
import { ModelHolder } from '../holder.js';
import { modelSource } from '../loader.js';
import { createMetrics } from '../metrics.js';

/**
 * A REAL model for integration tests: a small synthetic workbook → ingest → train (small ensembles,
 * few resamples: the tests check serving, not accuracy) → artifacts. About 2–4 s.
 */
export async function trainRealArtifacts(root: string, seed: number): Promise<string> {
  const { writeSyntheticWorkbook } = await import('../../data/synth.js');
  const { ingest } = await import('../../data/ingest.js');
  const { train } = await import('../../train/train.js');
  const { resolveConfig } = await import('../../train/config.js');
  const dir = path.join(root, `train-${seed}`);
  mkdirSync(dir, { recursive: true });
  const workbook = path.join(dir, 'synthetic.xlsx');
  await writeSyntheticWorkbook(workbook, { students: 300, years: [2022, 2023, 2024], seed });
  const s = await ingest({ source: workbook, outDir: path.join(dir, 'data') });
  const artifactsDir = path.join(dir, 'artifacts');
  const config = resolveConfig({
    bootstrap: 50,
    random_forest: { n_estimators: 15 },
    gbdt: { max_iter: 60, learning_rate: 0.2 },
  });
  await train({ dataPath: s.outputs.modelingDataset, artifactsDir, seed, refit: true, config });
  return artifactsDir;
}

/**
 * The whole app serving registry `version` of `registryDir` (loaded by the real loader, its own risk
 * bands) on 127.0.0.1, port chosen by the system. For the tests that need a real socket.
 */
export async function listenOnVersion(
  registryDir: string,
  version: string,
  opts: { settings: AppSettings; logger?: Logger | false; observer?: AppDeps['observer'] },
): Promise<{ app: FastifyInstance; port: number; url: string }> {
  const source = modelSource({
    modelVersion: version,
    registryDir,
    modelPath: '',
    metadataPath: '',
    signaturePath: '',
  });
  const { settings } = opts;
  const holder = new ModelHolder({
    policy: { extraFeatures: settings.extraFeaturePolicy, maxInstances: settings.maxInstances },
    bandAlto: null,
    bandMedio: null,
    load: source.load,
  });
  if ((await holder.reload('startup')) !== 'swapped')
    throw new Error(`${version} did not load: ${holder.reason}`);
  const app = await buildApp({
    settings,
    holder,
    metrics: createMetrics(),
    logger: opts.logger ?? false,
    ...(opts.observer ? { observer: opts.observer } : {}),
    listModels: source.listModels,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return { app, port, url: `http://127.0.0.1:${port}` };
}
