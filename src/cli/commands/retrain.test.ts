import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { syntheticRows } from '../../features/testing/records.js';
import { FAST_CONFIG, shuffleLabels, treeDigest, writeDataset } from '../../train/testing/retrain.js';
import { runCommandInProcess } from '../testing/support.js';
import { registerRetrainCommand } from './retrain.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-retrain-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const rows = syntheticRows(600, 3, [2022, 2023, 2024]);
const twoYears = writeDataset(
  path.join(tmp, 'two-years.parquet'),
  rows.filter((r) => (r.ano_base as number) <= 2023),
);
const shuffled = writeDataset(path.join(tmp, 'shuffled.parquet'), shuffleLabels(rows, [2023, 2024], 11));
const config = path.join(tmp, 'train.json');
writeFileSync(config, JSON.stringify(FAST_CONFIG));
const registry = path.join(tmp, 'registry');

const cli = (...args: string[]) => runCommandInProcess(registerRetrainCommand, args);
const retrain = (data: string, ...args: string[]) =>
  cli('retrain', '--data', data, '--registry', registry, '--config', config, ...args);

describe('defasagem retrain', () => {
  it('--json: the result schedulers read, and exit 0 when the challenger is promoted', async () => {
    const r = await retrain(twoYears, '--json', '--bump', 'auto', '--promote');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out).sort()).toEqual(
      [
        'bump',
        'champion',
        'comparison',
        'data',
        'decision',
        'dry_run',
        'evaluation',
        'exit_code',
        'forced',
        'guardrails',
        'kept',
        'outcome',
        'promoted',
        'reasons',
        'registered',
        'timings_ms',
        'tolerances',
        'training',
        'verdict',
        'version',
      ].sort(),
    );
    expect(out).toMatchObject({
      outcome: 'promoted',
      exit_code: 0,
      version: 'v1.0.0',
      verdict: 'no_champion',
      champion: { before: null, after: 'v1.0.0' },
      tolerances: { maxRecallDrop: 0.02, maxPrecisionDrop: 0.05, maxBrierRise: 0.02, maxRocAucDrop: 0 },
      evaluation: { mode: 'none', label_year: 2024 },
      data: { kind: 'dataset', label_years: [2023, 2024] },
      kept: { data_dir: null, artifacts: null },
    });
    expect(out.comparison.map((c: { metric: string }) => c.metric)).toEqual([
      'roc_auc',
      'recall',
      'precision',
      'brier',
      'pr_auc',
      'flagged',
      'threshold',
    ]);
    expect(r.err).toBe(''); // no progress bar with --json
  });

  it('prints the side-by-side comparison and exits 10 when registered but not promoted', async () => {
    const r = await retrain(twoYears, '--bump', 'auto', '--promote');
    expect(r.code).toBe(10);
    expect(r.out).toMatch(/compared on label year 2024: \d+ transitions \(\d+ lagging\)/);
    expect(r.out).toMatch(/metric +champion v1\.0\.0 +challenger v1\.0\.1 +change +tolerance/);
    expect(r.out).toMatch(/ROC-AUC +0\.\d{3} +0\.\d{3} +\+0\.000 +change ≥ 0 +ok/);
    expect(r.out).toContain('verdict     NOT BETTER than the champion');
    expect(r.out).toContain('result      registered v1.0.1, not promoted; champion stays v1.0.0 (exit 10)');
  });

  it('exits 11 when the challenger is rejected, naming the reason', async () => {
    const r = await retrain(shuffled, '--json', '--bump', 'minor', '--promote');
    expect(r.code).toBe(11);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({
      outcome: 'rejected',
      verdict: 'rejected',
      version: 'v1.1.0',
      promoted: false,
    });
    expect(out.reasons[0]).toMatch(/^ROC-AUC fell/);
    expect(out.champion).toEqual({ before: 'v1.0.0', after: 'v1.0.0' });
  });

  it('a dry run exits with the code the real run would have and leaves the registry as it was', async () => {
    const before = treeDigest(registry);
    const r = await retrain(twoYears, '--bump', 'minor', '--promote', '--dry-run');
    expect(r.code).toBe(10);
    expect(r.out).toContain('result      dry run, nothing written: would register v1.2.0, not promoted');
    expect(treeDigest(registry)).toBe(before);
  });

  it('errors keep the catalogue codes, as JSON with --json', async () => {
    const r = await retrain(twoYears, '--json', '--bump', 'auto', '--new-version', 'v9.0.0');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.code).toBe('DEF_ERR_RETRAIN_OPTIONS_INVALID');
    vi.stubEnv('RETRAIN_MAX_RECALL_DROP', 'lots');
    try {
      const bad = await retrain(twoYears, '--bump', 'auto');
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/RETRAIN_MAX_RECALL_DROP/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
