/**
 * Monitoring in the running server (src/monitor behind a thin adapter), opened once at start-up from
 * the settings read at start:
 * - the prediction observer: the server's PredictionEvent becomes a monitoring observation with a fixed
 *   list of fields (model version, endpoint family, records, scores, labels, time, the served band
 *   cut-offs). The request id and anything else on the event never reach monitoring. RAs are passed on
 *   only from the endpoints that carry them (`score`, a cohort upload) and only in pseudonymised mode:
 *   /predict and /v2 refuse RA fields and contribute aggregates only;
 * - the response hook's observer (status and latency per route template);
 * - the baseline of every model loaded (start-up and each hot swap), read and checked against the model
 *   file before the model is swapped in, so its first predictions are already counted on its bins;
 * - the reads behind GET /monitoring/*, and `close()` (writes what is queued) at shutdown.
 * A monitoring failure never fails a prediction or a model load: it is logged and counted.
 */
import { isAppError } from '../../core/error-base.js';
import type { Logger } from '../../core/logger.js';
import {
  baselineOfVersion,
  lastDays,
  type ModelBaseline,
  type Monitor,
  type MonitorSettings,
  monitoringOff,
  type OpenMonitorOptions,
  openMonitor,
  readLatestOutcomes,
} from '../../monitor/index.js';
import type { ModelSourceSettings } from '../../registry/index.js';
import type { BandCuts, BundleParts } from '../bundle.js';
import type { MonitoringService, PredictionEvent, PredictionObserver } from '../observe.js';

/** Endpoint families whose events may carry RAs (for pseudonymised rows). */
export const RA_ENDPOINTS: ReadonlySet<string> = new Set(['score']);

export interface ServerMonitoring extends MonitoringService {
  readonly monitor: Monitor;
  /** Undefined when monitoring is off (the scorer then calls no observer at all). */
  readonly observer: PredictionObserver | undefined;
  /** The model source's load, registering each loaded version's baseline before it is swapped in. */
  withBaseline(load: () => Promise<BundleParts>): () => Promise<BundleParts>;
  close(): Promise<void>;
}

export interface ServerMonitoringOptions {
  settings: MonitorSettings;
  /** Where the served model's files are (its baseline is found the same way). */
  source: ModelSourceSettings;
  /** The served version's band cut-offs (counted per band); null when no model is served. */
  currentBands: () => { version: string; bands: BandCuts } | null;
  log: Logger;
  /** Tests: another store, a clock, the retention timer. */
  open?: OpenMonitorOptions;
}

/** The event as monitoring may see it: a fixed list of fields, never the request id. */
export function observationOf(
  e: PredictionEvent,
  passRas: boolean,
  bands: { version: string; bands: BandCuts } | null,
) {
  const via = e.via as string;
  const ras = (e as { ras?: readonly (string | null)[] }).ras;
  return {
    modelVersion: e.modelVersion,
    endpoint: via,
    records: e.records,
    scores: e.scores,
    labels: e.labels,
    at: e.at,
    bandCuts: bands && bands.version === e.modelVersion ? bands.bands : null,
    ...(passRas && RA_ENDPOINTS.has(via) && Array.isArray(ras) ? { ras } : {}),
  };
}

export async function openServerMonitoring(opts: ServerMonitoringOptions): Promise<ServerMonitoring> {
  const { settings, log } = opts;
  const monitor = await openMonitor(settings, {
    onError: (err) =>
      log.error(
        { event: 'monitoring_write_failed', code: isAppError(err) ? err.code : undefined },
        `monitoring could not write events (predictions are unaffected): ${(err as Error).message}`,
      ),
    ...opts.open,
  });
  const on = monitor.mode !== 'off';
  const passRas = monitor.mode === 'pseudonymised';
  const baselines = new Map<string, ModelBaseline>();

  /** Reads and checks the version's baseline; counts go on its bins (default bins without one). */
  const register = async (version: string): Promise<void> => {
    try {
      const b = await baselineOfVersion(opts.source, version);
      baselines.set(version, b);
      monitor.registerModel(version, b.baseline);
      log.info(
        { event: 'monitoring_baseline', version, verified: b.verified },
        b.verified
          ? `drift baseline of ${version} loaded (it names this model file)`
          : `drift baseline of ${version} loaded; it is a version 1 file that names no model, so it cannot be checked against the model`,
      );
    } catch (err) {
      baselines.delete(version);
      monitor.registerModel(version, null);
      log.warn(
        { event: 'monitoring_baseline_unavailable', version, code: isAppError(err) ? err.code : undefined },
        `no usable drift baseline for ${version} (events are still counted; drift cannot be measured): ${(err as Error).message}`,
      );
    }
  };

  const baselineOf = async (version: string): Promise<ModelBaseline> => {
    const known = baselines.get(version);
    if (known) return known;
    const b = await baselineOfVersion(opts.source, version);
    baselines.set(version, b);
    return b;
  };
  const window = (days: number) => lastDays(days, Date.now(), settings.retentionDays);

  return {
    monitor,
    mode: monitor.mode,
    maxDays: settings.retentionDays,
    observer: on
      ? (e) => {
          monitor.observePrediction(observationOf(e, passRas, opts.currentBands()));
        }
      : undefined,
    observeRequest: (e) => {
      if (on) monitor.observeRequest(e);
    },
    withBaseline: (load) =>
      on
        ? async () => {
            const parts = await load();
            await register(parts.version);
            return parts;
          }
        : load,
    drift: async ({ modelVersion, lastDays: days }) => {
      const w = window(days);
      if (!on) throw monitoringOff();
      const { baseline } = await baselineOf(modelVersion);
      return monitor.drift({ modelVersion, baseline, window: w });
    },
    slo: (days) => monitor.health(window(days)),
    series: (days) => monitor.series(window(days)),
    outcomes: async () => {
      if (!on) throw monitoringOff();
      return readLatestOutcomes(settings.dataDir);
    },
    close: () => monitor.close(),
  };
}
