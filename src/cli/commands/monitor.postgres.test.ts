/**
 * `defasagem monitor drift|outcomes|prune` on PostgreSQL (MONITOR_DATABASE_URL, the private test
 * cluster): the same events recorded once into monitoring.sqlite and once into PostgreSQL by the
 * library the server uses, and every command run on both through the real top-level catch. The answers
 * must be the same to the byte (JSON, human text, HTML, exit codes), with the clock frozen so that
 * "now" is the same instant for both. With the Swift test server, drift also runs on the whole
 * scaled-out configuration: the registry on S3 and the events in PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNormalisedSource } from '../../data/ingest.js';
import { loadModel } from '../../model/load.js';
import {
  defaultMonitorSettings,
  type MonitorSettings,
  OUTCOMES_FILE,
  openMonitor,
  readBaseline,
} from '../../monitor/index.js';
import { freshDatabase, pgTestUrl } from '../../monitor/testing/postgres.js';
import { promoteVersion, registerVersion } from '../../registry/index.js';
import { s3TempLocation, s3TestEnv } from '../../registry/testing/s3.js';
import { trainRealArtifacts } from '../../serve/testing/real-model.js';
import { runCommandInProcess } from '../testing/support.js';
import { registerMonitorCommands } from './monitor.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-monitor-pg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const cli = (...args: string[]) => runCommandInProcess(registerMonitorCommands, ['monitor', ...args]);
const SECRET = 'monitor-pg-test-secret-0123456789abcdef';
const NOW = Date.UTC(2025, 4, 20, 12, 0);
const DAY = 86_400_000;

/** Both deployments: one on monitoring.sqlite, one on PostgreSQL; the rest of the settings alike. */
interface Deployments {
  sqlite: Record<string, string>;
  postgres: Record<string, string>;
}

let workbook: string;
let registryDir: string;
let artifacts: string;

/**
 * What a server records in pseudonymised mode: the 2023 cohort uploaded (POST /score, with RAs), the
 * same students one by one on /predict, their requests, and a day of traffic 90 days ago (pruned).
 */
async function record(settings: MonitorSettings): Promise<void> {
  const { years } = await readNormalisedSource(workbook);
  const cohort = years.find((y) => y.year === 2023)!.records;
  const model = loadModel(JSON.parse(readFileSync(path.join(artifacts, 'model_v1.json'), 'utf8')));
  const scores = model.predictProba(cohort);
  const labels = Array.from(scores, (s) => (s >= model.threshold ? 1 : 0));
  const monitor = await openMonitor(settings, { pruneIntervalMs: 0 });
  monitor.registerModel('v1.0.0', readBaseline(path.join(artifacts, 'baseline_v1.json')));
  for (const at of [NOW - 2 * 3_600_000, NOW - 90 * DAY]) {
    const base = { modelVersion: 'v1.0.0', records: cohort, scores, labels, at };
    monitor.observePrediction({ ...base, endpoint: 'score', ras: cohort.map((r) => r.ra) });
    cohort.forEach((r, i) => {
      monitor.observePrediction({
        ...base,
        endpoint: 'predict',
        records: [r],
        scores: [scores[i]!],
        labels: [labels[i]!],
      });
      monitor.observeRequest({ endpoint: '/predict', status: 200, latencyMs: 2 + (i % 7), at });
    });
  }
  await monitor.close();
}

let d: Deployments;

beforeAll(async () => {
  if (pgTestUrl() === null) return;
  artifacts = await trainRealArtifacts(root, 1);
  workbook = path.join(root, 'train-1', 'synthetic.xlsx');
  registryDir = path.join(root, 'registry');
  await registerVersion(registryDir, { artifacts, version: 'v1.0.0' });
  await promoteVersion(registryDir, { version: 'v1.0.0', force: true, reason: 'test' });
  d = await deployments();
}, 240_000);

/** Fresh events in both stores, recorded alike; the environment of each deployment. */
async function deployments(): Promise<Deployments> {
  const common = {
    REGISTRY_DIR: registryDir,
    MODEL_VERSION: 'champion',
    MONITOR_PRIVACY_MODE: 'pseudonymised',
    MONITOR_HMAC_SECRET: SECRET,
    MONITOR_RETENTION_DAYS: '30',
    MONITOR_DRIFT_MIN_RECORDS: '50',
    MONITOR_MIN_RECALL: '0',
    MONITOR_MIN_PRECISION: '0',
  };
  const sqliteDir = mkdtempSync(path.join(root, 'sqlite-'));
  const pgDir = mkdtempSync(path.join(root, 'pg-'));
  const url = await freshDatabase();
  const settings = { privacyMode: 'pseudonymised' as const, hmacSecret: SECRET };
  await record(defaultMonitorSettings({ ...settings, dataDir: sqliteDir }));
  await record(defaultMonitorSettings({ ...settings, dataDir: pgDir, databaseUrl: url }));
  return {
    sqlite: { ...common, MONITOR_DATA_DIR: sqliteDir, MONITOR_DATABASE_URL: '' },
    postgres: { ...common, MONITOR_DATA_DIR: pgDir, MONITOR_DATABASE_URL: url },
  };
}

/** `defasagem monitor …` in a deployment's environment, at NOW. */
async function run(env: Record<string, string>, ...args: string[]) {
  vi.unstubAllEnvs();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  try {
    return await cli(...args);
  } finally {
    vi.useRealTimers();
  }
}

/** A deployment's folder in its output, as the other deployment's (the only expected difference). */
const sameFolder = (text: string, from: Record<string, string>, to: Record<string, string>) =>
  text.split(from.MONITOR_DATA_DIR!).join(to.MONITOR_DATA_DIR!);

const missing = pgTestUrl() === null;

describe.skipIf(missing)('defasagem monitor on PostgreSQL answers as on SQLite', () => {
  it('drift: the same report, text, HTML page and exit code', async () => {
    const htmlOf = (env: Record<string, string>) => path.join(env.MONITOR_DATA_DIR!, 'drift.html');
    const lite = await run(d.sqlite, 'drift', '--json', '--html', htmlOf(d.sqlite));
    const pg = await run(d.postgres, 'drift', '--json', '--html', htmlOf(d.postgres));
    expect(pg.err).toBe('');
    expect(pg.out).toBe(lite.out);
    expect(pg.code).toBe(lite.code);
    const report = JSON.parse(pg.out);
    expect(report).toMatchObject({ model_version: 'v1.0.0', window: { to: new Date(NOW).toISOString() } });
    // The cohort twice in the window (upload and one by one); the 90-day-old traffic is outside it.
    const cohortSize = report.records / 2;
    expect(report.calls).toBe(cohortSize + 1);
    expect([0, 10, 11]).toContain(pg.code);
    expect(readFileSync(htmlOf(d.postgres), 'utf8')).toBe(readFileSync(htmlOf(d.sqlite), 'utf8'));
    const text = [
      await run(d.sqlite, 'drift', '--last-days', '3'),
      await run(d.postgres, 'drift', '--last-days', '3'),
    ];
    expect(text[1]!.out).toBe(text[0]!.out);
    expect(text[1]!.out).toMatch(/^drift of v1\.0\.0, /);
  });

  it('outcomes --from rows: the same joined report, saved beside the events for the dashboard', async () => {
    const args = ['outcomes', '--source', workbook, '--from', 'rows', '--json'];
    const lite = await run(d.sqlite, ...args);
    const pg = await run(d.postgres, ...args);
    expect(pg.err).toBe('');
    expect(pg.code).toBe(lite.code);
    expect(pg.out).toBe(sameFolder(lite.out, d.sqlite, d.postgres));
    const out = JSON.parse(pg.out);
    expect(out).toMatchObject({ predictions_from: 'rows', outcome_year: 2024 });
    expect(out.report.matched).toBeGreaterThan(0);
    expect(out.saved_to).toBe(path.join(d.postgres.MONITOR_DATA_DIR!, OUTCOMES_FILE));
    expect(readFileSync(out.saved_to, 'utf8')).toBe(
      readFileSync(path.join(d.sqlite.MONITOR_DATA_DIR!, OUTCOMES_FILE), 'utf8'),
    );
  });

  it('prune: the same counts deleted, and the stores agree afterwards', async () => {
    const lite = await run(d.sqlite, 'prune', '--json');
    const pg = await run(d.postgres, 'prune', '--json');
    expect(pg.code).toBe(0);
    expect(pg.out).toBe(lite.out);
    const pruned = JSON.parse(pg.out);
    expect(pruned.rows).toBeGreaterThan(0);
    expect(pruned.predictionCounts).toBeGreaterThan(0);
    expect(pruned.requestCounts).toBeGreaterThan(0);
    // Nothing older is left: a second prune deletes nothing, on both.
    const again = [await run(d.sqlite, 'prune', '--json'), await run(d.postgres, 'prune', '--json')];
    expect(again[1]!.out).toBe(again[0]!.out);
    expect(JSON.parse(again[1]!.out)).toMatchObject({ rows: 0, predictionCounts: 0, requestCounts: 0 });
    // What the commands read afterwards is still the same.
    const drift = [await run(d.sqlite, 'drift', '--json'), await run(d.postgres, 'drift', '--json')];
    expect(drift[1]!.out).toBe(drift[0]!.out);
  });

  it('failures: a database no server has migrated, rows asked of aggregate-only events; never the password', async () => {
    const url = new URL(await freshDatabase());
    url.password = 'pg-s3cret';
    const empty = { ...d.postgres, MONITOR_DATABASE_URL: url.toString() };
    const none = await run(empty, 'drift', '--json');
    expect(none.code).toBe(7);
    expect(JSON.parse(none.out).error.code).toBe('DEF_ERR_MONITOR_STORE_FAILED');
    expect(none.out + none.err).not.toContain('pg-s3cret');
    // Aggregates only: rows cannot be joined, on either store; PostgreSQL's error names the database.
    const aggregates = { dataDir: mkdtempSync(path.join(root, 'agg-')), databaseUrl: await freshDatabase() };
    const agg = { privacyMode: 'aggregate_only' as const };
    await record(defaultMonitorSettings({ ...agg, dataDir: aggregates.dataDir }));
    await record(defaultMonitorSettings({ ...agg, ...aggregates }));
    const args = ['outcomes', '--source', workbook, '--from', 'rows', '--json'];
    const lite = await run({ ...d.sqlite, MONITOR_DATA_DIR: aggregates.dataDir }, ...args);
    const pg = await run({ ...d.postgres, MONITOR_DATABASE_URL: aggregates.databaseUrl }, ...args);
    expect(pg.code).toBe(lite.code);
    const [liteError, pgError] = [JSON.parse(lite.out).error, JSON.parse(pg.out).error];
    expect(pgError.code).toBe('DEF_ERR_MONITOR_ROWS_REQUIRED');
    expect(pgError.message).toBe(liteError.message);
    expect(liteError.details).toEqual({ path: aggregates.dataDir });
    expect(pgError.details).toEqual({ database: aggregates.databaseUrl });
  });
});

describe.skipIf(missing || s3TestEnv() === null)('defasagem monitor on S3 + PostgreSQL', () => {
  it('drift with the registry on S3 and the events in PostgreSQL: as on a folder and SQLite', async () => {
    const s3 = await s3TempLocation();
    await registerVersion(s3, { artifacts, version: 'v1.0.0' });
    await promoteVersion(s3, { version: 'v1.0.0', force: true, reason: 'test' });
    const lite = await run(d.sqlite, 'drift', '--json');
    const scaled = await run({ ...d.postgres, REGISTRY_DIR: s3 }, 'drift', '--json');
    expect(scaled.err).toBe('');
    expect(scaled.out).toBe(lite.out);
    expect(JSON.parse(scaled.out).model_version).toBe('v1.0.0');
  });
});
