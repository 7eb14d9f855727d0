/**
 * The monitoring facade the server and the CLI call: open the store for the configured privacy mode,
 * observe predictions and requests, and read drift and service health over a window. The server's one
 * observation point calls `observePrediction`; its response hook calls `observeRequest`.
 */
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { histogramsFromCounts } from './aggregate.js';
import type { MonitorBaseline } from './baseline.js';
import { binSpecFromBaseline } from './bins.js';
import { computeDrift, type DriftOptions, type DriftReport, type OverallStatus } from './drift.js';
import { MONITOR_ERRORS } from './errors.js';
import { healthFromCounts, type ServiceHealth } from './health.js';
import { checkSecret } from './pseudonym.js';
import {
  EventRecorder,
  emptyRecorderStats,
  type PredictionObservation,
  type RecorderStats,
  type RequestObservation,
} from './recorder.js';
import { type MonitoringSeries, seriesFromCounts } from './series.js';
import type { MonitorSettings, PrivacyMode } from './settings.js';
import { openEventStore } from './store/open.js';
import type { EventStore, PruneResult, TimeWindow } from './store/types.js';

/** Settings problems the schema's per-field parsers cannot see (relations between fields). */
export function checkMonitorSettings(s: MonitorSettings): void {
  const problems: string[] = [];
  if (s.psiYellow > s.psiRed) problems.push('MONITOR_PSI_YELLOW must not exceed MONITOR_PSI_RED');
  if (s.missingYellow > s.missingRed)
    problems.push('MONITOR_MISSING_YELLOW must not exceed MONITOR_MISSING_RED');
  if (s.batchSize > s.queueMax) problems.push('MONITOR_BATCH_SIZE must not exceed MONITOR_QUEUE_MAX');
  if (problems.length > 0) {
    throw new AppError(CORE_ERRORS.CONFIG_INVALID, `Invalid configuration: ${problems.join('; ')}.`, {
      problems,
    });
  }
  if (s.privacyMode === 'pseudonymised') checkSecret(s.hmacSecret);
}

export function driftOptions(s: MonitorSettings): DriftOptions {
  return {
    psiYellow: s.psiYellow,
    psiRed: s.psiRed,
    missingYellow: s.missingYellow,
    missingRed: s.missingRed,
    minRecords: s.driftMinRecords,
    ignore: [...s.driftIgnore],
  };
}

/** Drift of one model version over a window, from the store's hourly counters. */
export async function driftFromStore(
  store: EventStore,
  q: {
    modelVersion: string;
    baseline: MonitorBaseline;
    window: TimeWindow;
    options: DriftOptions;
    now?: Date;
  },
): Promise<DriftReport & { records_on_other_bins: number }> {
  const spec = binSpecFromBaseline(q.baseline);
  const rows = await store.predictionCounts(q.window, q.modelVersion);
  const mine = rows.filter((r) => r.binsId === spec.id);
  let other = 0;
  for (const r of rows) if (r.binsId !== spec.id && r.series === 'records') other += r.n;
  if (mine.length === 0 && other > 0) {
    throw new AppError(
      MONITOR_ERRORS.BINS_MISMATCH,
      `The ${other} students scored by ${q.modelVersion} in this window were counted without its baseline's bins.`,
      { model_version: q.modelVersion, records: other },
    );
  }
  const report = computeDrift({
    baseline: q.baseline,
    histograms: histogramsFromCounts(spec, mine),
    modelVersion: q.modelVersion,
    window: { from: new Date(q.window.from), to: new Date(q.window.to) },
    options: q.options,
    ...(q.now ? { now: q.now } : {}),
  });
  return { ...report, records_on_other_bins: other };
}

/** Hourly series of a window (charts over time), from the store's per-hour counters. */
export async function seriesFromStore(store: EventStore, window: TimeWindow): Promise<MonitoringSeries> {
  const [predictions, requests] = await Promise.all([
    store.predictionSeries(window),
    store.requestSeries(window),
  ]);
  return seriesFromCounts(predictions, requests, window);
}

/**
 * Exit codes of `defasagem monitor drift` and `monitor outcomes` for schedulers: 0 green (or no
 * alert), and codes above the error catalogue's (2–7, 70) for a result that needs attention.
 */
export const MONITOR_EXIT = {
  green: 0,
  yellow: 10,
  red: 11,
  insufficient: 12,
  outcomesAlert: 13,
} as const;

export function driftExitCode(status: OverallStatus): number {
  return status === 'green'
    ? MONITOR_EXIT.green
    : status === 'yellow'
      ? MONITOR_EXIT.yellow
      : status === 'red'
        ? MONITOR_EXIT.red
        : MONITOR_EXIT.insufficient;
}

const DAY_MS = 86_400_000;

/** Retention by hand (`defasagem monitor prune`): deletes what is older than `retentionDays` before `now`. */
export async function pruneStore(
  store: EventStore,
  retentionDays: number,
  now: number = Date.now(),
): Promise<PruneResult & { before: string }> {
  const before = now - retentionDays * DAY_MS;
  return { ...(await store.prune(before)), before: new Date(before).toISOString() };
}

export interface Monitor {
  readonly mode: PrivacyMode;
  /**
   * The retention pass run at open (the first write through the store's writer: with SQLite it also
   * waits for the writer thread to start). Settled when openMonitor returns, unless it was opened with
   * `awaitStartupPrune: false`: then the caller awaits it before accepting requests.
   */
  readonly started: Promise<void>;
  /** null when the mode is off. */
  readonly store: EventStore | null;
  observePrediction(o: PredictionObservation): boolean;
  observeRequest(o: RequestObservation): boolean;
  /** Tells the writer which bins to count a version on (call when a model is loaded or swapped). */
  registerModel(modelVersion: string, baseline: MonitorBaseline | null): void;
  drift(q: { modelVersion: string; baseline: MonitorBaseline; window: TimeWindow }): Promise<DriftReport>;
  /** Service health per endpoint and in total. */
  health(window: TimeWindow): Promise<ServiceHealth & { recorder: RecorderStats }>;
  series(window: TimeWindow): Promise<MonitoringSeries>;
  stats(): RecorderStats;
  flush(): Promise<void>;
  prune(): Promise<PruneResult>;
  close(): Promise<void>;
}

/** What every read answers when MONITOR_PRIVACY_MODE is off. */
export function monitoringOff(): AppError {
  return new AppError(MONITOR_ERRORS.MONITORING_OFF, 'MONITOR_PRIVACY_MODE is off: no events are recorded.');
}

function offMonitor(): Monitor {
  const off = (): never => {
    throw monitoringOff();
  };
  return {
    mode: 'off',
    started: Promise.resolve(),
    store: null,
    observePrediction: () => false,
    observeRequest: () => false,
    registerModel: () => {},
    drift: async () => off(),
    health: async () => off(),
    series: async () => off(),
    stats: () => emptyRecorderStats('off'),
    flush: async () => {},
    prune: async () => off(),
    close: async () => {},
  };
}

export interface OpenMonitorOptions {
  /** Another backend (tests, PostgreSQL later); default: SQLite under settings.dataDir. */
  store?: EventStore;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** Retention timer period (default hourly; 0 = only on prune()). */
  pruneIntervalMs?: number;
  /**
   * false: return once the store is open and migrated, with the start-up retention pass still running
   * (`Monitor.started`), so a server loads its model while the writer thread starts; default true.
   */
  awaitStartupPrune?: boolean;
}

/**
 * Opens monitoring for the configured mode: checks the settings (pseudonymised refuses to start without
 * its secret), opens and migrates the store, applies retention once, and starts the writer.
 */
export async function openMonitor(
  settings: MonitorSettings,
  opts: OpenMonitorOptions = {},
): Promise<Monitor> {
  checkMonitorSettings(settings);
  if (settings.privacyMode === 'off') return offMonitor();
  const store = opts.store ?? (await openEventStore(settings));
  const recorder = new EventRecorder({
    store,
    mode: settings.privacyMode,
    hmacSecret: settings.hmacSecret,
    queueMax: settings.queueMax,
    batchSize: settings.batchSize,
    flushIntervalMs: settings.flushIntervalMs,
    retentionDays: settings.retentionDays,
    ...(opts.pruneIntervalMs !== undefined ? { pruneIntervalMs: opts.pruneIntervalMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  const started = recorder.prune().then(() => undefined);
  // Handled here so a failure waits for the caller's await instead of ending the process unhandled.
  started.catch(() => {});
  if (opts.awaitStartupPrune !== false) await started;
  const options = driftOptions(settings);
  return {
    mode: settings.privacyMode,
    started,
    store,
    observePrediction: (o) => recorder.observePrediction(o),
    observeRequest: (o) => recorder.observeRequest(o),
    registerModel: (v, b) => recorder.registerModel(v, b),
    drift: (q) => driftFromStore(store, { ...q, options }),
    health: async (window) => {
      const rows = await store.requestCounts(window);
      return {
        ...healthFromCounts(rows, window),
        recorder: recorder.stats(),
      };
    },
    series: (window) => seriesFromStore(store, window),
    stats: () => recorder.stats(),
    flush: () => recorder.flush(),
    prune: () => recorder.prune(),
    close: () => recorder.close(),
  };
}
