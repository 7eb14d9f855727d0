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
import { listenOnVersion, trainRealArtifacts } from '../real-model.js';
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
  const { app, port } = await listenOnVersion(registryDir, 'v1.0.0', { settings: testSettings() });
  return {
    app,
    port,
    close: async () => {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
