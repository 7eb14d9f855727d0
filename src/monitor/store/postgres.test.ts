import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../registry/testing/spawn.js';
import { removeTempDirs, runTs, tempDir } from '../testing/fixtures.js';
import { freshDatabase, pgTestUrl } from '../testing/postgres.js';
import { openEventStore } from './open.js';
import { openPostgresStore } from './postgres.js';
import { hourOf, LATEST_SCHEMA_VERSION, MIGRATIONS } from './schema.js';
import { openSqliteStore } from './sqlite.js';
import type { EventBatch, EventStore } from './types.js';

afterAll(removeTempDirs);

const H = 3_600_000;
const T0 = Date.UTC(2025, 2, 10, 9, 30);

function batch(at: number, n: number, version = 'v1.0.0'): EventBatch {
  const hour = hourOf(at);
  return {
    binSpecs: [{ id: 'spec1', json: '{"id":"spec1"}' }],
    predictionCounts: [
      { hour, modelVersion: version, endpoint: 'predict', binsId: 'spec1', series: 'records', bin: '', n },
      { hour, modelVersion: version, endpoint: 'predict', binsId: 'spec1', series: 'score', bin: '3', n },
    ],
    requestCounts: [{ hour, endpoint: 'predict', series: 'requests', bin: '', n: 1 }],
    rows: [
      {
        at,
        modelVersion: version,
        endpoint: 'score',
        subject: 'ab12',
        score: 0.25 + n / 100,
        label: 1,
        inputs: '{"IAN":5}',
      },
    ],
  };
}

/** Everything the queries answer over a few windows, sorted: two stores holding the same events agree. */
async function answers(store: EventStore) {
  const sort = <T>(a: T[]) => a.map((x) => JSON.stringify(x)).sort();
  const windows = [
    { from: T0 - 2 * H, to: T0 + 5 * H },
    { from: T0, to: T0 + 1 },
    { from: T0 + H, to: T0 + 3 * H },
  ];
  const out: unknown[] = [];
  for (const w of windows) {
    out.push(sort(await store.predictionCounts(w)));
    out.push(sort(await store.predictionCounts(w, 'v2.0.0')));
    out.push(sort(await store.requestCounts(w)));
    out.push(await store.predictionRows(w));
    out.push(await store.predictionRows(w, 'v1.0.0'));
    out.push(sort(await store.predictionSeries(w)), sort(await store.requestSeries(w)));
  }
  out.push(await store.binSpec('spec1'), await store.binSpec('nope'));
  return out;
}

describe.skipIf(pgTestUrl() === null)('PostgreSQL event store', () => {
  it('migrates once to the latest schema; a database from a newer release is refused', async () => {
    const url = await freshDatabase();
    // Three replicas starting together: one migrates, the others find it done.
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore({ url })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const applied = await client.query('SELECT version, description FROM schema_version ORDER BY version');
      expect(applied.rows).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, description: m.description })),
      );
      expect(await stores[0]!.migrate()).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
      await client.query(
        'INSERT INTO schema_version (version, description, applied_at) VALUES (999, $1, 0)',
        ['future'],
      );
      await expect(openPostgresStore({ url })).rejects.toMatchObject({
        code: 'DEF_ERR_MONITOR_SCHEMA_TOO_NEW',
      });
    } finally {
      await client.end();
      for (const s of stores) await s.close();
    }
  });

  it('answers every query exactly as the SQLite store does for the same events, prune included', async () => {
    const pgStore = await openEventStore({ dataDir: '', databaseUrl: await freshDatabase() });
    const sqlite = await openSqliteStore({ dataDir: tempDir(), writer: 'inline' });
    expect(pgStore.backend).toBe('postgres');
    const batches = [batch(T0, 2), batch(T0 + 10, 3), batch(T0 + H, 5, 'v2.0.0'), batch(T0 + 2 * H + 1, 7)];
    for (const b of batches) {
      await pgStore.append(b);
      await sqlite.append(b);
    }
    const expected = await answers(sqlite);
    expect(await answers(pgStore)).toEqual(expected);
    // The fixture exercises the sums (2 + 3 + 7 records of v1.0.0 over the window).
    const counts = await pgStore.predictionCounts({ from: T0 - 2 * H, to: T0 + 5 * H }, 'v1.0.0');
    expect(counts.map((c) => c.n)).toEqual([12, 12]);
    expect(await pgStore.prune(T0 + H)).toEqual(await sqlite.prune(T0 + H));
    expect(await answers(pgStore)).toEqual(await answers(sqlite));
    await pgStore.close();
    await sqlite.close();
  });

  it('one batch in one statement: repeated counters summed, awkward text and nulls kept as SQLite keeps them', async () => {
    const pgStore = await openPostgresStore({ url: await freshDatabase() });
    const sqlite = await openSqliteStore({ dataDir: tempDir(), writer: 'inline' });
    const hour = hourOf(T0);
    const count = (series: string, bin: string, n: number) => ({
      hour,
      modelVersion: 'v1.0.0',
      endpoint: 'predict',
      binsId: 'spec1',
      series,
      bin,
      n,
    });
    const awkward = ['a,b', '{x}', 'quote " and \\ backslash', "it's", 'ção', 'NULL', ''];
    const b: EventBatch = {
      binSpecs: [
        { id: 'spec1', json: '{"id":"spec1","e":[1,2]}' },
        { id: 'spec1', json: '{"id":"spec1","e":[1,2]}' },
      ],
      predictionCounts: [
        ...awkward.map((bin, i) => count('f:genero', `v:${bin}`, i + 1)),
        // The same counter twice in one batch: summed before the upsert.
        count('records', '', 2),
        count('records', '', 3),
      ],
      requestCounts: [
        { hour, endpoint: '/predict', series: 'requests', bin: '', n: 4 },
        { hour, endpoint: '/predict', series: 'requests', bin: '', n: 1 },
        { hour: hour + 3600, endpoint: '/v2/models/{name}/infer', series: 'status', bin: '200', n: 1 },
      ],
      rows: [
        {
          at: T0,
          modelVersion: 'v1.0.0',
          endpoint: 'score',
          subject: null,
          score: 0.125,
          label: 0,
          inputs: '{"a":"x,\\"y\\"}"}',
        },
        {
          at: T0 + 1,
          modelVersion: 'v1.0.0',
          endpoint: 'score',
          subject: 'ab',
          score: 1e-9,
          label: 1,
          inputs: '{}',
        },
      ],
    };
    await pgStore.append(b);
    await sqlite.append(b);
    await pgStore.append(batch(T0, 5));
    await sqlite.append(batch(T0, 5));
    expect(await answers(pgStore)).toEqual(await answers(sqlite));
    const records = (await pgStore.predictionCounts({ from: T0, to: T0 + 1 })).find(
      (c) => c.series === 'records',
    );
    expect(records?.n).toBe(10);
    await pgStore.close();
    await sqlite.close();
  });

  it('two replicas upserting the same counters at once: no lost update, no deadlock', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    // Each batch holds both counters, in opposite orders for the two writers.
    const reversed = (x: EventBatch): EventBatch => ({
      ...x,
      predictionCounts: [...x.predictionCounts].reverse(),
    });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0 ? a.append(batch(T0, 1)) : b.append(reversed(batch(T0, 1))),
      ),
    );
    const counts = await a.predictionCounts({ from: T0, to: T0 + 1 });
    expect(counts.map((c) => c.n)).toEqual([40, 40]);
    expect((await a.requestCounts({ from: T0, to: T0 + 1 }))[0]!.n).toBe(40);
    await a.close();
    await b.close();
  });

  it('a writer killed with SIGKILL loses no event it acknowledged', { timeout: 120_000 }, async () => {
    const url = await freshDatabase();
    let acked = 0;
    await runTs(path.join(REPO_ROOT, 'src/monitor/testing/pg-writer.ts'), [url], {
      onSpawn: (child) => {
        child.stdout!.on('data', (d: Buffer) => {
          const last = /ack (\d+)\s*$/.exec(d.toString());
          if (last) acked = Math.max(acked, Number(last[1]));
          if (acked >= 50) child.kill('SIGKILL');
        });
      },
    });
    const store = await openPostgresStore({ url });
    const rows = await store.predictionRows({ from: 0, to: 1_000_000 });
    // Every acknowledged append is there; at most the one in flight when killed is there unacknowledged.
    expect(acked).toBeGreaterThanOrEqual(50);
    expect(rows.length).toBeGreaterThanOrEqual(acked);
    expect(rows.length).toBeLessThanOrEqual(acked + 1);
    expect(rows.map((r) => r.at)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    await store.close();
  });

  it('a wrong URL is STORE_FAILED naming the database without its password', async () => {
    const u = new URL(pgTestUrl()!);
    u.password = 's3cret';
    u.pathname = '/no_such_database';
    const err = await openPostgresStore({ url: u.toString() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEF_ERR_MONITOR_STORE_FAILED' });
    expect((err as Error).message).not.toContain('s3cret');
    expect((err as Error).message).toContain('no_such_database');
  });
});
