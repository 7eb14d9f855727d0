/**
 * The jobs behind `defasagem monitor drift|outcomes|prune`: the composition of src/monitor with the
 * registry (baselines, history), the server's model loader and the data readers, with the settings
 * read once by the CLI. The events are read where the server writes them: PostgreSQL when
 * MONITOR_DATABASE_URL is set, else monitoring.sqlite in MONITOR_DATA_DIR (the same queries, so the same
 * answers); the outcomes report is saved in MONITOR_DATA_DIR either way. Library code: returns results
 * and exit codes, never prints.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { readNormalisedSource } from '../data/ingest.js';
import type { NormalisedRecord } from '../data/normalise.js';
import {
  baselineOfVersion,
  championAt,
  computeOutcomes,
  DEV_VERSION_PREFIX,
  type DriftReport,
  driftExitCode,
  driftFromStore,
  driftOptions,
  type EventStore,
  lastDays,
  MONITOR_ERRORS,
  MONITOR_EXIT,
  type MonitorSettings,
  type OutcomePrediction,
  type OutcomeReport,
  openEventStore,
  openSqliteStore,
  outcomesByPseudonym,
  type PruneResult,
  predictionsFromRows,
  pruneStore,
  pseudonymiser,
  rescoreCohort,
  SQLITE_FILE,
  saveLatestOutcomes,
} from '../monitor/index.js';
import { REGISTRY_ERRORS, type RegistryContext, readChampion, readHistory } from '../registry/index.js';
import { modelSource } from '../serve/loader.js';
import type { AppSettings } from './settings.js';

/** The version MODEL_VERSION serves now: the champion, a pinned version, or `dev-…` of the development files. */
export async function servedVersion(settings: AppSettings, registry: RegistryContext): Promise<string> {
  const requested = settings.server.modelVersion.trim();
  if (requested === 'champion') {
    const c = await readChampion(registry);
    if (!c)
      throw new AppError(
        REGISTRY_ERRORS.CHAMPION_NOT_SET,
        `MODEL_VERSION=champion but no version has been promoted in ${registry.storage.location}; pass --model-version.`,
        { registry: registry.storage.location },
      );
    return c.version;
  }
  if (requested !== '') return requested;
  const file = path.resolve(settings.server.modelPath);
  if (!existsSync(file))
    throw new AppError(
      CORE_ERRORS.FILE_NOT_FOUND,
      `MODEL_VERSION is empty (development files) but MODEL_PATH=${file} does not exist; pass --model-version.`,
      { path: file },
    );
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
  return `${DEV_VERSION_PREFIX}${sha.slice(0, 12)}`;
}

/** Where the events are, for messages: the PostgreSQL database (without its password) or the folder. */
async function storeDetails(m: MonitorSettings): Promise<{ database: string } | { path: string }> {
  const url = m.databaseUrl.trim();
  if (url === '') return { path: path.resolve(m.dataDir) };
  // Only on the PostgreSQL path, where the store (and so pg) is loaded already.
  const { redactUrl } = await import('../monitor/store/postgres.js');
  return { database: redactUrl(url) };
}

/**
 * The events, read-only: PostgreSQL when MONITOR_DATABASE_URL is set (its schema must be current: a
 * server has started on it), else monitoring.sqlite in MONITOR_DATA_DIR, with a clear error when the
 * server never wrote one there.
 */
async function readStore(m: MonitorSettings): Promise<EventStore> {
  if (m.databaseUrl.trim() !== '') return openEventStore(m, { readonly: true });
  if (!existsSync(path.join(m.dataDir, SQLITE_FILE)))
    throw new AppError(
      MONITOR_ERRORS.STORE_FAILED,
      `There is no monitoring database in ${path.resolve(m.dataDir)} (MONITOR_DATA_DIR): the server has not recorded any event there yet.`,
      { path: path.resolve(m.dataDir) },
    );
  return openSqliteStore({ dataDir: m.dataDir, readonly: true });
}

export interface DriftJobResult {
  report: DriftReport & { records_on_other_bins: number };
  /** MONITOR_EXIT: 0 green, 10 yellow, 11 red, 12 insufficient data. */
  exitCode: number;
}

export async function driftJob(o: {
  settings: AppSettings;
  registry: RegistryContext;
  modelVersion?: string;
  lastDays: number;
  now?: number;
}): Promise<DriftJobResult> {
  const m = o.settings.monitor;
  const window = lastDays(o.lastDays, o.now ?? Date.now(), m.retentionDays);
  const version = o.modelVersion ?? (await servedVersion(o.settings, o.registry));
  const { baseline } = await baselineOfVersion(o.settings.server, version, o.registry);
  const store = await readStore(m);
  try {
    const report = await driftFromStore(store, {
      modelVersion: version,
      baseline,
      window,
      options: driftOptions(m),
      ...(o.now !== undefined ? { now: new Date(o.now) } : {}),
    });
    return { report, exitCode: driftExitCode(report.status) };
  } finally {
    await store.close();
  }
}

export async function pruneJob(
  settings: AppSettings,
): Promise<PruneResult & { before: string; retention_days: number }> {
  const m = settings.monitor;
  // Opened for writing, as the server opens it (migrating an older schema first).
  const store =
    m.databaseUrl.trim() !== ''
      ? await openEventStore(m)
      : await openSqliteStore({ dataDir: m.dataDir, writer: 'inline' });
  try {
    return { ...(await pruneStore(store, m.retentionDays)), retention_days: m.retentionDays };
  } finally {
    await store.close();
  }
}

export interface OutcomesJobOptions {
  settings: AppSettings;
  registry: RegistryContext;
  /** The workbook (or CSV folder) with the outcome year: next year's real defasagem. */
  source: string;
  /** Default: the latest year in `source`. */
  outcomeYear?: number;
  /** rescore (default): the earlier cohort scored again; rows: the server's pseudonymised rows. */
  from: 'rescore' | 'rows';
  /** rescore: where the earlier cohort is (default: `source`, which usually holds every year). */
  cohort?: string;
  /** rescore: the version to re-score with (default: the champion at `scoredAt`). */
  modelVersion?: string;
  /** rescore: when the cohort was scored (default: now). */
  scoredAt?: Date;
  /** rows: the window of recorded predictions (default: the retention period). */
  lastDays?: number;
  /** Save the report beside the events for GET /monitoring/outcomes (default true). */
  save?: boolean;
  now?: Date;
}

export interface OutcomesJobResult {
  report: OutcomeReport;
  predictions_from: 'rescore' | 'rows';
  outcome_year: number;
  cohort_year: number | null;
  model_version: string | null;
  scored_at: string | null;
  saved_to: string | null;
  /** MONITOR_EXIT: 0 no alert, 13 alerts. */
  exitCode: number;
}

async function yearsOf(source: string) {
  return (await readNormalisedSource(source)).years;
}

function yearRecords(
  years: Awaited<ReturnType<typeof yearsOf>>,
  year: number,
  what: string,
  source: string,
): NormalisedRecord[] {
  const y = years.find((x) => x.year === year);
  if (!y)
    throw new AppError(
      CORE_ERRORS.USAGE,
      `${what}: ${source} has no sheet for ${year} (years found: ${years.map((x) => x.year).join(', ') || 'none'}).`,
      { year, years: years.map((x) => x.year) },
    );
  return y.records;
}

/** The model's training label years (model file v1 `training.label_years`), when it says. */
function labelYearsOf(model: unknown): number[] {
  const years = (model as { file?: { training?: { label_years?: unknown } } }).file?.training?.label_years;
  return Array.isArray(years) ? years.filter((y): y is number => typeof y === 'number') : [];
}

/** The earlier cohort re-scored by the version that was champion when it was scored. */
async function rescored(
  o: OutcomesJobOptions,
  outcomeYear: number,
  sourceYears: Awaited<ReturnType<typeof yearsOf>>,
) {
  const cohortYear = outcomeYear - 1;
  const cohortYears = o.cohort ? await yearsOf(o.cohort) : sourceYears;
  const records = yearRecords(cohortYears, cohortYear, 'The earlier cohort', o.cohort ?? o.source);
  const scoredAt = o.scoredAt ?? o.now ?? new Date();
  const version = o.modelVersion ?? championAt(await readHistory(o.registry), scoredAt);
  if (!version)
    throw new AppError(
      MONITOR_ERRORS.NO_CHAMPION_THEN,
      `No version was champion on ${scoredAt.toISOString()} according to the history of ${o.registry.storage.location}.`,
      { scored_at: scoredAt.toISOString() },
    );
  const parts = await modelSource({ ...o.settings.server, modelVersion: version }).load();
  if (labelYearsOf(parts.model).includes(outcomeYear))
    throw new AppError(
      MONITOR_ERRORS.MODEL_SAW_OUTCOMES,
      `${version} was trained on transitions labelled ${outcomeYear}: it has seen the outcomes it would be judged on.`,
      { model_version: version, outcome_year: outcomeYear },
    );
  // RAs stay in memory: the join uses an HMAC keyed with a secret made for this run only.
  const pseudo = pseudonymiser(randomBytes(32).toString('hex'));
  const predictions = rescoreCohort({
    model: parts.model,
    modelVersion: version,
    records,
    pseudonymise: pseudo,
    at: scoredAt.getTime(),
  });
  return { predictions, pseudo, cohortYear, version, scoredAt };
}

/** The server's pseudonymised rows of the window (needs the secret they were keyed with). */
async function recorded(
  o: OutcomesJobOptions,
): Promise<{ predictions: OutcomePrediction[]; pseudo: (ra: string) => string }> {
  const m = o.settings.monitor;
  const pseudo = pseudonymiser(m.hmacSecret);
  const store = await readStore(m);
  try {
    const window = lastDays(o.lastDays ?? m.retentionDays, (o.now ?? new Date()).getTime(), m.retentionDays);
    const predictions = predictionsFromRows(await store.predictionRows(window));
    if (predictions.length === 0)
      throw new AppError(
        MONITOR_ERRORS.ROWS_REQUIRED,
        'The monitoring database has no pseudonymised prediction row in the window (rows come from cohort uploads, POST /score, in pseudonymised mode).',
        await storeDetails(m),
      );
    return { predictions, pseudo };
  } finally {
    await store.close();
  }
}

export async function outcomesJob(o: OutcomesJobOptions): Promise<OutcomesJobResult> {
  const sourceYears = await yearsOf(o.source);
  const outcomeYear = o.outcomeYear ?? Math.max(...sourceYears.map((y) => y.year));
  const outcomeRecords = yearRecords(sourceYears, outcomeYear, 'The outcome year', o.source);
  const r =
    o.from === 'rows'
      ? { ...(await recorded(o)), cohortYear: null, version: null, scoredAt: null }
      : await rescored(o, outcomeYear, sourceYears);
  const report = computeOutcomes(
    r.predictions,
    outcomesByPseudonym(outcomeRecords, r.pseudo),
    o.settings.monitor,
    o.now ?? new Date(),
  );
  const savedTo = o.save === false ? null : saveLatestOutcomes(o.settings.monitor.dataDir, report);
  return {
    report,
    predictions_from: o.from,
    outcome_year: outcomeYear,
    cohort_year: r.cohortYear,
    model_version: r.version,
    scored_at: r.scoredAt ? r.scoredAt.toISOString() : null,
    saved_to: savedTo,
    exitCode: report.status === 'ok' ? MONITOR_EXIT.green : MONITOR_EXIT.outcomesAlert,
  };
}
