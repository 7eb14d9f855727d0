/**
 * The first model of `npm start` with no workbook: the default synthetic workbook (DEFAULTS: 1,000
 * students, 2022–2024, seed 42), ingested and trained with the default protocol, must pass the
 * promotion guardrails with their default settings — `start` never force-promotes, so a first model
 * that misses them stops the quick start. (Its operating point is checked the same way as the real
 * data's: at most 1.25 × the share it expects to lag is flagged.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest.js';
import { parseYears, writeSyntheticWorkbook } from '../data/synth.js';
import type { MetricsFile } from '../model/types.js';
import { checkGuardrails } from '../registry/index.js';
import { train } from '../train/train.js';
import { DEFAULTS } from './defaults.js';
import { loadAppSettings } from './settings.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-quick-start-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the quick start's synthetic first model", () => {
  it('passes the default promotion guardrails (ROC-AUC, precision, recall on its backtest)', async () => {
    const workbook = path.join(root, 'synthetic.xlsx');
    await writeSyntheticWorkbook(workbook, {
      students: DEFAULTS.syntheticStudents,
      years: parseYears(DEFAULTS.syntheticYears),
      seed: DEFAULTS.seed,
    });
    const data = (await ingest({ source: workbook, outDir: path.join(root, 'data') })).outputs
      .modelingDataset;
    const artifacts = path.join(root, 'artifacts');
    await train({ dataPath: data, artifactsDir: artifacts, seed: DEFAULTS.seed, refit: true });
    const metrics = JSON.parse(readFileSync(path.join(artifacts, 'metrics_v1.json'), 'utf8')) as MetricsFile;
    const checks = checkGuardrails(metrics, loadAppSettings({}).registry);
    console.info(`quick-start model guardrails: ${JSON.stringify(checks)}`);
    for (const c of checks) expect(c.ok, `${c.metric} ${c.value} ≥ ${c.min}`).toBe(true);
    const t = metrics.test!;
    expect((t.confusion.tp + t.confusion.fp) / t.n).toBeLessThanOrEqual(1.25 * t.mean_predicted!);
  }, 120_000);
});
