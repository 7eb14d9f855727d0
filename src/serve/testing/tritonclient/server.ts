/**
 * A real server for the tritonclient tests: a model trained by src/train on a synthetic workbook,
 * registered as v1.0.0 (the version the captures name), loaded by the loader, served by the whole
 * app on 127.0.0.1 with auth off (loopback).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { registerVersion } from '../../../registry/index.js';
import { buildApp } from '../../app.js';
import { ModelHolder } from '../../holder.js';
import { modelSource } from '../../loader.js';
import { createMetrics } from '../../metrics.js';
import { trainRealArtifacts } from '../real-model.js';
import { testSettings } from '../support.js';

export interface RealServer {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

export async function startRealServer(): Promise<RealServer> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-tritonclient-'));
  const registryDir = path.join(root, 'registry');
  await registerVersion(registryDir, { artifacts: await trainRealArtifacts(root, 11), version: 'v1.0.0' });
  const source = modelSource({
    modelVersion: 'v1.0.0',
    registryDir,
    modelPath: '',
    metadataPath: '',
    signaturePath: '',
  });
  const settings = testSettings();
  const holder = new ModelHolder({
    policy: { extraFeatures: settings.extraFeaturePolicy, maxInstances: settings.maxInstances },
    bandAlto: null,
    bandMedio: null,
    load: source.load,
  });
  if ((await holder.reload('startup')) !== 'swapped') throw new Error('the trained model did not load');
  const app = await buildApp({
    settings,
    holder,
    metrics: createMetrics(),
    logger: false,
    listModels: source.listModels,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
