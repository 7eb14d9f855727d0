/**
 * Where the SQLite store's writes run. better-sqlite3 is synchronous: a commit, and the WAL checkpoint
 * SQLite runs inside whichever commit crosses ~1000 pages (it fsyncs the database file: tens of
 * milliseconds on a busy disk), would block the event loop in the middle of request handling. So writes
 * go to a worker thread with its own connection; the event loop only posts a list of statements and
 * parameters and awaits the reply, sent after COMMIT. Reads stay on the main connection (WAL readers
 * never wait for the writer). If the worker cannot start, writes run inline on the main connection.
 *
 * Both executors run the same thing: for each [statement, rows of parameters], every row, all inside
 * one transaction; they answer the number of changed rows per statement.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** [name of a statement in `sql`, parameter rows]; run in order, in one transaction. */
export type WriteOps = Array<[string, unknown[][]]>;

export interface WriteExecutor {
  readonly kind: 'worker' | 'inline';
  exec(ops: WriteOps): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** A write that failed inside SQLite (carries SQLite's code, e.g. SQLITE_CONSTRAINT_NOTNULL). */
export class WriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function inlineExecutor(db: Database.Database, sql: Record<string, string>): WriteExecutor {
  const stmts = Object.fromEntries(Object.entries(sql).map(([k, s]) => [k, db.prepare(s)]));
  const run = db.transaction((ops: WriteOps) => {
    const changes: Record<string, number> = {};
    for (const [k, rows] of ops)
      for (const p of rows) changes[k] = (changes[k] ?? 0) + stmts[k]!.run(...p).changes;
    return changes;
  });
  return {
    kind: 'inline',
    exec: async (ops) => run(ops),
    close: async () => {},
  };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const stmts = {};
for (const [k, s] of Object.entries(workerData.sql)) stmts[k] = db.prepare(s);
const run = db.transaction((ops) => {
  const changes = {};
  for (const [k, rows] of ops) for (const p of rows) changes[k] = (changes[k] || 0) + stmts[k].run(...p).changes;
  return changes;
});
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, ok: true, changes: run(m.ops) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, code: err && err.code, message: String(err && err.message) });
  }
});
`;

type Reply =
  | { id: number; ok: true; changes: Record<string, number> }
  | { id: number; ok: false; code?: string; message: string };

/** The worker executor, or null when a worker cannot be started here. */
export function workerExecutor(file: string, sql: Record<string, string>): WriteExecutor | null {
  let worker: Worker;
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, file, sql } });
  } catch {
    return null;
  }
  worker.unref();
  let nextId = 0;
  let dead: Error | null = null;
  const pending = new Map<
    number,
    { resolve: (c: Record<string, number>) => void; reject: (e: Error) => void }
  >();
  const fail = (err: Error) => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.changes);
    else p.reject(new WriteError(m.message, m.code));
  });
  worker.on('error', (err) => fail(err));
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', () => {
      fail(new Error('the monitoring writer thread stopped'));
      resolve();
    }),
  );
  return {
    kind: 'worker',
    exec: (ops) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref(); // a write in flight keeps the process alive until it is committed
        worker.postMessage({ type: 'exec', id, ops });
      }),
    close: async () => {
      if (!dead) {
        worker.ref();
        worker.postMessage({ type: 'close' });
        // A worker stuck in a write is not waited for at shutdown.
        const t = setTimeout(() => void worker.terminate(), 5000);
        await exited;
        clearTimeout(t);
      }
      await exited;
    },
  };
}
