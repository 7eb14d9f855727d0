/**
 * Replays modelling rows as if the server had scored them: through a real monitor (SQLite store,
 * aggregate_only) or straight into histograms.
 */
import type { ModelingRow } from '../../data/modeling-dataset.js';
import type { LoadedModel } from '../../model/types.js';
import type { MonitorBaseline } from '../baseline.js';
import type { DriftReport } from '../drift.js';
import { type Monitor, openMonitor } from '../monitor.js';
import { defaultMonitorSettings, type MonitorSettings } from '../settings.js';
import { tempDir } from './fixtures.js';

export const T0 = Date.UTC(2025, 2, 3, 12, 0);

/** Rows whose label year is one of `years` (the rows a baseline with these label_years describes). */
export function rowsOfLabelYears(rows: readonly ModelingRow[], years: readonly number[]): ModelingRow[] {
  return rows.filter((r) => r.ano_base !== null && years.includes(r.ano_base + 1));
}

/** Strips the label and the pseudonymous id: what a client sends is a student record. */
export function asRecords(rows: readonly ModelingRow[]) {
  return rows.map(({ em_risco: _y, aluno_id: _id, ...r }) => r);
}

export function scoreRows(model: LoadedModel, rows: readonly object[]) {
  const scores = model.predictProba(rows as never);
  const labels = Uint8Array.from(scores, (s) => (s >= model.threshold ? 1 : 0));
  return { scores, labels };
}

/** Opens an aggregate_only monitor in a temp folder, feeds `records` in calls of `chunk`, flushes. */
export async function replayThroughMonitor(opts: {
  model: LoadedModel;
  baseline: MonitorBaseline | null;
  records: readonly object[];
  modelVersion?: string;
  chunk?: number;
  settings?: Partial<MonitorSettings>;
}): Promise<{ monitor: Monitor; dataDir: string }> {
  const dataDir = tempDir('replay');
  const monitor = await openMonitor(defaultMonitorSettings({ dataDir, ...opts.settings }), {
    now: () => T0,
    pruneIntervalMs: 0,
  });
  const version = opts.modelVersion ?? 'v1.0.0';
  monitor.registerModel(version, opts.baseline);
  const { scores, labels } = scoreRows(opts.model, opts.records);
  const chunk = opts.chunk ?? 25;
  for (let i = 0; i < opts.records.length; i += chunk) {
    monitor.observePrediction({
      modelVersion: version,
      endpoint: i % 2 ? 'v2' : 'predict',
      records: opts.records.slice(i, i + chunk),
      scores: scores.subarray(i, i + chunk),
      labels: labels.subarray(i, i + chunk),
      at: T0 - 3_600_000,
    });
  }
  await monitor.flush();
  return { monitor, dataDir };
}

export const LAST_WEEK = { from: T0 - 7 * 86_400_000, to: T0 };

/** The drift of `records` replayed through a fresh monitor (writer + SQLite store), over LAST_WEEK. */
export async function replayDrift(opts: {
  model: LoadedModel;
  baseline: MonitorBaseline;
  records: readonly object[];
}): Promise<DriftReport> {
  const { monitor } = await replayThroughMonitor(opts);
  try {
    return await monitor.drift({ modelVersion: 'v1.0.0', baseline: opts.baseline, window: LAST_WEEK });
  } finally {
    await monitor.close();
  }
}
