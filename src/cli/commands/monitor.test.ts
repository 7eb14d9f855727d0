/**
 * `defasagem monitor drift|outcomes|prune` in-process through the real top-level catch, on a registry
 * holding a model trained for real with `--no-refit` (developed on the 2022→2023 transitions, backtested
 * on 2023→2024) and events recorded by the monitoring library the server uses. Exit codes are the
 * contract with schedulers: 0 green / no alert, 10 yellow, 11 red, 12 too few students, 13 outcome
 * alerts, the catalogue's codes on failure. With PEDE_XLSX, `monitor outcomes` on the real workbook
 * reports the training backtest's recall and precision.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readNormalisedSource } from '../../data/ingest.js';
import { readModelingDataset } from '../../data/modeling-dataset.js';
import { loadModel } from '../../model/load.js';
import {
  defaultMonitorSettings,
  OUTCOMES_FILE,
  openMonitor,
  openSqliteStore,
  readBaseline,
} from '../../monitor/index.js';
import { realWorkbook, syntheticWorkbook } from '../../monitor/testing/fixtures.js';
import { promoteVersion, registerVersion } from '../../registry/index.js';
import { startMonitored } from '../../serve/testing/monitoring.js';
import { runCommandInProcess } from '../testing/support.js';
import { registerMonitorCommands } from './monitor.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-monitor-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const cli = (...args: string[]) => runCommandInProcess(registerMonitorCommands, ['monitor', ...args]);
const SECRET = 'monitor-cli-test-secret-0123456789abcdef';

interface Setup {
  source: string;
  registryDir: string;
  artifacts: string;
  metrics: { test: { n: number; metrics: Record<string, { value: number }> } };
}

/** ingest → train --no-refit → register v1.0.0 → promote, in `dir`. */
async function trainedRegistry(source: string, dir: string, small: boolean): Promise<Setup> {
  const { ingest } = await import('../../data/ingest.js');
  const { train } = await import('../../train/train.js');
  const { resolveConfig } = await import('../../train/config.js');
  const s = await ingest({ source, outDir: path.join(dir, 'data') });
  const artifacts = path.join(dir, 'artifacts');
  const config = small
    ? resolveConfig({ bootstrap: 50, random_forest: { n_estimators: 15 }, gbdt: { max_iter: 60 } })
    : undefined;
  await train({
    dataPath: s.outputs.modelingDataset,
    artifactsDir: artifacts,
    seed: 42,
    refit: false,
    ...(config ? { config } : {}),
  });
  const registryDir = path.join(dir, 'registry');
  await registerVersion(registryDir, { artifacts, version: 'v1.0.0' });
  await promoteVersion(registryDir, {
    version: 'v1.0.0',
    expectCurrent: 'none',
    force: true,
    reason: 'test',
  });
  return {
    source,
    registryDir,
    artifacts,
    metrics: JSON.parse(readFileSync(path.join(artifacts, 'metrics_v1.json'), 'utf8')),
  };
}

let t: Setup;
let dataDir: string;
let testRows: Record<string, unknown>[];

beforeAll(async () => {
  const dir = path.join(root, 'synthetic');
  t = await trainedRegistry(await syntheticWorkbook(400, 3), dir, true);
  // The server's monitoring, fed the backtest year's students (as if they had been scored in the API).
  dataDir = path.join(root, 'events');
  const rows = await readModelingDataset(path.join(dir, 'data', 'processed', 'modeling_dataset.parquet'));
  testRows = rows.filter((r) => r.ano_base === 2023).map(({ em_risco: _y, aluno_id: _a, ...r }) => r);
  const model = loadModel(JSON.parse(readFileSync(path.join(t.artifacts, 'model_v1.json'), 'utf8')));
  const monitor = await openMonitor(defaultMonitorSettings({ dataDir }), { pruneIntervalMs: 0 });
  monitor.registerModel('v1.0.0', readBaseline(path.join(t.artifacts, 'baseline_v1.json')));
  const scores = model.predictProba(testRows as never);
  monitor.observePrediction({
    modelVersion: 'v1.0.0',
    endpoint: 'predict',
    records: testRows,
    scores,
    labels: Array.from(scores, (s) => (s >= model.threshold ? 1 : 0)),
    at: Date.now(),
  });
  await monitor.close();
}, 180_000);

/** The environment of a deployment: the registry, the served version, the events. */
function deployment(extra: Record<string, string> = {}): void {
  const env = { REGISTRY_DIR: t.registryDir, MODEL_VERSION: 'champion', MONITOR_DATA_DIR: dataDir, ...extra };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
}

describe('defasagem monitor drift', () => {
  it('reports the served version (the champion) and exits with its status; --html writes the Portuguese page', async () => {
    deployment();
    const html = path.join(root, 'drift.html');
    const r = await cli('drift', '--json', '--html', html);
    const report = JSON.parse(r.out);
    expect(report.model_version).toBe('v1.0.0');
    expect(report.records).toBe(testRows.length);
    expect(r.code).toBe({ green: 0, yellow: 10, red: 11, insufficient: 12 }[report.status as string]);
    expect(readFileSync(html, 'utf8')).toContain('Monitoramento de drift — modelo v1.0.0');
    const human = await cli('drift', '--last-days', '3');
    expect(human.out).toMatch(/^drift of v1\.0\.0, .*: (GREEN|YELLOW|RED|INSUFFICIENT)/);
    expect(human.out).toContain('ieg');
  });

  it('each status has its own exit code for schedulers', async () => {
    const status = async (env: Record<string, string>) => {
      vi.unstubAllEnvs();
      deployment(env);
      return (await cli('drift', '--json')).code;
    };
    expect(await status({ MONITOR_DRIFT_MIN_RECORDS: '1000000' })).toBe(12);
    const calm = { MONITOR_DRIFT_MIN_RECORDS: '1', MONITOR_MISSING_YELLOW: '1', MONITOR_MISSING_RED: '1' };
    expect(await status({ ...calm, MONITOR_PSI_YELLOW: '9.9', MONITOR_PSI_RED: '10' })).toBe(0);
    expect(await status({ ...calm, MONITOR_PSI_YELLOW: '0', MONITOR_PSI_RED: '10' })).toBe(10);
    expect(await status({ ...calm, MONITOR_PSI_YELLOW: '0', MONITOR_PSI_RED: '0' })).toBe(11);
  });

  it('fails with the catalogue: no database there, no baseline for that version', async () => {
    deployment();
    const empty = mkdtempSync(path.join(root, 'empty-'));
    const none = await cli('drift', '--data-dir', empty, '--json');
    expect(none.code).toBe(7);
    expect(JSON.parse(none.out).error.code).toBe('DEF_ERR_MONITOR_STORE_FAILED');
    expect(existsSync(path.join(empty, 'monitoring.sqlite'))).toBe(false);
    const missing = await cli('drift', '--model-version', 'v9.9.9');
    expect(missing.code).toBe(4);
    expect(missing.err).toContain('DEF_ERR_MONITOR_BASELINE_NOT_FOUND');
    expect((await cli('drift', '--last-days', '0')).code).toBe(2);
  });
});

describe('defasagem monitor prune', () => {
  it('deletes what is older than the retention period and says how much', async () => {
    const dir = path.join(root, 'prune');
    const store = await openSqliteStore({ dataDir: dir });
    const old = Math.floor((Date.now() - 90 * 86_400_000) / 3_600_000) * 3600;
    const now = Math.floor(Date.now() / 3_600_000) * 3600;
    await store.append({
      binSpecs: [],
      predictionCounts: [],
      requestCounts: [
        { hour: old, endpoint: '/predict', series: 'requests', bin: '', n: 5 },
        { hour: now, endpoint: '/predict', series: 'requests', bin: '', n: 7 },
      ],
      rows: [],
    });
    await store.close();
    deployment({ MONITOR_DATA_DIR: dir });
    const r = await cli('prune', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ requestCounts: 1, retention_days: 30 });
    const after = await openSqliteStore({ dataDir: dir, readonly: true });
    expect((await after.requestCounts({ from: 0, to: Date.now() + 3_600_000 })).map((c) => c.n)).toEqual([7]);
    await after.close();
  });
});

describe('defasagem monitor outcomes', () => {
  it('the 2023 cohort re-scored by the champion, outcomes from 2024: the backtest recall and precision', async () => {
    deployment({
      MONITOR_MIN_RECALL: '0',
      MONITOR_MIN_PRECISION: '0',
      MONITOR_MIN_PR_AUC: '0',
      MONITOR_MAX_ECE: '1',
    });
    const html = path.join(root, 'outcomes.html');
    const r = await cli('outcomes', '--source', t.source, '--json', '--html', html);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({
      predictions_from: 'rescore',
      outcome_year: 2024,
      cohort_year: 2023,
      model_version: 'v1.0.0',
    });
    const v = out.report.versions[0];
    expect(v.overall.n).toBe(t.metrics.test.n);
    expect(v.overall.recall).toBeCloseTo(t.metrics.test.metrics.recall!.value, 6);
    expect(v.overall.precision).toBeCloseTo(t.metrics.test.metrics.precision!.value, 6);
    expect(readFileSync(html, 'utf8')).toContain('Resultados reais do modelo');
    // Saved for the dashboard: metrics only, never the secret or a pseudonym.
    const saved = readFileSync(path.join(dataDir, OUTCOMES_FILE), 'utf8');
    expect(JSON.parse(saved).versions[0].overall.recall).toBe(v.overall.recall);
    expect(saved).not.toMatch(/hmac|secret|[0-9a-f]{64}/i);
    // The server on the same folder answers it to the dashboard as it was saved.
    const server = await startMonitored({
      registryDir: t.registryDir,
      dataDir,
      env: { MODEL_VERSION: 'champion' },
    });
    try {
      const r = await fetch(`${server.url}/monitoring/outcomes`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual(out.report);
    } finally {
      await server.close();
    }
  });

  it('floors crossed are alerts, exit 13; a model trained on the outcomes or no champion then is refused', async () => {
    deployment({ MONITOR_MIN_RECALL: '1' });
    const alert = await cli('outcomes', '--source', t.source, '--no-save');
    expect(alert.code).toBe(13);
    expect(alert.out).toMatch(/alert\(s\):\n {2}v1\.0\.0 geral recall/);
    const saw = await cli('outcomes', '--source', t.source, '--outcome-year', '2023', '--json');
    expect(saw.code).toBe(6);
    expect(JSON.parse(saw.out).error.code).toBe('DEF_ERR_MONITOR_MODEL_SAW_OUTCOMES');
    const before = await cli('outcomes', '--source', t.source, '--scored-at', '2001-01-01', '--json');
    expect(before.code).toBe(4);
    expect(JSON.parse(before.out).error.code).toBe('DEF_ERR_MONITOR_NO_CHAMPION_THEN');
  });

  it('--from rows joins the pseudonymised predictions the server recorded: the same numbers', async () => {
    // What POST /score records in pseudonymised mode: the 2023 cohort, with its RAs, hashed.
    const dir = path.join(root, 'pseudo');
    const { years } = await readNormalisedSource(t.source);
    const cohort = years.find((y) => y.year === 2023)!.records;
    const model = loadModel(JSON.parse(readFileSync(path.join(t.artifacts, 'model_v1.json'), 'utf8')));
    const monitor = await openMonitor(
      defaultMonitorSettings({ dataDir: dir, privacyMode: 'pseudonymised', hmacSecret: SECRET }),
      { pruneIntervalMs: 0 },
    );
    const scores = model.predictProba(cohort);
    monitor.observePrediction({
      modelVersion: 'v1.0.0',
      endpoint: 'score',
      records: cohort,
      scores,
      labels: Array.from(scores, (s) => (s >= model.threshold ? 1 : 0)),
      at: Date.now(),
      ras: cohort.map((r) => r.ra),
    });
    await monitor.close();
    deployment({ MONITOR_DATA_DIR: dir, MONITOR_HMAC_SECRET: SECRET });
    const rows = JSON.parse(
      (await cli('outcomes', '--source', t.source, '--from', 'rows', '--no-save', '--json')).out,
    );
    const rescored = JSON.parse((await cli('outcomes', '--source', t.source, '--no-save', '--json')).out);
    expect(rows.predictions_from).toBe('rows');
    expect(rows.report.versions[0].overall).toEqual(rescored.report.versions[0].overall);
    // Without the secret the rows cannot be joined: refused, not guessed.
    vi.stubEnv('MONITOR_HMAC_SECRET', '');
    const noSecret = await cli('outcomes', '--source', t.source, '--from', 'rows', '--json');
    expect(JSON.parse(noSecret.out).error.code).toBe('DEF_ERR_MONITOR_SECRET_MISSING');
  });
});

const xlsx = realWorkbook();
if (!xlsx) console.warn('PEDE_XLSX not set: `monitor outcomes` on the real workbook is SKIPPED');

describe.skipIf(!xlsx)('defasagem monitor outcomes on the real PEDE workbook', () => {
  it('2023 cohort scored by the 2022→2023 model, outcomes from 2024: the training backtest recall and precision', async () => {
    const real = await trainedRegistry(xlsx!, path.join(root, 'real'), false);
    for (const [k, v] of Object.entries({
      REGISTRY_DIR: real.registryDir,
      MODEL_VERSION: 'champion',
      MONITOR_DATA_DIR: path.join(root, 'real-events'),
    }))
      vi.stubEnv(k, v);
    const r = await cli('outcomes', '--source', xlsx!, '--json');
    expect([0, 13]).toContain(r.code);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ outcome_year: 2024, cohort_year: 2023, model_version: 'v1.0.0' });
    const v = out.report.versions[0];
    const test = real.metrics.test;
    expect(v.overall.n).toBe(test.n);
    expect(v.overall.recall).toBeCloseTo(test.metrics.recall!.value, 6);
    expect(v.overall.precision).toBeCloseTo(test.metrics.precision!.value, 6);
    expect(v.overall.pr_auc).toBeCloseTo(test.metrics.pr_auc!.value, 6);
    console.log(
      `monitor outcomes on PEDE_XLSX: n ${v.overall.n}, recall ${v.overall.recall}, precision ${v.overall.precision} (backtest: ${test.metrics.recall!.value}, ${test.metrics.precision!.value})`,
    );
  }, 300_000);
});
