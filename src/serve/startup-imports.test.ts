/**
 * What `defasagem serve` loads before it is ready: the real CLI as a child process, with a module
 * loader hook that writes down every module it loads, started on a registry with a real model and
 * default monitoring (SQLite), then asked for /ready and one /predict. The cohort readers and writers
 * (read-excel-file, write-excel-file, hyparquet, csv-parse), the PostgreSQL client, the AWS SDK and
 * the terminal progress bar are loaded only by the request or setting that needs them: each costs
 * start-up time and resident memory on every replica that never uses it. Then one POST /score on the
 * same server proves the lazily loaded readers do arrive when asked for.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runTs } from '../registry/testing/spawn.js';
import { listeningUrl, type MonitoredRegistry, monitoredRegistry, postJson } from './testing/monitoring.js';

const MAIN = path.join(REPO_ROOT, 'src/cli/main.ts');
/** Packages a serving replica needs only for a cohort upload, a PostgreSQL store, S3 or a TTY. */
const NOT_AT_START = [
  'read-excel-file',
  'write-excel-file',
  'hyparquet',
  'csv-parse',
  'pg',
  '@aws-sdk',
  'cli-progress',
  // Fastify's default schema compilers: no route declares a schema (they load on the first that does).
  '@fastify/ajv-compiler',
  'ajv',
  '@fastify/fast-json-stringify-compiler',
];

let reg: MonitoredRegistry;
let tmp: string;
beforeAll(async () => {
  reg = await monitoredRegistry();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-imports-'));
}, 120_000);
afterAll(() => {
  reg?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/**
 * A `--import` file registering a load hook that appends each loaded module's URL to `log`, and a
 * `--require` file that appends each CommonJS file loaded by `require` (the ESM hook does not see
 * what a CommonJS package requires itself). Both go in NODE_OPTIONS.
 */
function recordingHook(log: string): string {
  const cjs = path.join(tmp, 'require-hook.cjs');
  writeFileSync(
    cjs,
    `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module.prototype.load;
Module.prototype.load = function (filename) {
  appendFileSync(${JSON.stringify(log)}, filename + '\\n');
  return load.call(this, filename);
};
`,
  );
  const hooks = path.join(tmp, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}
`,
  );
  const register = path.join(tmp, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return `--import ${register} --require ${cjs}`;
}

/** The package a node_modules URL belongs to (`@scope/name` or `name`), else null. */
function packageOf(url: string): string | null {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return m ? m[1]! : null;
}

describe('serve start-up loads only what serving needs', () => {
  it('is ready and predicts without the cohort, PostgreSQL, S3 or TTY packages; /score loads them', async () => {
    const log = path.join(tmp, 'loaded.txt');
    let child: ChildProcess | null = null;
    const done = runTs(MAIN, ['serve', '--port', '0'], {
      env: {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${recordingHook(log)}`.trim(),
        REGISTRY_DIR: reg.registryDir,
        MODEL_VERSION: 'v1.0.0',
        LOG_LEVEL: 'info',
        MONITOR_DATA_DIR: reg.dataDir(),
      },
      onSpawn: (c) => {
        child = c;
      },
    });
    try {
      const url = await listeningUrl(child!);
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const p = await postJson(`${url}/predict`, { instances: [reg.example] });
      expect(p.status).toBe(200);
      expect(existsSync(log)).toBe(true);
      const atStart = new Set(
        readFileSync(log, 'utf8')
          .split('\n')
          .map(packageOf)
          .filter((x) => x !== null),
      );
      // The hook sees what serving does load (so an empty list would not pass for a clean start).
      // avvio and find-my-way are required by fastify itself: the CommonJS hook sees inside packages.
      expect([...atStart]).toEqual(
        expect.arrayContaining(['fastify', 'better-sqlite3', 'prom-client', 'avvio', 'find-my-way']),
      );
      for (const pkg of NOT_AT_START) expect([...atStart].filter((p) => p.startsWith(pkg))).toEqual([]);

      const csv = `RA;Fase;Defasagem\nRA-1;3;0\n`;
      const form = new FormData();
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'PEDE2024.csv');
      const s = await fetch(`${url}/score`, { method: 'POST', body: form });
      await s.arrayBuffer();
      const after = new Set(
        readFileSync(log, 'utf8')
          .split('\n')
          .map(packageOf)
          .filter((x) => x !== null),
      );
      expect([...after].some((p) => p === 'csv-parse' || p === 'read-excel-file')).toBe(true);
    } finally {
      (child as ChildProcess | null)?.kill('SIGTERM');
      await done;
    }
  }, 120_000);
});
