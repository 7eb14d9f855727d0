/**
 * Issue 15, end to end: three `defasagem serve` processes on three loopback ports share one registry
 * on S3 (the Swift s3api test server) and one PostgreSQL event store (the private test cluster).
 *
 * 1. Under load on all three, `defasagem registry promote` (the CLI, another process) moves the
 *    champion: every replica reports the new version on /ready (polling every RELOAD_POLL_SECONDS),
 *    no request fails, and no client ever sees the old version again once it has seen the new one.
 * 2. One replica is killed with SIGKILL mid-load, right after one of its batches was acknowledged; the
 *    two others keep answering, then stop gracefully (SIGTERM). Every event acknowledged is in
 *    PostgreSQL. "Acknowledged" is the monitoring writer's own meaning: counted in its `written`
 *    (GET /monitoring/slo → recorder.written), which moves only after PostgreSQL committed the batch;
 *    a graceful stop writes everything queued, so for the survivors every answered request is
 *    acknowledged.
 *
 * Whose event is whose: each replica's clients send a student whose `ian` falls in a bin of its own,
 * so the `f:ian` counters in PostgreSQL count each replica's scored students separately. Request
 * counters are shared: the killed replica's share is what is left after the survivors' exact counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_STUDENT } from '../model/signature.js';
import { numericBin } from '../monitor/bins.js';
import { openPostgresStore } from '../monitor/store/postgres.js';
import { freshDatabase, pgTestUrl } from '../monitor/testing/postgres.js';
import { openRegistry, promoteVersion, registerVersion } from '../registry/index.js';
import { backendMissing, openTestRegistry } from '../registry/testing/backends.js';
import {
  removeTempDirs,
  TEST_SETTINGS,
  tempDir,
  writeFixtureArtifacts,
} from '../registry/testing/fixtures.js';
import { runTs } from '../registry/testing/spawn.js';
import { CLI_MAIN, type ServeProcess, spawnServe } from './testing/replicas.js';

const POLL_SECONDS = 1;
/** A hang guard, not a performance target: the measured times are printed (docs/scaling.md). */
const REACH_GUARD_MS = POLL_SECONDS * 1000 + 30_000;
/** Each replica's students: `ian` in a bin no other replica's student falls in. */
const MARKERS = [0.5, 5, 9.5];
const CLIENTS_PER_REPLICA = 2;

interface Replica {
  name: string;
  marker: number;
  proc: ServeProcess;
  /** Requests this test sent, and responses it received (any status, any route). */
  sent: number;
  answered: number;
  /** /predict answered 200, per model version. */
  ok: Map<string, number>;
  failures: string[];
  killed: boolean;
}

async function call(r: Replica, route: string, init?: RequestInit): Promise<Response> {
  r.sent++;
  const res = await fetch(`${r.proc.url}${route}`, init);
  r.answered++;
  return res;
}

async function readyVersion(r: Replica): Promise<string | null> {
  const res = await call(r, '/ready');
  return ((await res.json()) as { model_version?: string }).model_version ?? null;
}

async function recorderOf(r: Replica): Promise<{ written: number; batches: number }> {
  const res = await call(r, '/monitoring/slo');
  return ((await res.json()) as { recorder: { written: number; batches: number } }).recorder;
}

/** One keep-alive client: /predict one request at a time until `stop()`; versions seen in order. */
function client(r: Replica, stop: () => boolean): Promise<void> {
  const body = JSON.stringify({ ...EXAMPLE_STUDENT, ian: r.marker });
  return (async () => {
    let seenNew = false;
    while (!stop() && !r.killed) {
      try {
        const res = await call(r, '/predict', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const answer = (await res.json()) as { model_version?: string };
        if (res.status !== 200) {
          r.failures.push(`${r.name}: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
          continue;
        }
        const v = answer.model_version!;
        r.ok.set(v, (r.ok.get(v) ?? 0) + 1);
        if (v === 'v1.1.0') seenNew = true;
        else if (seenNew) r.failures.push(`${r.name}: answered ${v} after v1.1.0`);
      } catch (err) {
        if (!r.killed) r.failures.push(`${r.name}: ${(err as Error).message}`);
      }
    }
  })();
}

const sum = (m: { values(): Iterable<number> }) => [...m.values()].reduce((a, b) => a + b, 0);

/** Polls until `done()`, failing past `guardMs` from `since` (a hang guard, never a timing assertion). */
async function until(
  done: () => Promise<boolean> | boolean,
  since: number,
  guardMs: number,
): Promise<number> {
  while (!(await done())) {
    expect(Date.now() - since).toBeLessThan(guardMs);
    await sleep(50);
  }
  return Date.now() - since;
}

/** Registers v1.0.0 and v1.1.0 on `dir` and promotes v1.0.0, while the replicas start. */
async function firstChampion(dir: string): Promise<void> {
  const ctx = openRegistry(dir, TEST_SETTINGS);
  await registerVersion(ctx, {
    artifacts: writeFixtureArtifacts(tempDir('a'), { seed: 1 }),
    version: 'v1.0.0',
  });
  await promoteVersion(ctx, { version: 'v1.0.0' });
  await registerVersion(ctx, {
    artifacts: writeFixtureArtifacts(tempDir('b'), { seed: 2 }),
    version: 'v1.1.0',
  });
}

/** Step 1, under load: the CLI promotes v1.1.0; every replica reports and answers it, nothing fails. */
async function promoteUnderLoad(replicas: Replica[], dir: string) {
  const started = Date.now();
  const promote = await runTs(CLI_MAIN, ['registry', 'promote', 'v1.1.0', '--registry', dir, '--json']);
  expect(promote.code, promote.stderr).toBe(0);
  const promotedAt = Date.now();
  const reached: number[] = [];
  for (const r of replicas)
    reached.push(await until(async () => (await readyVersion(r)) === 'v1.1.0', promotedAt, REACH_GUARD_MS));
  // Each replica answers /predict with the new version too (the swap happened under load).
  await until(() => replicas.every((r) => (r.ok.get('v1.1.0') ?? 0) > 0), promotedAt, REACH_GUARD_MS);
  for (const r of replicas) {
    expect(r.failures).toEqual([]);
    expect(r.ok.get('v1.0.0')).toBeGreaterThan(0);
  }
  return { promoteMs: promotedAt - started, reached };
}

/** Step 2: SIGKILL `k` right after one of its batches was acknowledged; answers what it had acknowledged. */
async function killAfterAck(k: Replica): Promise<number> {
  const first = await recorderOf(k);
  let acked = first.written;
  await until(
    async () => {
      const now = await recorderOf(k);
      acked = now.written;
      return now.batches > first.batches;
    },
    Date.now(),
    REACH_GUARD_MS,
  );
  k.killed = true;
  k.proc.child.kill('SIGKILL');
  expect((await k.proc.exited).signal).toBe('SIGKILL');
  return acked;
}

/** Step 3: what PostgreSQL holds: each replica's students (by their `ian` bin) and all the requests. */
async function countsInPostgres(databaseUrl: string, since: number) {
  const store = await openPostgresStore({ url: databaseUrl, readonly: true });
  try {
    const window = { from: since - 3_600_000, to: Date.now() + 3_600_000 };
    const counts = await store.predictionCounts(window);
    const requests = await store.requestCounts(window);
    const students = new Map<number, number>(MARKERS.map((m) => [m, 0]));
    for (const c of counts.filter((x) => x.series === 'f:ian')) {
      const spec = JSON.parse((await store.binSpec(c.binsId))!) as {
        fields: { field: string; edges?: number[] }[];
      };
      const edges = Float64Array.from(spec.fields.find((f) => f.field === 'ian')!.edges!);
      const bins = MARKERS.map((m) => numericBin(edges, m));
      expect(new Set(bins).size).toBe(MARKERS.length);
      const owner = MARKERS[bins.indexOf(Number(c.bin))];
      expect(owner, `a student in bin ${c.bin} of ian that no replica sent`).toBeDefined();
      students.set(owner!, students.get(owner!)! + c.n);
    }
    const total = (series: string, list: { series: string; n: number }[]) =>
      list.filter((x) => x.series === series).reduce((a, x) => a + x.n, 0);
    return {
      students,
      records: total('records', counts),
      requests: total('requests', requests),
      dropped: total('dropped', requests),
    };
  } finally {
    await store.close();
  }
}

/** The test's body, on replicas starting (`spawning`) on an empty registry `dir` and database. */
async function scenario(dir: string, databaseUrl: string, spawning: Promise<ServeProcess>[]) {
  const started = Date.now();
  await firstChampion(dir);
  const replicas: Replica[] = (await Promise.all(spawning)).map((proc, i) => ({
    name: `replica-${i + 1}`,
    marker: MARKERS[i]!,
    proc,
    sent: 0,
    answered: 0,
    ok: new Map(),
    failures: [],
    killed: false,
  }));
  for (const r of replicas) await until(async () => (await readyVersion(r)) === 'v1.0.0', started, 120_000);
  const readyMs = Date.now() - started;

  let stopped = false;
  const load = replicas.flatMap((r) =>
    Array.from({ length: CLIENTS_PER_REPLICA }, () => client(r, () => stopped)),
  );
  await sleep(1000);
  const { promoteMs, reached } = await promoteUnderLoad(replicas, dir);

  const [s1, s2, k] = replicas as [Replica, Replica, Replica];
  const acked = await killAfterAck(k);
  const atKill = [sum(s1.ok), sum(s2.ok)];
  await sleep(1000);
  stopped = true;
  await Promise.all(load);
  for (const s of [s1, s2]) expect(s.failures).toEqual([]);
  // The survivors kept answering after the kill, then stop gracefully: their writers flush what is queued.
  expect(sum(s1.ok)).toBeGreaterThan(atKill[0]!);
  expect(sum(s2.ok)).toBeGreaterThan(atKill[1]!);
  for (const s of [s1, s2]) s.proc.child.kill('SIGTERM');
  for (const s of [s1, s2]) {
    const exit = await s.proc.exited;
    expect(exit.code, exit.stderr).toBe(0);
  }

  const pg = await countsInPostgres(databaseUrl, started);
  expect(pg.dropped).toBe(0);
  expect(pg.records).toBe(sum(pg.students));
  // Survivors: every /predict they answered 200 is in PostgreSQL, exactly once.
  for (const s of [s1, s2]) expect(pg.students.get(s.marker)).toBe(sum(s.ok));
  // The killed replica: what it acknowledged is there (its students plus its share of the requests).
  const killedStudents = pg.students.get(k.marker)!;
  const killedRequests = pg.requests - s1.answered - s2.answered;
  expect(killedRequests).toBeGreaterThanOrEqual(0);
  expect(killedRequests).toBeLessThanOrEqual(k.sent);
  expect(killedStudents).toBeLessThanOrEqual(k.sent);
  expect(killedStudents + killedRequests).toBeGreaterThanOrEqual(acked);
  console.info(
    `replica processes: all three serving v1.0.0 after ${readyMs} ms; registry promote took ${promoteMs} ms, then seen after ${reached.join(', ')} ms (poll ${POLL_SECONDS} s); ` +
      `answered 200: ${replicas.map((r) => `${r.name} ${JSON.stringify(Object.fromEntries(r.ok))}`).join(', ')}; ` +
      `killed replica acknowledged ${acked} events, PostgreSQL holds ${killedStudents + killedRequests} of its events; ` +
      `survivors' students in PostgreSQL ${pg.students.get(s1.marker)} + ${pg.students.get(s2.marker)}; total ${Date.now() - started} ms`,
  );
}

afterAll(removeTempDirs);

const missing = backendMissing('s3') ? 'Swift s3api' : pgTestUrl() === null ? 'PostgreSQL' : null;
if (missing)
  console.warn(`\n!!! three serve processes on S3 + PostgreSQL SKIPPED: no ${missing} test server\n`);

describe.skipIf(missing !== null)('three serve processes sharing the S3 registry and PostgreSQL', () => {
  it('a promotion under load reaches all three with zero failed requests; a SIGKILLed replica loses no acknowledged event', {
    timeout: 240_000,
  }, async () => {
    const { dir } = await openTestRegistry('s3');
    const databaseUrl = await freshDatabase();
    const env = {
      REGISTRY_DIR: dir,
      MODEL_VERSION: 'champion',
      RELOAD_POLL_SECONDS: String(POLL_SECONDS),
      MONITOR_DATABASE_URL: databaseUrl,
      MONITOR_FLUSH_INTERVAL_MS: '50',
      RATE_LIMIT_MAX: '100000000',
    };
    // The replicas start on a registry with no champion yet (not ready, polling) while the first
    // version is registered and promoted: they pick it up, as a replica started early would.
    const spawning = MARKERS.map(() => spawnServe({ ...env, MONITOR_DATA_DIR: tempDir('events') }));
    try {
      await scenario(dir, databaseUrl, spawning);
    } finally {
      // Whatever started is stopped, even when the test failed before it used it.
      for (const r of await Promise.allSettled(spawning)) {
        const child = r.status === 'fulfilled' ? r.value.child : null;
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });
});
