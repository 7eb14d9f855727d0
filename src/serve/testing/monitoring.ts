/**
 * Test support for monitoring in the server: a registry holding a model trained for real (with the
 * baseline training wrote beside it), and `startServer` on loopback with monitoring in a temp folder.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  defaultMonitorSettings,
  type MonitorSettings,
  type OpenMonitorOptions,
} from '../../monitor/index.js';
import { registerVersion } from '../../registry/index.js';
import { loadServerSettings, type RunningServer, startServer } from '../server.js';
import { trainRealArtifacts } from './real-model.js';

export interface MonitoredRegistry {
  root: string;
  registryDir: string;
  /** Artifacts of v1.0.0 and of a second model (another seed), not registered. */
  artifacts: string[];
  /** The signature's example student. */
  example: Record<string, unknown>;
  /** A new empty folder for monitoring data, removed with the rest by cleanup(). */
  dataDir(): string;
  cleanup(): void;
}

/** A temp registry with v1.0.0 trained for real (seed 1); `more` extra trainings (seeds 2…) left unregistered. */
export async function monitoredRegistry(more = 0): Promise<MonitoredRegistry> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-monitor-serve-'));
  const registryDir = path.join(root, 'registry');
  const artifacts: string[] = [];
  for (let seed = 1; seed <= 1 + more; seed++) artifacts.push(await trainRealArtifacts(root, seed));
  await registerVersion(registryDir, { artifacts: artifacts[0]!, version: 'v1.0.0' });
  const example = JSON.parse(readFileSync(path.join(artifacts[0]!, 'model_signature_v1.json'), 'utf8'))
    .example_request as Record<string, unknown>;
  return {
    root,
    registryDir,
    artifacts,
    example,
    dataDir: () => mkdtempSync(path.join(root, 'events-')),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Server settings for a temp registry on loopback, port 0; the limiter out of the way. */
export function serverSettingsFor(registryDir: string, env: Record<string, string> = {}) {
  return loadServerSettings({
    REGISTRY_DIR: registryDir,
    MODEL_VERSION: 'v1.0.0',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RELOAD_POLL_SECONDS: '0.2',
    RATE_LIMIT_MAX: '100000000',
    ...env,
  });
}

/** `startServer` as `defasagem serve` runs it, with monitoring settings over the defaults. */
export async function startMonitored(o: {
  registryDir: string;
  dataDir: string;
  env?: Record<string, string>;
  monitor?: Partial<MonitorSettings>;
  monitorOptions?: OpenMonitorOptions;
  logger?: Parameters<typeof startServer>[0]['logger'];
}): Promise<RunningServer> {
  return startServer({
    settings: serverSettingsFor(o.registryDir, o.env),
    monitor: defaultMonitorSettings({ dataDir: o.dataDir, ...o.monitor }),
    ...(o.monitorOptions ? { monitorOptions: o.monitorOptions } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
}

/** POST a JSON body to the server. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** The URL a `defasagem serve` child logged in its `listening` line (stdout piped). */
export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /"event":"listening","url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${out}`)));
  });
}
