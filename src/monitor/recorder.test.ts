import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EventRecorder, type RecorderOptions } from './recorder.js';
import { openSqliteStore } from './store/sqlite.js';
import type { EventStore } from './store/types.js';
import { delegatingStore, removeTempDirs, tempDir } from './testing/fixtures.js';
import { fakeStudent } from './testing/students.js';

afterAll(removeTempDirs);

const SECRET = 'x'.repeat(16) + 'y'.repeat(16);
const T0 = Date.UTC(2025, 4, 5, 14, 20);
const ALL = { from: 0, to: T0 + 86_400_000 };

function call(n: number, offset = 0, endpoint = 'predict') {
  const records = Array.from({ length: n }, (_, i) => fakeStudent(offset + i));
  return {
    modelVersion: 'v1.0.0',
    endpoint,
    records,
    scores: records.map((_, i) => ((offset + i) % 10) / 10 + 0.05),
    labels: records.map((_, i) => ((offset + i) % 2) as 0 | 1),
    at: T0,
  };
}

async function recorder(over: Partial<RecorderOptions> = {}, store?: EventStore) {
  const s = store ?? (await openSqliteStore({ dataDir: tempDir() }));
  const r = new EventRecorder({
    store: s,
    mode: 'aggregate_only',
    queueMax: 10_000,
    batchSize: 100,
    flushIntervalMs: 600_000,
    retentionDays: 30,
    pruneIntervalMs: 0,
    now: () => T0,
    ...over,
  });
  return { r, store: s };
}

async function total(store: EventStore, series: string): Promise<number> {
  return (await store.predictionCounts(ALL)).filter((c) => c.series === series).reduce((a, c) => a + c.n, 0);
}

describe('event recorder', () => {
  it('loses no event below its bound: every student and request is counted, in batches', async () => {
    const { r, store } = await recorder();
    for (let k = 0; k < 50; k++) {
      expect(r.observePrediction(call(20, k * 20))).toBe(true);
      expect(r.observeRequest({ endpoint: 'predict', status: 200, latencyMs: 3 + k, at: T0 })).toBe(true);
    }
    await r.flush();
    expect(await total(store, 'records')).toBe(1000);
    expect(await total(store, 'calls')).toBe(50);
    expect(await total(store, 'label')).toBe(1000);
    const req = await store.requestCounts(ALL);
    expect(req.find((c) => c.series === 'requests')?.n).toBe(50);
    const st = r.stats();
    expect(st.dropped).toEqual({
      prediction_calls: 0,
      prediction_records: 0,
      requests: 0,
      write_failed: 0,
      invalid: 0,
    });
    expect(st.written).toBe(1050);
    expect(st.batches).toBeGreaterThan(5);
    await r.close();
  });

  it('a full queue drops and counts, per endpoint, and the drops are written', async () => {
    const { r, store } = await recorder({ queueMax: 100, batchSize: 1000 });
    const accepted = Array.from({ length: 30 }, (_, k) => r.observePrediction(call(5, k * 5, 'v2')));
    expect(accepted.filter(Boolean).length).toBe(20);
    expect(r.observeRequest({ endpoint: 'v2', status: 200, latencyMs: 1, at: T0 })).toBe(false);
    expect(r.stats().dropped).toMatchObject({ prediction_calls: 10, prediction_records: 50, requests: 1 });
    await r.flush();
    expect(await total(store, 'records')).toBe(100);
    const dropped = (await store.requestCounts(ALL)).filter((c) => c.series === 'dropped');
    expect(dropped.map((d) => [d.endpoint, d.bin, d.n]).sort()).toEqual([
      ['v2', 'prediction_calls', 10],
      ['v2', 'prediction_records', 50],
      ['v2', 'requests', 1],
    ]);
    // Room again after the flush.
    expect(r.observePrediction(call(5))).toBe(true);
    await r.close();
  });

  it('flushes by itself when batchSize is reached and on the timer', async () => {
    const bySize = await recorder({ batchSize: 10 });
    bySize.r.observePrediction(call(10));
    await vi.waitFor(async () => expect(await total(bySize.store, 'records')).toBe(10));
    await bySize.r.close();
    const byTimer = await recorder({ batchSize: 1000, flushIntervalMs: 20 });
    byTimer.r.observePrediction(call(3));
    await vi.waitFor(async () => expect(await total(byTimer.store, 'records')).toBe(3));
    await byTimer.r.close();
  });

  it('a flush writes what was counted when it started; what arrives during the write waits for the next one', async () => {
    const real = await openSqliteStore({ dataDir: tempDir() });
    let release: () => void = () => {};
    const appended: number[] = [];
    const held: EventStore = delegatingStore(real, {
      append: async (b) => {
        appended.push(b.predictionCounts.find((c) => c.series === 'records')?.n ?? 0);
        await new Promise<void>((r) => {
          release = r;
        });
        return real.append(b);
      },
    });
    const { r, store } = await recorder({ batchSize: 1000 }, held);
    r.observePrediction(call(5));
    const first = r.flush();
    await vi.waitFor(() => expect(appended).toEqual([5]));
    r.observePrediction(call(3));
    release();
    await first;
    // One transaction: the 3 students counted during the write were not chased with a second one.
    expect(appended).toEqual([5]);
    expect(r.stats()).toMatchObject({ batches: 1, written: 5, queued: 3 });
    expect(await total(store, 'records')).toBe(5);
    const second = r.flush();
    await vi.waitFor(() => expect(appended).toEqual([5, 3]));
    release();
    await second;
    expect(await total(store, 'records')).toBe(8);
    await r.close();
  });

  it('counts when it observes and keeps no record: a record changed after the call is counted as it was', async () => {
    const changed = await recorder();
    const untouched = await recorder();
    const c = call(3);
    const copies = c.records.map((x) => ({ ...x }));
    changed.r.observePrediction(c);
    for (const x of c.records as unknown as Record<string, unknown>[])
      for (const k of Object.keys(x)) x[k] = null;
    untouched.r.observePrediction({ ...c, records: copies });
    await changed.r.flush();
    await untouched.r.flush();
    const counts = async (s: EventStore) =>
      (await s.predictionCounts(ALL)).map((x) => `${x.series} ${x.bin} ${x.n}`).sort();
    const got = await counts(changed.store);
    expect(got.some((x) => x.startsWith('f:'))).toBe(true);
    expect(got).toEqual(await counts(untouched.store));
    await changed.r.close();
    await untouched.r.close();
  });

  it('never throws on malformed observations, and they cannot spoil a batch', async () => {
    const { r, store } = await recorder();
    const bad = [
      null,
      { modelVersion: 'v1.0.0', endpoint: 'predict', records: null, at: T0 },
      {
        modelVersion: 'v1.0.0',
        endpoint: 'predict',
        records: [null, 5],
        scores: undefined,
        labels: undefined,
        at: Number.NaN,
      },
    ];
    for (const b of bad) expect(() => r.observePrediction(b as never)).not.toThrow();
    expect(() => r.observeRequest(null as never)).not.toThrow();
    r.observePrediction(call(4));
    await r.flush();
    expect(await total(store, 'records')).toBe(6);
    expect(r.stats().dropped.invalid).toBe(3);
    await r.close();
  });

  it('a batch the store refuses is counted as write_failed and reported, without an unhandled rejection', async () => {
    const real = await openSqliteStore({ dataDir: tempDir() });
    let fail = true;
    const flaky: EventStore = delegatingStore(real, {
      backend: 'flaky',
      append: (b) => (fail ? Promise.reject(new Error('disk full')) : real.append(b)),
    });
    const errors: unknown[] = [];
    const { r } = await recorder({ onError: (e) => errors.push(e) }, flaky);
    r.observePrediction(call(7, 0, 'predict'));
    await r.flush();
    expect(r.stats().dropped.write_failed).toBe(7);
    expect(r.stats().lastError).toBe('disk full');
    expect(errors).toHaveLength(1);
    fail = false;
    r.observePrediction(call(2));
    await r.flush();
    const dropped = (await real.requestCounts(ALL)).filter((c) => c.series === 'dropped');
    expect(dropped).toEqual([{ endpoint: 'predict', series: 'dropped', bin: 'write_failed', n: 7 }]);
    await r.close();
  });

  it('close writes what is queued; later observations are refused', async () => {
    const { r, store } = await recorder({ batchSize: 1000 });
    r.observePrediction(call(9));
    await r.close();
    expect(r.observePrediction(call(1))).toBe(false);
    const reopened = await openSqliteStore({
      dataDir: (store as unknown as { file: string }).file.replace(/\/[^/]+$/, ''),
    });
    expect(await total(reopened, 'records')).toBe(9);
    await reopened.close();
  });

  it('retention deletes hours older than retentionDays', async () => {
    let now = T0 - 40 * 86_400_000;
    const { r, store } = await recorder({ now: () => now });
    r.observePrediction({ ...call(3), at: now });
    await r.flush();
    now = T0;
    r.observePrediction(call(4));
    await r.flush();
    expect(await total(store, 'records')).toBe(7);
    const res = await r.prune();
    expect(res.predictionCounts).toBeGreaterThan(0);
    expect(await total(store, 'records')).toBe(4);
    await r.close();
  });

  it('retention also runs by itself on its timer', async () => {
    let now = T0 - 40 * 86_400_000;
    const { r, store } = await recorder({ now: () => now, pruneIntervalMs: 20 });
    r.observePrediction({ ...call(3), at: now });
    await r.flush();
    expect(await total(store, 'records')).toBe(3);
    now = T0;
    await vi.waitFor(async () => expect(await total(store, 'records')).toBe(0));
    await r.close();
  });
});

describe('pseudonymised mode', () => {
  it('refuses to start without a secret of at least 32 characters', async () => {
    await expect(recorder({ mode: 'pseudonymised' })).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_SECRET_MISSING',
    });
    await expect(recorder({ mode: 'pseudonymised', hmacSecret: 'short' })).rejects.toMatchObject({
      code: 'DEF_ERR_MONITOR_SECRET_MISSING',
    });
  });

  it('stores one row per student given with an RA, keyed by HMAC-SHA256(secret, RA), with the input fields only', async () => {
    const { r, store } = await recorder({ mode: 'pseudonymised', hmacSecret: SECRET });
    const c = call(3);
    const records = c.records.map((rec, i) => ({ ...rec, ra: `RA-${i}`, nome: `Aluno ${i}` }));
    r.observePrediction({ ...c, records, ras: ['RA-0', ' RA-1 ', null] });
    // A call without RAs (what /predict and /v2 send) is counted, never stored as rows.
    r.observePrediction(call(4));
    await r.flush();
    const rows = await store.predictionRows(ALL);
    expect(rows).toHaveLength(2);
    const hmac = (ra: string) => createHmac('sha256', SECRET).update(ra).digest('hex');
    expect(rows.map((x) => x.subject)).toEqual([hmac('RA-0'), hmac('RA-1')]);
    const counted = await store.predictionCounts(ALL);
    expect(counted.find((x) => x.series === 'records')!.n).toBe(7);
    for (const row of rows) {
      expect(Object.keys(JSON.parse(row.inputs))).not.toContain('ra');
      expect(row.inputs).not.toMatch(/RA-|Aluno/);
    }
    expect(JSON.parse(rows[0]!.inputs)).toEqual({ ...c.records[0] });
    expect(rows.map((x) => [x.score, x.label])).toEqual(c.scores.slice(0, 2).map((s, i) => [s, c.labels[i]]));
    await r.close();
  });
});

describe('the server-side event shape', () => {
  it("takes the server's PredictionEvent as is (endpoint family in `via`, extra requestId)", async () => {
    const { r, store } = await recorder();
    const c = call(3);
    const { endpoint: _e, ...rest } = c;
    const event = { ...rest, via: 'v2' as const, requestId: 'req-1' };
    expect(r.observePrediction(event)).toBe(true);
    await r.flush();
    const counts = await store.predictionCounts(ALL);
    expect(new Set(counts.map((x) => x.endpoint))).toEqual(new Set(['v2']));
    await r.close();
  });
});
