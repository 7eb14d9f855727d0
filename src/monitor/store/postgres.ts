/**
 * The PostgreSQL event store (`pg`), chosen by MONITOR_DATABASE_URL: the same schema, migrations and
 * queries as the SQLite store (schema.ts, placeholders numbered), for several API replicas writing to
 * one place. PostgreSQL specifics stay here:
 * - a small connection pool; every call is network I/O on libuv, so nothing blocks the event loop
 *   (the recorder already batches and flushes off the request path);
 * - migrations in one transaction under an advisory lock, so replicas starting together migrate once;
 * - `append` is one statement, so one round trip and one transaction whatever the batch holds (durable
 *   when it resolves: PostgreSQL's commit is fsynced): every table's rows travel as arrays (`unnest`),
 *   inserted by data-modifying CTEs of one named (prepared once per connection) statement; counters are
 *   summed per key first (one upsert may touch a row once) and sorted by key, so two replicas take
 *   their row locks in the same order and never deadlock; retried on a serialization failure or
 *   deadlock. A statement per counter cost a round trip and a PostgreSQL parse/plan each: ~30 per batch;
 * - BIGINT columns come back as strings and are read as numbers.
 */
import pg from 'pg';
import { AppError } from '../../core/error-base.js';
import { MONITOR_ERRORS } from '../errors.js';
import { predictionCountOf, predictionRowOf, requestCountOf } from './rows.js';
import {
  hourOf,
  hoursOf,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  numberedPlaceholders,
  SCHEMA_VERSION_TABLE,
  SQL,
} from './schema.js';
import type {
  EventBatch,
  EventStore,
  PredictionCount,
  PredictionRow,
  PruneResult,
  RequestCount,
  TimeWindow,
} from './types.js';

/** Any 64-bit number, the same for every replica: the advisory lock migrations run under. */
const MIGRATION_LOCK = 7_406_532_011;
const RETRYABLE = new Set(['40001', '40P01']);

const q = (sql: string) => numberedPlaceholders(sql);

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

function storeError(message: string, err: unknown, url: string): AppError {
  const reason = (err as { code?: string }).code ?? (err as Error).message;
  return new AppError(
    MONITOR_ERRORS.STORE_FAILED,
    `${message} (${reason}); check MONITOR_DATABASE_URL (${redactUrl(url)}) and that the server is reachable.`,
    { database: redactUrl(url) },
    { cause: err },
  );
}

type Row = Record<string, string | number | null>;
type Params = readonly (string | number | null)[];

/**
 * One batch in one statement: each table's rows as parallel arrays, inserted by its own CTE. The
 * main INSERT and the CTEs run as one statement, hence one implicit transaction.
 */
const APPEND = {
  name: 'defasagem_monitor_append_v1',
  text: `WITH specs AS (
    INSERT INTO bin_specs (bins_id, spec, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
    ON CONFLICT (bins_id) DO NOTHING
  ), predictions AS (
    INSERT INTO prediction_counts (hour, model_version, endpoint, bins_id, series, bin, n)
    SELECT * FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
    ON CONFLICT (hour, model_version, endpoint, bins_id, series, bin)
    DO UPDATE SET n = prediction_counts.n + excluded.n
  ), requests AS (
    INSERT INTO request_counts (hour, endpoint, series, bin, n)
    SELECT * FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::bigint[])
    ON CONFLICT (hour, endpoint, series, bin) DO UPDATE SET n = request_counts.n + excluded.n
  )
  INSERT INTO prediction_rows (at, model_version, endpoint, subject, score, label, inputs)
  SELECT * FROM unnest($16::bigint[], $17::text[], $18::text[], $19::text[], $20::float8[], $21::int[], $22::text[])`,
} as const;

/** Sums `items` per key (an upsert may touch a row only once per statement) in key order. */
function summedByKey<T extends { n: number }>(items: readonly T[], key: (t: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const t of items) {
    const k = key(t);
    const seen = byKey.get(k);
    byKey.set(k, seen ? { ...seen, n: seen.n + t.n } : t);
  }
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** The 22 arrays of APPEND for a batch; null when the batch holds nothing. */
function appendParams(b: EventBatch, now: number): unknown[] | null {
  if (b.binSpecs.length + b.predictionCounts.length + b.requestCounts.length + b.rows.length === 0)
    return null;
  const specs = [...new Map(b.binSpecs.map((s) => [s.id, s])).values()].sort((x, y) =>
    x.id < y.id ? -1 : x.id > y.id ? 1 : 0,
  );
  // Any total order works for the locks, as long as every replica uses the same one.
  const pc = summedByKey(b.predictionCounts, (c) =>
    JSON.stringify([c.hour, c.modelVersion, c.endpoint, c.binsId, c.series, c.bin]),
  );
  const rc = summedByKey(b.requestCounts, (c) => JSON.stringify([c.hour, c.endpoint, c.series, c.bin]));
  // One array per column, in APPEND's parameter order.
  const cols = <T>(xs: readonly T[], keys: readonly (keyof T)[]) => keys.map((k) => xs.map((x) => x[k]));
  return [
    ...cols(specs, ['id', 'json']),
    specs.map(() => now),
    ...cols(pc, ['hour', 'modelVersion', 'endpoint', 'binsId', 'series', 'bin', 'n']),
    ...cols(rc, ['hour', 'endpoint', 'series', 'bin', 'n']),
    ...cols(b.rows, ['at', 'modelVersion', 'endpoint', 'subject', 'score', 'label', 'inputs']),
  ];
}

class PostgresEventStore implements EventStore {
  readonly backend = 'postgres';

  constructor(
    private readonly pool: pg.Pool,
    readonly url: string,
  ) {}

  /** Runs `fn` in one transaction, retried (up to 3 times) when PostgreSQL asks for it. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      } finally {
        client.release();
      }
    }
  }

  private async all(sql: string, params: Params): Promise<Row[]> {
    try {
      return (await this.pool.query(q(sql), [...params])).rows as Row[];
    } catch (err) {
      throw storeError('Reading monitoring events failed', err, this.url);
    }
  }

  /** The applied schema version (0 on an empty database). */
  async schemaVersion(): Promise<number> {
    const exists = await this.all("SELECT to_regclass('schema_version') IS NOT NULL AS present", []);
    if (!exists[0]?.present) return 0;
    return Number((await this.all(SQL.maxVersion, []))[0]?.version ?? 0);
  }

  async migrate(): Promise<{ from: number; to: number }> {
    try {
      return await this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query(SCHEMA_VERSION_TABLE);
        const current = async () => Number((await c.query(SQL.maxVersion)).rows[0]?.version ?? 0);
        const from = await current();
        if (from > LATEST_SCHEMA_VERSION) {
          throw new AppError(
            MONITOR_ERRORS.SCHEMA_TOO_NEW,
            `The monitoring database has schema version ${from}; this release knows up to ${LATEST_SCHEMA_VERSION}.`,
            { schema_version: from, supported: LATEST_SCHEMA_VERSION },
          );
        }
        for (const m of MIGRATIONS) {
          if (m.version <= from) continue;
          for (const s of m.statements) await c.query(s);
          await c.query(q(SQL.recordMigration), [m.version, m.description, Date.now()]);
        }
        return { from, to: await current() };
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw storeError('Migrating the monitoring database failed', err, this.url);
    }
  }

  async append(batch: EventBatch): Promise<void> {
    const values = appendParams(batch, Date.now());
    if (!values) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query({ ...APPEND, values });
        return;
      } catch (err) {
        if (attempt < 3 && RETRYABLE.has((err as { code?: string }).code ?? '')) continue;
        throw storeError('Writing monitoring events failed', err, this.url);
      }
    }
  }

  async predictionCounts(w: TimeWindow, modelVersion?: string) {
    const [from, to] = hoursOf(w);
    const rows =
      modelVersion === undefined
        ? await this.all(SQL.predictionCounts, [from, to])
        : await this.all(SQL.predictionCountsOfVersion, [from, to, modelVersion]);
    return rows.map(predictionCountOf);
  }

  async requestCounts(w: TimeWindow) {
    const [from, to] = hoursOf(w);
    return (await this.all(SQL.requestCounts, [from, to])).map(requestCountOf);
  }

  async predictionSeries(w: TimeWindow): Promise<PredictionCount[]> {
    const [from, to] = hoursOf(w);
    const rows = await this.all(SQL.predictionSeries, [from, to]);
    return rows.map((r) => ({ hour: Number(r.hour), ...predictionCountOf(r) }));
  }

  async requestSeries(w: TimeWindow): Promise<RequestCount[]> {
    const [from, to] = hoursOf(w);
    const rows = await this.all(SQL.requestSeries, [from, to]);
    return rows.map((r) => ({ hour: Number(r.hour), ...requestCountOf(r) }));
  }

  async predictionRows(w: TimeWindow, modelVersion?: string): Promise<PredictionRow[]> {
    const rows =
      modelVersion === undefined
        ? await this.all(SQL.predictionRows, [w.from, w.to])
        : await this.all(SQL.predictionRowsOfVersion, [w.from, w.to, modelVersion]);
    return rows.map(predictionRowOf);
  }

  async binSpec(id: string): Promise<string | null> {
    const rows = await this.all(SQL.binSpec, [id]);
    return (rows[0]?.spec as string | undefined) ?? null;
  }

  async prune(before: number): Promise<PruneResult> {
    const hour = hourOf(before);
    try {
      return await this.tx(async (c) => {
        const run = async (sql: string, params: Params) => (await c.query(q(sql), [...params])).rowCount ?? 0;
        const out = {
          predictionCounts: await run(SQL.prunePredictionCounts, [hour]),
          requestCounts: await run(SQL.pruneRequestCounts, [hour]),
          rows: await run(SQL.pruneRows, [before]),
        };
        await run(SQL.pruneBinSpecs, []);
        return out;
      });
    } catch (err) {
      throw storeError('Pruning monitoring events failed', err, this.url);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (MONITOR_DATABASE_URL). */
  url: string;
  /** Reports and the CLI: no migration (the schema must be current). */
  readonly?: boolean;
  /** Connections in the pool (default 4: one writer flushes at a time, readers are rare). */
  poolMax?: number;
}

/** Opens (and, unless read-only, migrates) the PostgreSQL store. STORE_FAILED / SCHEMA_TOO_NEW on failure. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<EventStore & { url: string }> {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? 4,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process: the next query reconnects.
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool, opts.url);
  try {
    if (!opts.readonly) await store.migrate();
    else {
      const version = await store.schemaVersion();
      if (version !== LATEST_SCHEMA_VERSION) {
        throw new AppError(
          version > LATEST_SCHEMA_VERSION ? MONITOR_ERRORS.SCHEMA_TOO_NEW : MONITOR_ERRORS.STORE_FAILED,
          `The monitoring database ${redactUrl(opts.url)} has schema version ${version}; this release reads ${LATEST_SCHEMA_VERSION} (start the server once to migrate it).`,
          { database: redactUrl(opts.url), schema_version: version },
        );
      }
    }
    return store;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
