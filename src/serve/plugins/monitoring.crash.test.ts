/**
 * Killing the real server mid-write: `defasagem serve` as a child process, with monitoring flushing a
 * small batch every 10 ms while clients keep scoring, is killed with SIGKILL. The database it leaves
 * opens, passes SQLite's integrity check and holds every batch the server had acknowledged (the
 * writer's `written` counter, read from GET /monitoring/slo just before the kill, moves only after a
 * transaction has committed).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../monitor/index.js';
import { REPO_ROOT, runTs } from '../../registry/testing/spawn.js';
import { listeningUrl, type MonitoredRegistry, monitoredRegistry, postJson } from '../testing/monitoring.js';

const MAIN = path.join(REPO_ROOT, 'src/cli/main.ts');
let reg: MonitoredRegistry;
beforeAll(async () => {
  reg = await monitoredRegistry();
}, 120_000);
afterAll(() => reg?.cleanup());

/** Serves, scores until `batches` are acknowledged, then SIGKILLs; answers the last acknowledged count. */
async function serveAndKill(dataDir: string, batches: number) {
  let child: ChildProcess | null = null;
  const done = runTs(MAIN, ['serve', '--port', '0'], {
    env: {
      REGISTRY_DIR: reg.registryDir,
      MODEL_VERSION: 'v1.0.0',
      LOG_LEVEL: 'info',
      RATE_LIMIT_MAX: '100000000',
      MONITOR_DATA_DIR: dataDir,
      MONITOR_FLUSH_INTERVAL_MS: '10',
      MONITOR_BATCH_SIZE: '40',
    },
    onSpawn: (c) => {
      child = c;
    },
  });
  const url = await listeningUrl(child!);
  let stop = false;
  const clients = Array.from({ length: 6 }, async () => {
    while (!stop) {
      try {
        const r = await postJson(`${url}/predict`, { instances: Array(5).fill(reg.example) });
        await r.arrayBuffer();
      } catch {
        // The server is gone.
      }
    }
  });
  let acked = 0;
  for (;;) {
    const slo = (await (await fetch(`${url}/monitoring/slo`)).json()) as {
      recorder: { written: number; batches: number };
    };
    acked = slo.recorder.written;
    if (slo.recorder.batches >= batches) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  // Clients are still sending and the writer flushing every 10 ms: the kill lands mid-work.
  (child as unknown as ChildProcess).kill('SIGKILL');
  const result = await done;
  stop = true;
  await Promise.all(clients);
  return { acked, signal: result.signal };
}

describe('SIGKILL of the real server mid-write', () => {
  it.each([3, 30])(
    'killed after %i acknowledged batches: the database opens and keeps every acknowledged event',
    async (batches) => {
      const dataDir = reg.dataDir();
      const { acked, signal } = await serveAndKill(dataDir, batches);
      expect(signal).toBe('SIGKILL');
      expect(acked).toBeGreaterThan(0);
      // Opened as the next server start would open it (WAL recovery needs write access).
      const db = new Database(path.join(dataDir, SQLITE_FILE));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const sum = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
        const students = sum("SELECT SUM(n) AS n FROM prediction_counts WHERE series = 'records'");
        const requests = sum("SELECT SUM(n) AS n FROM request_counts WHERE series = 'requests'");
        // `written` counts students and requests of committed batches.
        expect(students + requests).toBeGreaterThanOrEqual(acked);
        expect(sum('SELECT COUNT(*) AS n FROM prediction_rows')).toBe(0);
      } finally {
        db.close();
      }
    },
    90_000,
  );
});
