/**
 * What the monitoring event writer costs a real server under load: POST /predict on three `serve`
 * processes identical but for where events go — `off` (MONITOR_PRIVACY_MODE=off), `sqlite` (the default:
 * aggregate_only into monitoring.sqlite, committed by the writer thread) and `postgres` (aggregate_only
 * into a private PostgreSQL cluster through MONITOR_DATABASE_URL) — measured against each other in
 * interleaved slices, so the load other processes put on a shared machine falls on every arm alike.
 *
 * Method:
 * - One real model: `prepareServeFixture` (bench/serve.ts: `runMainJob` on the PEDE_XLSX workbook when
 *   set, else a synthetic one; the API compiled to one file by esbuild, as bench/serve.ts runs it), the
 *   same champion for every arm, LOG_LEVEL=warn, auth off, rate limiter out of reach. Default writer
 *   settings (queue 20000, batch 5000, flush every 1 s). All servers stay up for the whole run.
 * - PostgreSQL: `scripts/pg/start.sh` with PG_TEST_DIR in this run's temp folder (a cluster of its own,
 *   fsync on, loopback), one fresh database; stopped (`scripts/pg/stop.sh`) and deleted at the end.
 *   Without Debian's postgresql binaries the arm is SKIPPED and the output says so.
 * - Load, one student per request, `wrk -t1` (C, a few µs of CPU per request, HdrHistogram
 *   percentiles at µs resolution), two modes:
 *   fixed_rate ≈ BENCH_RATE req/s (default 400, below saturation, so p99 is the server's latency, not a
 *   queue): BENCH_RATE_CONNECTIONS (default 8) keep-alive connections, each waiting
 *   connections × 1000 / rate ms before each request (wrk's `delay()`); the achieved rate is printed.
 *   A Node open-loop client was tried first: on this machine it spent ~430 µs of CPU per request,
 *   as much as the server, and its own scheduling delays dominated the tail it measured;
 *   saturated = BENCH_CONNECTIONS (default 16) connections, no delay, as fast as the server answers:
 *   what the writer costs shows as throughput.
 * - Interleaving: a round runs, per mode, BENCH_SLICES slices (default 2) of BENCH_SLICE_SECONDS
 *   (default 3) per arm, the arms alternating slice by slice (A B C, then C B A: each arm as often first
 *   as last), the round's first arm rotating from round to round; BENCH_ROUNDS rounds (default 6);
 *   BENCH_MODES=fixed_rate or =saturated runs one mode only. Per round and arm: req/s = answers / time,
 *   p50 and p99 = median of the slices'. Each on-arm is divided by `off` of the same round; the report
 *   gives the median ratio and its range (min–max) over the rounds.
 * - Server CPU per request: the sum over every thread of the server (the writer thread included) of
 *   /proc/<pid>/task/<tid>/schedstat (ns on the CPU), around each slice, divided by the answers. Other
 *   processes stretch wall-clock latency but hardly a process's own CPU time, so on a shared machine
 *   "µs of CPU per request, on − off" is the steadiest measure of what the writer adds; PostgreSQL's own
 *   CPU (every process of the private cluster, /proc/<pid>/stat) is reported beside it.
 * - The load average at the start and at the end, and each writer's counters (GET /monitoring/slo:
 *   accepted, written, dropped by kind) after the rounds.
 * Targets: issue 13, p99 with the SQLite writer ≤ 1.05 × off; issue 15, /predict throughput with the
 * PostgreSQL writer ≥ 0.90 × off.
 * Run: `npx tsx bench/monitor-serve.ts [--json]` or `npm run bench -- monitor-serve`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { freePort, prepareServeFixture, stop, waitReady } from './serve.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export type Arm = 'off' | 'sqlite' | 'postgres';
export type LoadMode = 'fixed_rate' | 'saturated';

interface Slice {
  answered: number;
  errors: number;
  seconds: number;
  cpuNs: number | null;
  p50_ms: number;
  p99_ms: number;
}

export interface ArmRound {
  p50_ms: number;
  p99_ms: number;
  req_per_s: number;
  errors: number;
  /** Server CPU (all threads) per answered request, µs; null without /proc. */
  cpu_us_per_req: number | null;
}

export interface MonitorServeRound {
  round: number;
  mode: LoadMode;
  order: Arm[];
  arms: Partial<Record<Arm, ArmRound>>;
}

type Spread = { median: number; min: number; max: number };

export interface ArmSummary {
  /** Per-round ratios to `off` of the same round. */
  p99_ratio: Spread;
  p50_ratio: Spread;
  throughput_ratio: Spread;
  cpu_ratio: Spread | null;
  /** Median over rounds of (CPU µs per request) − (off's), and the arm's own median. */
  cpu_us_added: Spread | null;
  cpu_us_per_req: number | null;
  p99_ms: number;
  req_per_s: number;
}

export interface MonitorServeResult {
  method: string;
  tool: 'wrk';
  rate: number;
  arms: Arm[];
  postgres: { ok: true } | { ok: false; skipped: string };
  rounds: MonitorServeRound[];
  summary: Record<LoadMode, Partial<Record<Arm, ArmSummary>>>;
  /** PostgreSQL cluster CPU (all its processes) per request answered by the postgres arm, µs. */
  postgres_cluster_cpu_us_per_req: number | null;
  writers: Partial<
    Record<Arm, { accepted: number; written: number; batches: number; dropped: Record<string, number> }>
  >;
  targets: { issue: number; target: string; value: number | null; ok: boolean | null }[];
  load_average: { start: number[]; end: number[] };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const spread = (xs: number[]): Spread => ({
  median: r3(median(xs)),
  min: r3(Math.min(...xs)),
  max: r3(Math.max(...xs)),
});
const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** ns on the CPU of every thread of `pid` (schedstat); null where /proc has no schedstat. */
export function threadsCpuNs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return sum;
  } catch {
    return null;
  }
}

/** utime + stime (ns, 10 ms ticks) of the postmaster at `dataDir` and every process it started. */
function clusterCpuNs(dataDir: string): number | null {
  try {
    const master = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let ticks = 0;
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(p) === master || Number(f[1]) === master) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // gone
      }
    }
    return ticks * 10_000_000;
  } catch {
    return null;
  }
}

/**
 * BENCH_NICE (e.g. -10, needs root): every process of the measurement (servers, wrk, PostgreSQL, this
 * script) runs at that scheduling priority, so the other work on a shared machine preempts it less.
 * Every arm alike; off by default (it takes CPU from whatever else runs).
 */
const NICE = process.env.BENCH_NICE ? Number(process.env.BENCH_NICE) : null;
const niced = (cmd: string, args: string[]): [string, string[]] =>
  NICE === null ? [cmd, args] : ['nice', ['-n', String(NICE), cmd, ...args]];

/** wrk's "99%    2.31ms" → milliseconds. */
function wrkMs(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!m) throw new Error(`wrk output has no ${label} line:\n${text}`);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrkSlice(url: string, script: string, connections: number, seconds: number): Omit<Slice, 'cpuNs'> {
  const out = spawnSync(
    ...niced('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url]),
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`wrk failed: ${out.stderr}`);
  const text = out.stdout;
  const total = Number(/(\d+) requests in ([\d.]+)(ms|s|m)/.exec(text)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return {
    answered: total - non2xx,
    errors,
    seconds,
    p50_ms: wrkMs(text, '50%'),
    p99_ms: wrkMs(text, '99%'),
  };
}

/** A private PostgreSQL cluster under `dir` (scripts/pg/start.sh), or why there is none. */
function startPostgres(dir: string): { url: string; dataDir: string } | { skipped: string } {
  const hasBinaries = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').length > 0;
  if (!hasBinaries) return { skipped: 'PostgreSQL binaries missing (apt-get install -y postgresql)' };
  const r = spawnSync(...niced('bash', [path.join(REPO_ROOT, 'scripts/pg/start.sh')]), {
    encoding: 'utf8',
    env: { ...process.env, PG_TEST_DIR: dir },
    timeout: 120_000,
  });
  const m = /^DATABASE_URL=(.+)$/m.exec(r.stdout ?? '');
  if (r.status !== 0 || !m)
    return {
      skipped: `scripts/pg/start.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
    };
  return { url: m[1]!.trim(), dataDir: path.join(dir, 'data') };
}

function stopPostgres(dir: string): void {
  spawnSync('bash', [path.join(REPO_ROOT, 'scripts/pg/stop.sh')], {
    env: { ...process.env, PG_TEST_DIR: dir },
    timeout: 60_000,
    stdio: 'ignore',
  });
}

interface Server {
  arm: Arm;
  port: number;
  url: string;
  pid: number | undefined;
}

export async function benchMonitorServe(
  opts: { log?: (line: string) => void } = {},
): Promise<MonitorServeResult> {
  const env = process.env;
  const sliceSeconds = Number(env.BENCH_SLICE_SECONDS ?? 3);
  const slices = Number(env.BENCH_SLICES ?? 2);
  const rounds = Number(env.BENCH_ROUNDS ?? 6);
  const connections = Number(env.BENCH_CONNECTIONS ?? 16);
  const rate = Number(env.BENCH_RATE ?? 400);
  const pacedConnections = Number(env.BENCH_RATE_CONNECTIONS ?? 8);
  const paced = {
    connections: pacedConnections,
    delayMs: Math.max(1, Math.round((pacedConnections * 1000) / rate)),
  };
  const modes = (env.BENCH_MODES ?? 'fixed_rate,saturated')
    .split(',')
    .filter((m): m is LoadMode => m === 'fixed_rate' || m === 'saturated');
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (spawnSync('wrk', ['--version']).error !== undefined)
    throw new Error('wrk is missing (apt-get install -y wrk): the saturated load needs it');
  if (NICE !== null) os.setPriority(NICE);
  const loadStart = loadAverage();
  const fixture = await prepareServeFixture(log);
  const root = path.join(os.tmpdir(), `defasagem-bench-monitor-serve-${process.pid}`);
  mkdirSync(root, { recursive: true });
  const pgDir = path.join(root, 'pg');
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  let pgStarted = false;
  try {
    const pgc = startPostgres(pgDir);
    pgStarted = 'url' in pgc;
    let pgUrl: string | null = null;
    if ('url' in pgc) {
      const client = new pg.Client({ connectionString: pgc.url });
      await client.connect();
      await client.query('CREATE DATABASE bench_monitor');
      await client.end();
      const u = new URL(pgc.url);
      u.pathname = '/bench_monitor';
      pgUrl = u.toString();
    } else {
      log(`\n!!! PostgreSQL arm SKIPPED: ${pgc.skipped}\n`);
    }

    const start = async (arm: Arm): Promise<Server> => {
      const port = await freePort();
      const child = spawn(...niced(process.execPath, [fixture.bundled, 'serve']), {
        cwd: REPO_ROOT,
        env: {
          ...fixture.env(port),
          MONITOR_PRIVACY_MODE: arm === 'off' ? 'off' : 'aggregate_only',
          MONITOR_DATA_DIR: path.join(root, `monitoring-${arm}`),
          MONITOR_DATABASE_URL: arm === 'postgres' ? pgUrl! : '',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      await waitReady(`http://127.0.0.1:${port}/ready`, child);
      return { arm, port, url: `http://127.0.0.1:${port}/predict`, pid: child.pid };
    };
    const arms: Arm[] = pgUrl ? ['off', 'sqlite', 'postgres'] : ['off', 'sqlite'];
    for (const a of arms) servers.push(await start(a));
    const byArm = (a: Arm) => servers.find((s) => s.arm === a)!;

    const meta = (await (await fetch(`http://127.0.0.1:${servers[0]!.port}/metadata`)).json()) as {
      signature: { example_request: Record<string, unknown> };
    };
    const body = JSON.stringify(meta.signature.example_request);
    const script = path.join(root, 'post.lua');
    const lua = `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`;
    writeFileSync(script, lua);
    // Fixed rate: each connection waits `delay` ms before each request, so connections × 1000 / delay
    // req/s while the answers are much faster than the delay.
    const pacedScript = path.join(root, 'paced.lua');
    writeFileSync(pacedScript, `${lua}function delay()\n  return ${paced.delayMs}\nend\n`);
    let pgCpu = 0;
    let pgAnswered = 0;
    const slice = async (mode: LoadMode, s: Server): Promise<Slice> => {
      const before = threadsCpuNs(s.pid);
      const pgBefore = s.arm === 'postgres' && 'dataDir' in pgc ? clusterCpuNs(pgc.dataDir) : null;
      const r =
        mode === 'saturated'
          ? wrkSlice(s.url, script, connections, sliceSeconds)
          : wrkSlice(s.url, pacedScript, paced.connections, sliceSeconds);
      const after = threadsCpuNs(s.pid);
      if (pgBefore !== null && 'dataDir' in pgc) {
        const pgAfter = clusterCpuNs(pgc.dataDir);
        if (pgAfter !== null) {
          pgCpu += pgAfter - pgBefore;
          pgAnswered += r.answered;
        }
      }
      return { ...r, cpuNs: before === null || after === null ? null : after - before };
    };

    log(
      `warm-up (3 s saturated per arm), then ${rounds} rounds × ${slices} slices of ${sliceSeconds} s per arm and mode…`,
    );
    for (const s of servers) wrkSlice(s.url, script, connections, 3);
    const out: MonitorServeRound[] = [];
    for (let i = 0; i < rounds; i++) {
      const order = arms.map((_, k) => arms[(i + k) % arms.length]!);
      for (const mode of modes) {
        const got = new Map<Arm, Slice[]>(arms.map((a) => [a, []]));
        for (let k = 0; k < slices; k++)
          for (const a of k % 2 === 0 ? order : [...order].reverse())
            got.get(a)!.push(await slice(mode, byArm(a)));
        const round: MonitorServeRound = { round: i + 1, mode, order, arms: {} };
        for (const a of arms) {
          const xs = got.get(a)!;
          const answered = xs.reduce((s, x) => s + x.answered, 0);
          const cpu = xs.every((x) => x.cpuNs !== null) ? xs.reduce((s, x) => s + x.cpuNs!, 0) : null;
          const p50 = median(xs.map((x) => x.p50_ms));
          const p99 = median(xs.map((x) => x.p99_ms));
          round.arms[a] = {
            p50_ms: r3(p50),
            p99_ms: r3(p99),
            req_per_s: Math.round(answered / xs.reduce((s, x) => s + x.seconds, 0)),
            errors: xs.reduce((s, x) => s + x.errors, 0),
            cpu_us_per_req: cpu === null || answered === 0 ? null : r3(cpu / 1000 / answered),
          };
        }
        out.push(round);
        log(
          `round ${round.round} ${mode.padEnd(10)} ${arms
            .map((a) => {
              const x = round.arms[a]!;
              return `${a} p50 ${x.p50_ms} p99 ${x.p99_ms} ms ${x.req_per_s} req/s ${x.cpu_us_per_req ?? 'n/a'} µs CPU/req`;
            })
            .join(' | ')}`,
        );
      }
    }
    // Let the last flush land, then read each writer's counters.
    await new Promise((r) => setTimeout(r, 1500));
    const writers: MonitorServeResult['writers'] = {};
    for (const s of servers.filter((x) => x.arm !== 'off')) {
      const slo = (await (await fetch(`http://127.0.0.1:${s.port}/monitoring/slo`)).json()) as {
        recorder: { accepted: number; written: number; batches: number; dropped: Record<string, number> };
      };
      writers[s.arm] = {
        accepted: slo.recorder.accepted,
        written: slo.recorder.written,
        batches: slo.recorder.batches,
        dropped: slo.recorder.dropped,
      };
    }
    const summary: MonitorServeResult['summary'] = { fixed_rate: {}, saturated: {} };
    for (const mode of modes) {
      const rs = out.filter((r) => r.mode === mode);
      for (const a of arms) {
        const ratio = (k: 'p99_ms' | 'p50_ms' | 'req_per_s') =>
          spread(rs.map((r) => r.arms[a]![k] / r.arms.off![k]));
        const cpuRounds = rs.filter(
          (r) => r.arms[a]!.cpu_us_per_req !== null && r.arms.off!.cpu_us_per_req !== null,
        );
        summary[mode][a] = {
          p99_ratio: ratio('p99_ms'),
          p50_ratio: ratio('p50_ms'),
          throughput_ratio: ratio('req_per_s'),
          cpu_ratio: cpuRounds.length
            ? spread(cpuRounds.map((r) => r.arms[a]!.cpu_us_per_req! / r.arms.off!.cpu_us_per_req!))
            : null,
          cpu_us_added: cpuRounds.length
            ? spread(cpuRounds.map((r) => r.arms[a]!.cpu_us_per_req! - r.arms.off!.cpu_us_per_req!))
            : null,
          cpu_us_per_req: cpuRounds.length
            ? r3(median(cpuRounds.map((r) => r.arms[a]!.cpu_us_per_req!)))
            : null,
          p99_ms: r3(median(rs.map((r) => r.arms[a]!.p99_ms))),
          req_per_s: Math.round(median(rs.map((r) => r.arms[a]!.req_per_s))),
        };
      }
    }
    const fixedSqlite = summary.fixed_rate.sqlite;
    const satPg = summary.saturated.postgres;
    const targets: MonitorServeResult['targets'] = [
      {
        issue: 13,
        target: `p99 at ${rate} req/s, SQLite writer on / off ≤ 1.05 (median of rounds)`,
        value: fixedSqlite ? fixedSqlite.p99_ratio.median : null,
        ok: fixedSqlite ? fixedSqlite.p99_ratio.median <= 1.05 : null,
      },
      {
        issue: 13,
        target: `CPU per request added by the SQLite writer at ${rate} req/s, µs (median of rounds; informative)`,
        value: fixedSqlite?.cpu_us_added ? fixedSqlite.cpu_us_added.median : null,
        ok: null,
      },
      {
        issue: 15,
        target: '/predict throughput (saturated), PostgreSQL writer on / off ≥ 0.90 (median of rounds)',
        value: satPg ? satPg.throughput_ratio.median : null,
        ok: satPg ? satPg.throughput_ratio.median >= 0.9 : null,
      },
    ];
    const loadEnd = loadAverage();
    return {
      method: `one student per POST /predict, ${servers.length} esbuild-bundled \`serve\` processes (${arms.join(', ')}) identical but for the monitoring settings; fixed_rate = wrk -t1 -c${paced.connections} with a ${paced.delayMs} ms delay before each request (≈ ${rate} req/s), saturated = wrk -t1 -c${connections}; per round and mode ${slices} slices of ${sliceSeconds} s per arm, interleaved (A B C, C B A), first arm rotating, ${rounds} rounds; server CPU per request from every thread's /proc schedstat; shared 2-core machine${NICE === null ? '' : ` (every process of the measurement at nice ${NICE})`}, load average at start ${loadStart.join(', ')}, at end ${loadEnd.join(', ')}.`,
      tool: 'wrk',
      rate,
      arms,
      postgres: pgUrl ? { ok: true } : { ok: false, skipped: (pgc as { skipped: string }).skipped },
      rounds: out,
      summary,
      postgres_cluster_cpu_us_per_req: pgAnswered > 0 ? r3(pgCpu / 1000 / pgAnswered) : null,
      writers,
      targets,
      load_average: { start: loadStart, end: loadEnd },
    };
  } finally {
    for (const c of children) await stop(c);
    if (pgStarted) stopPostgres(pgDir);
    rmSync(root, { recursive: true, force: true });
    fixture.dispose();
  }
}

export function renderMonitorServeBench(r: MonitorServeResult): string {
  const lines = ['monitoring writer on vs off, POST /predict under load', `method: ${r.method}`];
  if (!r.postgres.ok) lines.push(`!!! PostgreSQL arm SKIPPED: ${r.postgres.skipped}`);
  lines.push('round  mode        arm       p50 (ms)   p99 (ms)   req/s   CPU µs/req');
  for (const x of r.rounds)
    for (const a of r.arms) {
      const v = x.arms[a]!;
      lines.push(
        `${String(x.round).padStart(5)}  ${x.mode.padEnd(10)}  ${a.padEnd(8)}  ${String(v.p50_ms).padEnd(9)}  ${String(v.p99_ms).padEnd(9)}  ${String(v.req_per_s).padEnd(6)}  ${v.cpu_us_per_req ?? 'n/a'}`,
      );
    }
  const s = (q: Spread | null, unit = '') => (q ? `${q.median}${unit} (range ${q.min}–${q.max})` : 'n/a');
  for (const mode of ['fixed_rate', 'saturated'] as const)
    for (const a of r.arms.filter((x) => x !== 'off')) {
      const q = r.summary[mode][a];
      if (!q) continue;
      const off = r.summary[mode].off!;
      lines.push(
        `${mode} ${a}/off, median of rounds (range): p99 ${s(q.p99_ratio)}; p50 ${s(q.p50_ratio)}; throughput ${s(q.throughput_ratio)}; CPU/req ${s(q.cpu_ratio)}, i.e. ${s(q.cpu_us_added, ' µs')} added to off's ${off.cpu_us_per_req} µs`,
      );
    }
  if (r.postgres_cluster_cpu_us_per_req !== null)
    lines.push(
      `PostgreSQL cluster CPU per request of the postgres arm: ${r.postgres_cluster_cpu_us_per_req} µs`,
    );
  for (const [a, w] of Object.entries(r.writers))
    lines.push(
      `writer ${a}: ${w.accepted} events accepted, ${w.written} written in ${w.batches} batches, dropped ${JSON.stringify(w.dropped)}`,
    );
  for (const t of r.targets)
    lines.push(
      `target (issue ${t.issue}): ${t.target}: ${t.value ?? 'n/a (not measured)'}${t.ok === null ? '' : t.ok ? ' → met' : ' → NOT met'}`,
    );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchMonitorServe();
  process.stdout.write(
    `${process.argv.includes('--json') ? JSON.stringify(r, null, 2) : renderMonitorServeBench(r)}\n`,
  );
}
