/**
 * The monitoring schema and queries in SQL that SQLite and PostgreSQL both accept: ANSI types
 * (BIGINT, TEXT, DOUBLE PRECISION), composite primary keys, `INSERT … ON CONFLICT … DO UPDATE` with
 * `excluded`, no AUTOINCREMENT, no WITHOUT ROWID, no JSON functions. Placeholders are `?`; a PostgreSQL
 * backend rewrites them to $1, $2, … (see `numberedPlaceholders`). Backend specifics (pragmas, file
 * handling, the PostgreSQL connection) live in the backends, never here.
 *
 * Counters are upserted (`n = n + excluded.n`), which is safe with several writers on PostgreSQL.
 */

export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

/** Created before any migration; one row per applied migration. */
export const SCHEMA_VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'hourly prediction and request counters, bin specs, pseudonymised prediction rows',
    statements: [
      `CREATE TABLE bin_specs (
        bins_id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE prediction_counts (
        hour BIGINT NOT NULL,
        model_version TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        bins_id TEXT NOT NULL,
        series TEXT NOT NULL,
        bin TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (hour, model_version, endpoint, bins_id, series, bin)
      )`,
      `CREATE TABLE request_counts (
        hour BIGINT NOT NULL,
        endpoint TEXT NOT NULL,
        series TEXT NOT NULL,
        bin TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (hour, endpoint, series, bin)
      )`,
      `CREATE TABLE prediction_rows (
        at BIGINT NOT NULL,
        model_version TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        subject TEXT,
        score DOUBLE PRECISION NOT NULL,
        label INTEGER NOT NULL,
        inputs TEXT NOT NULL
      )`,
      'CREATE INDEX prediction_rows_at ON prediction_rows (at)',
      'CREATE INDEX prediction_rows_subject ON prediction_rows (subject)',
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export const SQL = {
  maxVersion: 'SELECT MAX(version) AS version FROM schema_version',
  recordMigration: 'INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)',
  upsertPredictionCount: `INSERT INTO prediction_counts (hour, model_version, endpoint, bins_id, series, bin, n)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (hour, model_version, endpoint, bins_id, series, bin)
    DO UPDATE SET n = prediction_counts.n + excluded.n`,
  upsertRequestCount: `INSERT INTO request_counts (hour, endpoint, series, bin, n) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (hour, endpoint, series, bin) DO UPDATE SET n = request_counts.n + excluded.n`,
  insertBinSpec: `INSERT INTO bin_specs (bins_id, spec, created_at) VALUES (?, ?, ?)
    ON CONFLICT (bins_id) DO NOTHING`,
  insertRow: `INSERT INTO prediction_rows (at, model_version, endpoint, subject, score, label, inputs)
    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  predictionCounts: `SELECT model_version, endpoint, bins_id, series, bin, SUM(n) AS n FROM prediction_counts
    WHERE hour >= ? AND hour < ? GROUP BY model_version, endpoint, bins_id, series, bin`,
  predictionCountsOfVersion: `SELECT model_version, endpoint, bins_id, series, bin, SUM(n) AS n
    FROM prediction_counts WHERE hour >= ? AND hour < ? AND model_version = ?
    GROUP BY model_version, endpoint, bins_id, series, bin`,
  requestCounts: `SELECT endpoint, series, bin, SUM(n) AS n FROM request_counts
    WHERE hour >= ? AND hour < ? GROUP BY endpoint, series, bin`,
  predictionRows: `SELECT at, model_version, endpoint, subject, score, label, inputs FROM prediction_rows
    WHERE at >= ? AND at < ? ORDER BY at`,
  predictionRowsOfVersion: `SELECT at, model_version, endpoint, subject, score, label, inputs FROM prediction_rows
    WHERE at >= ? AND at < ? AND model_version = ? ORDER BY at`,
  predictionSeries: `SELECT hour, model_version, endpoint, bins_id, series, bin, SUM(n) AS n FROM prediction_counts
    WHERE hour >= ? AND hour < ? AND series IN ('calls', 'records', 'label', 'band', 'score')
    GROUP BY hour, model_version, endpoint, bins_id, series, bin ORDER BY hour`,
  requestSeries: `SELECT hour, endpoint, series, bin, SUM(n) AS n FROM request_counts
    WHERE hour >= ? AND hour < ? GROUP BY hour, endpoint, series, bin ORDER BY hour`,
  binSpec: 'SELECT spec FROM bin_specs WHERE bins_id = ?',
  prunePredictionCounts: 'DELETE FROM prediction_counts WHERE hour < ?',
  pruneRequestCounts: 'DELETE FROM request_counts WHERE hour < ?',
  pruneRows: 'DELETE FROM prediction_rows WHERE at < ?',
  pruneBinSpecs:
    'DELETE FROM bin_specs WHERE bins_id NOT IN (SELECT DISTINCT bins_id FROM prediction_counts)',
} as const;

/** `?` → `$1, $2, …` for PostgreSQL (none of our statements has a `?` inside a string literal). */
export function numberedPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** Start of the hour holding `ms`, in unix seconds (the counters' `hour`). */
export function hourOf(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3600;
}

/** The hour range [from, to) covering a window in epoch ms: partial hours at both ends are included. */
export function hoursOf(window: { from: number; to: number }): [number, number] {
  return [hourOf(window.from), hourOf(window.to - 1) + 3600];
}
