import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../testing/fixtures.js';
import { hourOf, hoursOf, LATEST_SCHEMA_VERSION, MIGRATIONS, numberedPlaceholders, SQL } from './schema.js';
import { openSqliteStore, SQLITE_FILE } from './sqlite.js';
import type { EventBatch } from './types.js';

afterAll(removeTempDirs);

const H = 3_600_000;
const T0 = Date.UTC(2025, 2, 10, 9, 30);

function batch(at: number, n: number, extra: Partial<EventBatch> = {}): EventBatch {
  const hour = hourOf(at);
  return {
    binSpecs: [{ id: 'spec1', json: '{"id":"spec1"}' }],
    predictionCounts: [
      { hour, modelVersion: 'v1.0.0', endpoint: 'predict', binsId: 'spec1', series: 'records', bin: '', n },
      { hour, modelVersion: 'v1.0.0', endpoint: 'predict', binsId: 'spec1', series: 'score', bin: '3', n },
    ],
    requestCounts: [{ hour, endpoint: 'predict', series: 'requests', bin: '', n: 1 }],
    rows: [],
    ...extra,
  };
}

describe.each(['worker', 'inline'] as const)('SQLite event store, writes %s', (writer) => {
  it('creates the schema at the latest version, in WAL mode, with a 0600 file', async () => {
    const dir = path.join(tempDir(), 'nested', 'monitoring');
    const store = await openSqliteStore({ dataDir: dir, writer });
    expect((store as unknown as { writerKind: string }).writerKind).toBe(writer);
    await store.close();
    const file = path.join(dir, SQLITE_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT version, description FROM schema_version ORDER BY version').all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, description: m.description })),
    );
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual([
      'bin_specs',
      'prediction_counts',
      'prediction_rows',
      'request_counts',
      'schema_version',
    ]);
    db.close();
  });

  it('migrating again is a no-op; a database from a newer release is refused', async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dataDir: dir });
    expect(await store.migrate()).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    await store.close();
    const db = new Database(path.join(dir, SQLITE_FILE));
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openSqliteStore({ dataDir: dir })).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_SCHEMA_TOO_NEW',
    });
    await expect(openSqliteStore({ dataDir: dir, readonly: true })).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_SCHEMA_TOO_NEW',
    });
  });

  it('an unusable file or folder is a STORE_FAILED error, not a crash', async () => {
    const dir = tempDir();
    await expect(
      openSqliteStore({ dataDir: path.join(dir, 'missing'), readonly: true }),
    ).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_STORE_FAILED',
    });
    const notDb = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(notDb, SQLITE_FILE), 'this is not a database, just text '.repeat(200));
    await expect(openSqliteStore({ dataDir: notDb })).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_STORE_FAILED',
    });
  });

  it('adds counters of the same hour, sums a window over hours, and filters by version', async () => {
    const store = await openSqliteStore({ dataDir: tempDir(), writer });
    await store.append(batch(T0, 5));
    await store.append(batch(T0 + 10 * 60_000, 7));
    await store.append(batch(T0 + 2 * H, 11));
    const other = batch(T0, 3);
    for (const c of other.predictionCounts) c.modelVersion = 'v2.0.0';
    await store.append(other);
    const records = async (w: { from: number; to: number }, v?: string) =>
      (await store.predictionCounts(w, v)).filter((r) => r.series === 'records').reduce((s, r) => s + r.n, 0);
    expect(await records({ from: T0, to: T0 + 1 })).toBe(15);
    expect(await records({ from: T0, to: T0 + 3 * H })).toBe(26);
    expect(await records({ from: T0 + H, to: T0 + 3 * H })).toBe(11);
    expect(await records({ from: T0, to: T0 + 3 * H }, 'v1.0.0')).toBe(23);
    expect(await store.requestCounts({ from: T0, to: T0 + 3 * H })).toEqual([
      { endpoint: 'predict', series: 'requests', bin: '', n: 4 },
    ]);
    expect(await store.binSpec('spec1')).toBe('{"id":"spec1"}');
    await store.close();
  });

  it('prunes whole hours before the cut-off, rows by time, and bin specs no counter uses', async () => {
    const store = await openSqliteStore({ dataDir: tempDir(), writer });
    const row = {
      modelVersion: 'v1',
      endpoint: 'predict',
      subject: 'ab',
      score: 0.5,
      label: 1 as const,
      inputs: '{}',
    };
    await store.append(batch(T0, 1, { rows: [{ ...row, at: T0 }] }));
    await store.append(batch(T0 + 5 * H, 1, { rows: [{ ...row, at: T0 + 5 * H }], binSpecs: [] }));
    const res = await store.prune(T0 + 2 * H);
    expect(res).toEqual({ predictionCounts: 2, requestCounts: 1, rows: 1 });
    const all = { from: 0, to: T0 + 10 * H };
    expect((await store.predictionRows(all)).map((r) => r.at)).toEqual([T0 + 5 * H]);
    expect(await store.binSpec('spec1')).toBe('{"id":"spec1"}');
    await store.prune(T0 + 10 * H);
    expect(await store.binSpec('spec1')).toBeNull();
    await store.close();
  });

  it('a batch is one transaction: a failing statement leaves nothing of it', async () => {
    const store = await openSqliteStore({ dataDir: tempDir(), writer });
    const bad = batch(T0, 4);
    bad.rows = [
      {
        at: T0,
        modelVersion: 'v1',
        endpoint: 'p',
        subject: null,
        score: 0.1,
        label: 0,
        inputs: null as never,
      },
    ];
    await expect(store.append(bad)).rejects.toMatchObject({ code: 'DEF_ERR_MONITOR_STORE_FAILED' });
    expect(await store.predictionCounts({ from: 0, to: T0 + H })).toEqual([]);
    await store.close();
  });
});

describe('portable SQL helpers', () => {
  it('numbers placeholders for PostgreSQL and covers windows by whole hours', () => {
    expect(numberedPlaceholders(SQL.upsertRequestCount)).toContain('VALUES ($1, $2, $3, $4, $5)');
    expect(hourOf(T0)).toBe(Date.UTC(2025, 2, 10, 9) / 1000);
    expect(hoursOf({ from: T0, to: T0 + H })).toEqual([hourOf(T0), hourOf(T0) + 2 * 3600]);
    expect(hoursOf({ from: hourOf(T0) * 1000, to: hourOf(T0) * 1000 + H })).toEqual([
      hourOf(T0),
      hourOf(T0) + 3600,
    ]);
  });

  it('uses no SQLite-only syntax in the shared schema and queries', () => {
    const all = [...MIGRATIONS.flatMap((m) => m.statements), ...Object.values(SQL)].join('\n');
    for (const word of [
      'AUTOINCREMENT',
      'WITHOUT ROWID',
      'PRAGMA',
      'INSERT OR',
      'json_',
      'strftime',
      'datetime(',
    ])
      expect(all.toUpperCase()).not.toContain(word.toUpperCase());
  });
});
