/**
 * The SQLite event store (better-sqlite3 12): one file, `monitoring.sqlite`, under the data directory.
 * SQLite specifics stay here: WAL journal (readers never block the writer; a killed process leaves the
 * last committed transaction intact), synchronous=NORMAL (a commit survives a crash of the process;
 * only a power loss can lose the latest commits), writes and WAL checkpoints in a worker thread
 * (sqlite-writer.ts) so no commit or fsync runs on the event loop,
 * `PRAGMA user_version` mirrored from schema_version, and file permissions 0600 in a 0700 directory.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../core/error-base.js';
import { MONITOR_ERRORS } from '../errors.js';
import { predictionCountOf, predictionRowOf, requestCountOf } from './rows.js';
import { hourOf, hoursOf, LATEST_SCHEMA_VERSION, MIGRATIONS, SCHEMA_VERSION_TABLE, SQL } from './schema.js';
import { inlineExecutor, type WriteExecutor, type WriteOps, workerExecutor } from './sqlite-writer.js';
import type {
  EventBatch,
  EventStore,
  PredictionCount,
  PredictionRow,
  PruneResult,
  RequestCount,
  TimeWindow,
} from './types.js';

export const SQLITE_FILE = 'monitoring.sqlite';

type Db = Database.Database;

function storeError(message: string, err: unknown, file: string): AppError {
  const reason = (err as { code?: string }).code ?? (err as Error).message;
  return new AppError(MONITOR_ERRORS.STORE_FAILED, `${message} (${reason}).`, { path: file }, { cause: err });
}

function currentVersion(db: Db): number {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  const fromTable = hasTable
    ? ((db.prepare(SQL.maxVersion).get() as { version: number | null }).version ?? 0)
    : 0;
  const fromPragma = db.pragma('user_version', { simple: true }) as number;
  return Math.max(fromTable, fromPragma);
}

function checkNotNewer(version: number): void {
  if (version > LATEST_SCHEMA_VERSION) {
    throw new AppError(
      MONITOR_ERRORS.SCHEMA_TOO_NEW,
      `The monitoring database has schema version ${version}; this release knows up to ${LATEST_SCHEMA_VERSION}.`,
      { schema_version: version, supported: LATEST_SCHEMA_VERSION },
    );
  }
}

/** Applies the pending migrations, each in its own transaction. Refuses a database from a newer release. */
export function migrateSqlite(db: Db, now = Date.now): { from: number; to: number } {
  const from = currentVersion(db);
  checkNotNewer(from);
  db.exec(SCHEMA_VERSION_TABLE);
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      for (const s of m.statements) db.exec(s);
      db.prepare(SQL.recordMigration).run(m.version, m.description, now());
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: currentVersion(db) };
}

/** The statements writes use (run by the writer thread, or inline). */
const WRITE_SQL = {
  insertBinSpec: SQL.insertBinSpec,
  upsertPredictionCount: SQL.upsertPredictionCount,
  upsertRequestCount: SQL.upsertRequestCount,
  insertRow: SQL.insertRow,
  prunePredictionCounts: SQL.prunePredictionCounts,
  pruneRequestCounts: SQL.pruneRequestCounts,
  pruneRows: SQL.pruneRows,
  pruneBinSpecs: SQL.pruneBinSpecs,
};

function batchOps(b: EventBatch, now: number): WriteOps {
  return [
    ['insertBinSpec', b.binSpecs.map((s) => [s.id, s.json, now])],
    [
      'upsertPredictionCount',
      b.predictionCounts.map((c) => [c.hour, c.modelVersion, c.endpoint, c.binsId, c.series, c.bin, c.n]),
    ],
    ['upsertRequestCount', b.requestCounts.map((c) => [c.hour, c.endpoint, c.series, c.bin, c.n])],
    [
      'insertRow',
      b.rows.map((r) => [r.at, r.modelVersion, r.endpoint, r.subject, r.score, r.label, r.inputs]),
    ],
  ];
}

/** A request_counts row as the store interface gives it (summed over hours, or one hour's). */
class SqliteEventStore implements EventStore {
  readonly backend = 'sqlite';
  private readonly stmts;

  constructor(
    private readonly db: Db,
    readonly file: string,
    private readonly writer: WriteExecutor,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.stmts = {
      predictionCounts: p(SQL.predictionCounts),
      predictionCountsOfVersion: p(SQL.predictionCountsOfVersion),
      requestCounts: p(SQL.requestCounts),
      predictionRows: p(SQL.predictionRows),
      predictionRowsOfVersion: p(SQL.predictionRowsOfVersion),
      binSpec: p(SQL.binSpec),
      predictionSeries: p(SQL.predictionSeries),
      requestSeries: p(SQL.requestSeries),
    };
  }

  /** 'worker' when writes run off the event loop. */
  get writerKind(): 'worker' | 'inline' {
    return this.writer.kind;
  }

  async migrate(): Promise<{ from: number; to: number }> {
    return migrateSqlite(this.db);
  }

  async append(batch: EventBatch): Promise<void> {
    try {
      await this.writer.exec(batchOps(batch, Date.now()));
    } catch (err) {
      throw storeError('Writing monitoring events failed', err, this.file);
    }
  }

  async predictionCounts(w: TimeWindow, modelVersion?: string) {
    const [from, to] = hoursOf(w);
    const rows = (
      modelVersion === undefined
        ? this.stmts.predictionCounts.all(from, to)
        : this.stmts.predictionCountsOfVersion.all(from, to, modelVersion)
    ) as Array<Record<string, string | number>>;
    return rows.map(predictionCountOf);
  }

  async requestCounts(w: TimeWindow) {
    const [from, to] = hoursOf(w);
    const rows = this.stmts.requestCounts.all(from, to) as Array<Record<string, string | number>>;
    return rows.map(requestCountOf);
  }

  async predictionSeries(w: TimeWindow): Promise<PredictionCount[]> {
    const [from, to] = hoursOf(w);
    const rows = this.stmts.predictionSeries.all(from, to) as Array<Record<string, string | number>>;
    return rows.map((r) => ({ hour: Number(r.hour), ...predictionCountOf(r) }));
  }

  async requestSeries(w: TimeWindow): Promise<RequestCount[]> {
    const [from, to] = hoursOf(w);
    const rows = this.stmts.requestSeries.all(from, to) as Array<Record<string, string | number>>;
    return rows.map((r) => ({ hour: Number(r.hour), ...requestCountOf(r) }));
  }

  async predictionRows(w: TimeWindow, modelVersion?: string): Promise<PredictionRow[]> {
    const rows = (
      modelVersion === undefined
        ? this.stmts.predictionRows.all(w.from, w.to)
        : this.stmts.predictionRowsOfVersion.all(w.from, w.to, modelVersion)
    ) as Array<Record<string, string | number | null>>;
    return rows.map(predictionRowOf);
  }

  async binSpec(id: string): Promise<string | null> {
    const r = this.stmts.binSpec.get(id) as { spec: string } | undefined;
    return r?.spec ?? null;
  }

  async prune(before: number): Promise<PruneResult> {
    const hour = hourOf(before);
    try {
      const c = await this.writer.exec([
        ['prunePredictionCounts', [[hour]]],
        ['pruneRequestCounts', [[hour]]],
        ['pruneRows', [[before]]],
        ['pruneBinSpecs', [[]]],
      ]);
      return {
        predictionCounts: c.prunePredictionCounts ?? 0,
        requestCounts: c.pruneRequestCounts ?? 0,
        rows: c.pruneRows ?? 0,
      };
    } catch (err) {
      throw storeError('Pruning monitoring events failed', err, this.file);
    }
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (!this.db.open) return;
    try {
      // Fold the WAL into the database file at a clean shutdown (off the request path by then).
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A reader holds the WAL: SQLite checkpoints at the next open.
    }
    this.db.close();
  }
}

export interface SqliteStoreOptions {
  /** Folder of the database file (created 0700 if missing). */
  dataDir: string;
  /** Open read-only (reports, CLI): no migration, no write. */
  readonly?: boolean;
  /** Where writes run: a worker thread (default) or inline on the caller's thread. */
  writer?: 'worker' | 'inline';
}

/** Opens (creating and migrating when writable) the SQLite store. STORE_FAILED / SCHEMA_TOO_NEW on failure. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<EventStore & { file: string }> {
  const file = path.resolve(opts.dataDir, SQLITE_FILE);
  let db: Db;
  try {
    if (!opts.readonly) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file, { readonly: !!opts.readonly, fileMustExist: !!opts.readonly });
    if (!opts.readonly) {
      chmodSync(file, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw storeError(`Cannot open the monitoring database ${file}`, err, file);
  }
  try {
    if (!opts.readonly) migrateSqlite(db);
    else {
      const version = currentVersion(db);
      checkNotNewer(version);
      if (version < LATEST_SCHEMA_VERSION) {
        throw new AppError(
          MONITOR_ERRORS.STORE_FAILED,
          `The monitoring database ${file} has schema version ${version} and is opened read-only; open it once for writing (the server or \`defasagem monitor prune\`) to migrate it.`,
          { path: file, schema_version: version },
        );
      }
    }
    const writer =
      (!opts.readonly && opts.writer !== 'inline' ? workerExecutor(file, WRITE_SQL) : null) ??
      inlineExecutor(db, opts.readonly ? {} : WRITE_SQL);
    return new SqliteEventStore(db, file, writer);
  } catch (err) {
    db.close();
    if (err instanceof AppError) throw err;
    throw storeError(`Cannot prepare the monitoring database ${file}`, err, file);
  }
}
