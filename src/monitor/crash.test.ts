/**
 * Crash safety: a writer killed with SIGKILL in the middle of its work leaves a database that opens,
 * passes SQLite's integrity check and holds every batch it acknowledged (committed) — and, since counters
 * and rows share one transaction, never half a batch.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, SQLITE_FILE } from './store/sqlite.js';
import { REPO_ROOT, removeTempDirs, tempDir } from './testing/fixtures.js';

afterAll(removeTempDirs);

const WRITER = path.join(REPO_ROOT, 'src/monitor/testing/crash-writer.ts');
const PER_BATCH = 400;

/** Starts the writer, kills it with SIGKILL once `acks` batches are acknowledged; returns the last ack. */
function runAndKill(
  dataDir: string,
  mode: string,
  acks: number,
): Promise<{ acked: number; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, mode, String(PER_BATCH)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = 0;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const m = /^ack (\d+) (\d+)$/.exec(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (m) {
          acked = Number(m[2]);
          if (Number(m[1]) >= acks && !child.killed) child.kill('SIGKILL');
        }
        nl = buf.indexOf('\n');
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve({ acked, signal }) : reject(new Error(`writer exited: ${stderr}`)),
    );
  });
}

describe('SIGKILL mid-write', () => {
  it.each([
    ['pseudonymised', 3],
    ['pseudonymised', 25],
    ['aggregate_only', 40],
  ])(
    '%s, killed after %i acknowledged batches: the database opens and keeps every acknowledged batch',
    async (mode, acks) => {
      const dataDir = tempDir('crash');
      const { acked, signal } = await runAndKill(dataDir, mode, acks);
      expect(signal).toBe('SIGKILL');
      expect(acked).toBeGreaterThanOrEqual(acks * PER_BATCH);

      const raw = new Database(path.join(dataDir, SQLITE_FILE));
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();

      const store = await openSqliteStore({ dataDir });
      const all = { from: 0, to: Date.now() + 3_600_000 };
      const records = (await store.predictionCounts(all))
        .filter((c) => c.series === 'records')
        .reduce((s, c) => s + c.n, 0);
      // Every acknowledged batch is there; at most the batch in flight committed without its ack.
      expect(records).toBeGreaterThanOrEqual(acked);
      expect(records).toBeLessThanOrEqual(acked + PER_BATCH);
      expect(records % PER_BATCH).toBe(0);
      const rows = (await store.predictionRows(all)).length;
      expect(rows).toBe(mode === 'pseudonymised' ? records : 0);
      // And it takes new batches.
      await store.append({
        binSpecs: [],
        predictionCounts: [],
        requestCounts: [{ hour: 0, endpoint: 'predict', series: 'requests', bin: '', n: 1 }],
        rows: [],
      });
      await store.close();
    },
  );
});
