/**
 * Several API replicas sharing one registry on S3 (the Swift s3api test server): each follows the
 * champion by polling (RELOAD_POLL_SECONDS) and hot-swaps; a promotion made while they answer
 * /predict reaches all of them, and no request fails on the way. Three apps on three loopback ports,
 * each with its own holder and its own view of the registry (in one process, to keep the suite lean).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STUDENT } from '../model/signature.js';
import { openRegistry, promoteVersion, registerVersion } from '../registry/index.js';
import { backendMissing, openTestRegistry } from '../registry/testing/backends.js';
import {
  removeTempDirs,
  TEST_SETTINGS,
  tempDir,
  writeFixtureArtifacts,
} from '../registry/testing/fixtures.js';
import { buildApp } from './app.js';
import { ModelHolder } from './holder.js';
import { modelSource } from './loader.js';
import { createMetrics } from './metrics.js';
import { followSource } from './runner/follow.js';
import { testSettings } from './testing/support.js';

const POLL_SECONDS = 1;

/** One replica: MODEL_VERSION=champion on `registry`, listening on a port of its own. */
async function replica(
  registry: string,
): Promise<{ app: FastifyInstance; url: string; stop: () => Promise<void> }> {
  const settings = testSettings();
  const source = modelSource({
    modelVersion: 'champion',
    registryDir: registry,
    modelPath: '',
    metadataPath: '',
    signaturePath: '',
  });
  const holder = new ModelHolder({
    policy: { extraFeatures: 'reject', maxInstances: settings.maxInstances },
    bandAlto: null,
    bandMedio: null,
    load: source.load,
    probe: source.probe,
  });
  if ((await holder.reload('startup')) !== 'swapped')
    throw new Error(`replica did not load: ${holder.reason}`);
  const app = await buildApp({
    settings,
    holder,
    metrics: createMetrics({ defaultMetrics: false }),
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const stopFollowing = followSource(holder, source, POLL_SECONDS);
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    app,
    url,
    stop: async () => {
      stopFollowing();
      await holder.stop();
    },
  };
}

async function servedVersion(url: string): Promise<string | null> {
  const r = await fetch(`${url}/ready`);
  return ((await r.json()) as { model_version?: string }).model_version ?? null;
}

afterAll(removeTempDirs);

describe.skipIf(backendMissing('s3'))('three replicas sharing an S3 registry', () => {
  it('a promotion under load reaches all three within the poll interval, with zero failed requests', {
    timeout: 240_000,
  }, async () => {
    const { dir } = await openTestRegistry('s3');
    const ctx = openRegistry(dir, TEST_SETTINGS);
    await registerVersion(ctx, {
      artifacts: writeFixtureArtifacts(tempDir('a'), { seed: 1 }),
      version: 'v1.0.0',
    });
    await registerVersion(ctx, {
      artifacts: writeFixtureArtifacts(tempDir('b'), { seed: 2 }),
      version: 'v1.1.0',
    });
    await promoteVersion(ctx, { version: 'v1.0.0' });
    const replicas = await Promise.all([dir, dir, dir].map(replica));
    try {
      for (const r of replicas) expect(await servedVersion(r.url)).toBe('v1.0.0');

      // Load: two clients per replica, one request at a time each, until told to stop (bounded below).
      const answered = new Map<string, number>();
      const failures: string[] = [];
      let stop = false;
      const client = async (url: string) => {
        for (let i = 0; i < 5000 && !stop; i++) {
          const res = await fetch(`${url}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(EXAMPLE_STUDENT),
          });
          const body = (await res.json()) as { model_version?: string };
          if (res.status !== 200) failures.push(`${url} ${res.status}`);
          else answered.set(body.model_version!, (answered.get(body.model_version!) ?? 0) + 1);
        }
      };
      const load = replicas.flatMap((r) => [client(r.url), client(r.url)]);
      await sleep(500);
      await promoteVersion(ctx, { version: 'v1.1.0', by: 'replica-test' });
      const promotedAt = Date.now();
      // Every replica serves the new champion within a bounded time (poll interval + load time).
      const reached: number[] = [];
      for (const r of replicas) {
        while ((await servedVersion(r.url)) !== 'v1.1.0') {
          expect(Date.now() - promotedAt).toBeLessThan(60_000);
          await sleep(50);
        }
        reached.push(Date.now() - promotedAt);
      }
      await sleep(300);
      stop = true;
      await Promise.all(load);
      expect(failures).toEqual([]);
      expect(answered.get('v1.0.0')).toBeGreaterThan(0);
      expect(answered.get('v1.1.0')).toBeGreaterThan(0);
      console.info(
        `replicas: promotion seen after ${reached.join(', ')} ms; answered ${JSON.stringify(Object.fromEntries(answered))}`,
      );
    } finally {
      for (const r of replicas) {
        await r.stop();
        await r.app.close();
      }
    }
  });
});
