import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventStore, lastDays, openSqliteStore } from '../../monitor/index.js';
import { delegatingStore } from '../../monitor/testing/fixtures.js';
import {
  type MonitoredRegistry,
  monitoredRegistry,
  postJson,
  startMonitored,
} from '../testing/monitoring.js';

let reg: MonitoredRegistry;
const dataDir = () => reg.dataDir();
beforeAll(async () => {
  reg = await monitoredRegistry();
}, 120_000);
afterAll(() => reg?.cleanup());

/** Sums of what the store holds: students and calls by endpoint family, requests and drops by route. */
async function stored(store: EventStore) {
  const w = lastDays(1);
  const p = await store.predictionCounts(w);
  const r = await store.requestCounts(w);
  const sum = (rows: { series: string; n: number }[], series: string) =>
    rows.filter((x) => x.series === series).reduce((a, x) => a + x.n, 0);
  const dropped: Record<string, number> = {};
  for (const x of r.filter((x) => x.series === 'dropped')) dropped[x.bin] = (dropped[x.bin] ?? 0) + x.n;
  return {
    students: sum(p, 'records'),
    calls: sum(p, 'calls'),
    predictRequests: sum(
      r.filter((x) => x.endpoint === '/predict'),
      'requests',
    ),
    dropped,
  };
}

/** Runs `total` jobs with `concurrency` in flight. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

describe('the event writer under load', () => {
  it('loses no event below its queue bound: 400 concurrent requests, every student and request stored', async () => {
    const dir = dataDir();
    // A small batch and a short interval: many transactions while the clients are still sending.
    const server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dir,
      monitor: { batchSize: 50, flushIntervalMs: 20 },
    });
    let students = 0;
    let failures = 0;
    await pool(400, 24, async (i) => {
      const n = i % 3 === 0 ? 8 : 1;
      const body = n === 1 ? { ...reg.example, ida: i % 10 } : { instances: Array(n).fill(reg.example) };
      const r = await postJson(`${server.url}/predict`, body);
      await r.arrayBuffer();
      if (r.status === 200) students += n;
      else failures++;
    });
    expect(failures).toBe(0);
    const stats = server.monitoring!.monitor.stats();
    await server.close();
    const store = await openSqliteStore({ dataDir: dir, readonly: true });
    const s = await stored(store);
    await store.close();
    expect(s.students).toBe(students);
    expect(s.calls).toBe(400);
    expect(s.predictRequests).toBe(400);
    expect(s.dropped).toEqual({});
    expect(Object.values(stats.dropped).every((n) => n === 0)).toBe(true);
    // More than one transaction happened while the clients were sending.
    expect(stats.batches).toBeGreaterThan(1);
  }, 60_000);

  it('with the store held back, the queue fills at its bound: written + dropped = answered, exactly', async () => {
    const dir = dataDir();
    const real = await openSqliteStore({ dataDir: dir });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held = delegatingStore(real, { append: async (b) => gate.then(() => real.append(b)) });
    const server = await startMonitored({
      registryDir: reg.registryDir,
      dataDir: dir,
      monitor: { queueMax: 100, batchSize: 10, flushIntervalMs: 10 },
      monitorOptions: { store: held },
    });
    const N = 150;
    for (let i = 0; i < N; i++) {
      const r = await postJson(`${server.url}/predict`, { ...reg.example, ieg: i % 10 });
      expect(r.status).toBe(200);
    }
    const during = server.monitoring!.monitor.stats();
    // Each answer offers two events (the student, the request): what did not fit was dropped and counted.
    expect(during.dropped.prediction_records + during.dropped.requests).toBeGreaterThan(0);
    expect(during.accepted + during.dropped.prediction_records + during.dropped.requests).toBe(2 * N);
    release();
    await server.close();
    const after = server.monitoring!.monitor.stats();
    expect(after.written).toBe(after.accepted);
    const store = await openSqliteStore({ dataDir: dir, readonly: true });
    const s = await stored(store);
    await store.close();
    expect(s.students + after.dropped.prediction_records).toBe(N);
    expect(s.predictRequests + after.dropped.requests).toBe(N);
    // The drop counters reach the store too, for GET /monitoring/slo.
    expect(s.dropped.prediction_records ?? 0).toBe(after.dropped.prediction_records);
    expect(s.dropped.requests ?? 0).toBe(after.dropped.requests);
  }, 60_000);
});
