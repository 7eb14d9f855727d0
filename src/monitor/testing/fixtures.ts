/**
 * Fixtures for monitoring tests: temp folders, a trained model with its baseline (produced by the real
 * `defasagem train` in a child process: monitoring sits below training and never imports it), and the
 * student rows it was trained on.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ingest } from '../../data/ingest.js';
import { type ModelingRow, readModelingDataset } from '../../data/modeling-dataset.js';
import { writeSyntheticWorkbook } from '../../data/synth.js';
import { type LoadedModelV1, loadModel } from '../../model/load.js';
import { tempDir as registryTempDir, removeTempDirs } from '../../registry/testing/fixtures.js';
import { REPO_ROOT, runTs } from '../../registry/testing/spawn.js';
import { type MonitorBaseline, readBaseline } from '../baseline.js';
import type { EventStore } from '../store/types.js';

export { REPO_ROOT, runTs };
export const CLI_MAIN = path.join(REPO_ROOT, 'src/cli/main.ts');

/** A temp folder removed by removeTempDirs() (the registry tests' helper, with our label). */
export function tempDir(label = 'monitor'): string {
  return registryTempDir(label);
}

export { removeTempDirs };

export interface Trained {
  dir: string;
  artifacts: string;
  model: LoadedModelV1;
  baseline: MonitorBaseline;
  /** metrics_v1.json as written by training. */
  metrics: { test: { metrics: Record<string, { value: number }>; n: number } };
  /** Every modelling row (all transitions). */
  rows: ModelingRow[];
}

/**
 * Ingests `source` and trains on it with `defasagem train --no-refit` (the shipped model is the backtest
 * model: trained on the earlier transitions, tested on the latest label year; its baseline describes the
 * earlier transitions).
 */
export async function trainOn(source: string): Promise<Trained> {
  const dir = tempDir('trained');
  const summary = await ingest({ source, outDir: path.join(dir, 'data') });
  const artifacts = path.join(dir, 'artifacts');
  const r = await runTs(CLI_MAIN, [
    'train',
    '--data',
    summary.outputs.modelingDataset,
    '--artifacts',
    artifacts,
    '--no-refit',
    '--seed',
    '42',
  ]);
  if (r.code !== 0) throw new Error(`defasagem train failed (${r.code}): ${r.stderr || r.stdout}`);
  const read = (f: string) => JSON.parse(readFileSync(path.join(artifacts, f), 'utf8'));
  return {
    dir,
    artifacts,
    model: loadModel(read('model_v1.json')),
    baseline: readBaseline(path.join(artifacts, 'baseline_v1.json')),
    metrics: read('metrics_v1.json'),
    rows: await readModelingDataset(summary.outputs.modelingDataset),
  };
}

/** A deterministic synthetic PEDE workbook (fake students) in a temp folder. */
export async function syntheticWorkbook(students = 600, seed = 7): Promise<string> {
  const file = path.join(tempDir('synth'), 'pede_sintetico.xlsx');
  await writeSyntheticWorkbook(file, { students, years: [2022, 2023, 2024], seed });
  return file;
}

/** The modelling rows (every transition) of a workbook, through the real ingest. */
export async function modelingRowsOf(source: string): Promise<ModelingRow[]> {
  const summary = await ingest({ source, outDir: path.join(tempDir('ingest'), 'data') });
  return readModelingDataset(summary.outputs.modelingDataset);
}

/** The real workbook when PEDE_XLSX points at it, else null (tests skip loudly). */
export function realWorkbook(): string | null {
  const x = process.env.PEDE_XLSX;
  return x && existsSync(x) ? x : null;
}

/** A small hand-written baseline: one numeric field (ieg), one categorical (genero), the score. */
export function tinyBaseline(): MonitorBaseline {
  return {
    baseline_version: 1,
    created_at: '2025-01-15T10:00:00.000Z',
    rows: 100,
    label_years: [2024],
    inputs: {
      ieg: { kind: 'numeric', n: 90, missing: 10, bin_edges: [5, 7, 9], bin_counts: [10, 30, 40, 10] },
      genero: { kind: 'categorical', n: 100, missing: 0, counts: { feminino: 55, masculino: 45 } },
    },
    score: {
      kind: 'numeric',
      n: 100,
      missing: 0,
      bin_edges: [0.25, 0.5, 0.75],
      bin_counts: [40, 30, 20, 10],
    },
    positive_rate_at_threshold: 0.3,
  };
}

/** A store that forwards every call to `real`, except those in `over` (a failing or gated append...). */
export function delegatingStore(real: EventStore, over: Partial<EventStore>): EventStore {
  return {
    backend: over.backend ?? real.backend,
    migrate: over.migrate ?? (() => real.migrate()),
    append: over.append ?? ((b) => real.append(b)),
    predictionCounts: over.predictionCounts ?? ((w, v) => real.predictionCounts(w, v)),
    requestCounts: over.requestCounts ?? ((w) => real.requestCounts(w)),
    predictionSeries: over.predictionSeries ?? ((w) => real.predictionSeries(w)),
    requestSeries: over.requestSeries ?? ((w) => real.requestSeries(w)),
    predictionRows: over.predictionRows ?? ((w, v) => real.predictionRows(w, v)),
    binSpec: over.binSpec ?? ((id) => real.binSpec(id)),
    prune: over.prune ?? ((b) => real.prune(b)),
    close: over.close ?? (() => real.close()),
  };
}
