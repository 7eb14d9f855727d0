/**
 * src/monitor — inference events, drift, outcomes and service health. Layer: above core, ml, features,
 * model, data and registry; below train and serve (it never imports them). See docs/monitoring.md.
 *
 * SERVER WIRING (thin):
 *   const monitor = await openMonitor(loadSettings(MONITOR_SETTINGS));   // refuses pseudonymised without secret
 *   monitor.registerModel(version, baseline | null)                        // on load and on every hot swap
 *   buildApp({ observer: (event) => monitor.observePrediction(event) })  // the server's PredictionEvent
 *       as is (`via` is the endpoint family; add `ras` for pseudonymised mode); never throws, never
 *       blocks (bounded queue, drops counted)
 *   monitor.observeRequest({ endpoint, status, latencyMs, at })            // onResponse hook
 *   GET /monitoring/drift → monitor.drift({ modelVersion, baseline, window: lastDays(n) })
 *   GET /monitoring/slo   → monitor.health(lastDays(n))
 *   shutdown             → monitor.close()                                // writes what is queued
 *
 * CLI WIRING (thin):
 *   monitor drift    → openEventStore(settings, { readonly: true }) (SQLite or PostgreSQL) + driftFromStore(...)
 *                      (+ renderDriftHtml)
 *   monitor prune    → openEventStore(settings) + pruneStore(store, retentionDays)
 *   monitor outcomes → rescoreCohort(model of championAt(history, date)) or predictionsFromRows(store rows),
 *                      outcomesByPseudonym(next year's records), computeOutcomes(...)
 */
export {
  type BandCuts,
  type CountEntry,
  Counts,
  histogramsFromCounts,
  histogramsFromRecords,
  type WindowHistograms,
} from './aggregate.js';
export {
  BASELINE_VERSION,
  type BaselineFile,
  type CategoricalFieldBaseline,
  type FieldBaseline,
  type MonitorBaseline,
  type NumericFieldBaseline,
  parseBaseline,
  readBaseline,
  type ScoreSource,
} from './baseline.js';
export { type BinSpec, binSpecFromBaseline, defaultBinSpec } from './bins.js';
export {
  computeDrift,
  type DriftOptions,
  type DriftReport,
  type FieldDrift,
  type OverallStatus,
} from './drift.js';
export { renderDriftHtml } from './drift-html.js';
export { MONITOR_ERRORS } from './errors.js';
export { type EndpointHealth, healthFromCounts, type ServiceHealth } from './health.js';
export {
  baselineOfVersion,
  checkBaselineModel,
  DEV_VERSION_PREFIX,
  type ModelBaseline,
} from './model-baseline.js';
export {
  checkMonitorSettings,
  driftExitCode,
  driftFromStore,
  driftOptions,
  MONITOR_EXIT,
  type Monitor,
  monitoringOff,
  type OpenMonitorOptions,
  openMonitor,
  pruneStore,
  seriesFromStore,
} from './monitor.js';
export {
  championAt,
  computeOutcomes,
  floorsOf,
  type OutcomeFloors,
  type OutcomePrediction,
  type OutcomeReport,
  outcomesByPseudonym,
  predictionsFromRows,
  rescoreCohort,
  type VersionOutcomes,
} from './outcomes.js';
export { OUTCOMES_FILE, readLatestOutcomes, saveLatestOutcomes } from './outcomes-file.js';
export { renderOutcomesHtml } from './outcomes-html.js';
export { checkSecret, pseudonymiser } from './pseudonym.js';
export { PSI_EPSILON, psi, type Status, statusOf } from './psi.js';
export {
  EventRecorder,
  type PredictionObservation,
  type RecorderStats,
  type RequestObservation,
} from './recorder.js';
export { type HourPoint, type MonitoringSeries, seriesFromCounts } from './series.js';
export {
  defaultMonitorSettings,
  MONITOR_SETTINGS,
  type MonitorSettings,
  PRIVACY_MODES,
  type PrivacyMode,
} from './settings.js';
export { openEventStore } from './store/open.js';
// The PostgreSQL store is not re-exported: importing it loads pg (and, through it, undici), ~0.1 s of every
// start-up; openMonitorStore (store/open.ts) imports it only when MONITOR_DATABASE_URL is set.
export { openSqliteStore, SQLITE_FILE } from './store/sqlite.js';
export type { EventBatch, EventStore, PredictionRow, PruneResult, TimeWindow } from './store/types.js';
export { lastDays, windowBetween } from './window.js';
