/**
 * What the /predict target ("≥ 0.5 of a bare fastify route's req/s at c=32, same run") means in CPU:
 * the bare route of bench/serve.ts next to copies of itself that do N µs more work per request (a busy
 * spin inside the handler), and next to a plain node:http server doing the bare route's work (what
 * fastify itself costs). The API is not involved: this measures the ruler, not the server.
 *
 * Method: the same load as bench/serve.ts (`load`: autocannon in this process on 127.0.0.1, keep-alive,
 * c=32, every connection cycling the same bodies — the students of the latest year of PEDE_XLSX, else
 * of a synthetic workbook —, 1 s warm-up then BENCH_SECONDS, default 3 s). Each server is its own process;
 * ROUNDS times (default 3), every arm runs right next to the bare route (bare first, then second, in
 * alternate rounds) and its ratio is taken to that bare run; printed per arm: median req/s, the median
 * and range of its ratios, server CPU µs per request split into user and system time
 * (/proc/<pid>/stat, all threads) with ranges. The machine is shared: the shape (how fast the ratio
 * falls with added work, and how system time per request grows as the server becomes slower than its
 * client) is the point, not one figure.
 * Run: `npx tsx bench/serve-calibration.ts [--json]` or `npm run bench -- serve-calibration`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSyntheticWorkbook } from '../src/data/synth.js';
import { readCohortFile } from '../src/score/input.js';
import { BARE_SERVER, freePort, load, stop, waitReady } from './serve.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SPINS_US = [20, 40, 60, 80, 120];

/** The bare route with `SPIN_US` µs of busy work before it answers (0: exactly BARE_SERVER's work). */
const SPIN_SERVER = `
import Fastify from 'fastify';
const spinNs = BigInt(Number(process.env.SPIN_US) * 1000);
const app = Fastify();
app.get('/ready', (_req, reply) => { reply.send({ ready: true }); });
app.post('/bare', (req, reply) => {
  const until = process.hrtime.bigint() + spinNs;
  while (process.hrtime.bigint() < until);
  reply.send({ ok: true, n: Object.keys(req.body).length });
});
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
`;

/** The bare route's work on node:http alone: read the body, JSON.parse, answer the same small object. */
const RAW_SERVER = `
import http from 'node:http';
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const out = req.url === '/ready' ? '{"ready":true}'
      : JSON.stringify({ ok: true, n: Object.keys(JSON.parse(Buffer.concat(chunks).toString('utf8'))).length });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** BARE_SERVER as bench/serve.ts runs it, plus GET /ready so it can be awaited like the others. */
function bareServerWithReady(): string {
  const route = "app.post('/bare'";
  if (!BARE_SERVER.includes(route)) throw new Error(`bench/serve.ts's BARE_SERVER no longer has ${route}`);
  return BARE_SERVER.replace(
    route,
    `app.get('/ready', (_req, reply) => { reply.send({ ready: true }); });\n${route}`,
  );
}

interface Arm {
  name: string;
  /** Added busy work per request, µs (null for the node:http arm). */
  spin_us: number | null;
  source: string;
  env: Record<string, string>;
}

export interface CalibrationRow {
  arm: string;
  spin_us: number | null;
  req_per_s: number;
  /** Median over rounds of req/s divided by the bare route's req/s measured next to it. */
  ratio_to_bare: number;
  ratio_range: [number, number];
  user_us_per_req: number;
  sys_us_per_req: number;
  cpu_us_range: [number, number];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function userSys(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

async function calibrationBodies(): Promise<string[]> {
  const real = process.env.PEDE_XLSX;
  if (real) return (await readCohortFile(real)).students.map((s) => JSON.stringify(s.record));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'defasagem-calibration-'));
  try {
    const file = path.join(dir, 'sintetico.xlsx');
    await writeSyntheticWorkbook(file, { students: 1000, years: [2022, 2023, 2024], seed: 7 });
    return (await readCohortFile(file)).students.map((s) => JSON.stringify(s.record));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startArm(arm: Arm): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', arm.source], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...arm.env, PORT: String(port) },
    stdio: 'ignore',
  });
  await waitReady(`http://127.0.0.1:${port}/ready`, child);
  return { child, url: `http://127.0.0.1:${port}/bare` };
}

export async function benchServeCalibration(): Promise<CalibrationRow[]> {
  const json = process.argv.includes('--json');
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const rounds = Number(process.env.ROUNDS ?? 3);
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const arms: Arm[] = [
    { name: 'bare (bench/serve.ts)', spin_us: 0, source: bareServerWithReady(), env: {} },
    { name: 'node:http, same work', spin_us: null, source: RAW_SERVER, env: {} },
    ...SPINS_US.map((us) => ({
      name: `bare + ${us} µs`,
      spin_us: us,
      source: SPIN_SERVER,
      env: { SPIN_US: String(us) },
    })),
  ];
  const bodies = await calibrationBodies();
  log(
    `${bodies.length} bodies; ${arms.length} arms × ${rounds} rounds × ${seconds} s; load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const started = await Promise.all(arms.map(startArm));
  const samples = arms.map(() => ({
    rps: [] as number[],
    ratio: [] as number[],
    user: [] as number[],
    sys: [] as number[],
  }));
  const measure = async (i: number) => {
    const { child, url } = started[i]!;
    // load() reads the CPU clock right before and after the measured run (not its warm-up).
    const clock: [number, number][] = [];
    const r = await load(url, bodies, 32, seconds, () => {
      clock.push(userSys(child.pid!));
      return 0;
    });
    const [before, after] = [clock[0]!, clock[clock.length - 1]!];
    const n = r.requests.total;
    samples[i]!.rps.push(r.requests.average);
    samples[i]!.user.push(((after[0] - before[0]) / n) * 1e6);
    samples[i]!.sys.push(((after[1] - before[1]) / n) * 1e6);
    return r.requests.average;
  };
  try {
    // Every other arm runs right next to the bare route (bare first in even rounds, second in odd
    // ones) and its ratio is taken to that neighbouring bare run: a change in the machine's load
    // between arms moves both sides of a ratio.
    for (let round = 0; round < rounds; round++) {
      for (let i = 1; i < arms.length; i++) {
        const bareFirst = round % 2 === 0;
        const bareBefore = bareFirst ? await measure(0) : 0;
        const other = await measure(i);
        const bare = bareFirst ? bareBefore : await measure(0);
        samples[i]!.ratio.push(other / bare);
        log(`round ${round + 1}: ${arms[i]!.name} ${Math.round(other)} req/s, bare ${Math.round(bare)}`);
      }
    }
  } finally {
    await Promise.all(started.map((s) => stop(s.child)));
  }
  const rows = arms.map((arm, i): CalibrationRow => {
    const s = samples[i]!;
    const cpu = s.user.map((u, k) => u + s.sys[k]!);
    const ratios = i === 0 ? [1] : s.ratio;
    return {
      arm: arm.name,
      spin_us: arm.spin_us,
      req_per_s: Math.round(median(s.rps)),
      ratio_to_bare: Number(median(ratios).toFixed(3)),
      ratio_range: [Number(Math.min(...ratios).toFixed(3)), Number(Math.max(...ratios).toFixed(3))],
      user_us_per_req: Math.round(median(s.user)),
      sys_us_per_req: Math.round(median(s.sys)),
      cpu_us_range: [Math.round(Math.min(...cpu)), Math.round(Math.max(...cpu))],
    };
  });
  if (json)
    process.stdout.write(`${JSON.stringify({ method: 'see bench/serve-calibration.ts', rows }, null, 2)}\n`);
  else log(renderCalibration(rows, os.loadavg()[0]!));
  return rows;
}

function renderCalibration(rows: CalibrationRow[], loadEnd: number): string {
  const lines = [
    '',
    '| arm | req/s (median) | ratio to bare (range) | user µs/req | system µs/req | CPU µs/req range |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.arm} | ${r.req_per_s} | ${r.ratio_to_bare.toFixed(3)} (${r.ratio_range[0].toFixed(2)}–${r.ratio_range[1].toFixed(2)}) | ${r.user_us_per_req} | ${r.sys_us_per_req} | ${r.cpu_us_range[0]}–${r.cpu_us_range[1]} |`,
    ),
    '',
    `load average at the end ${loadEnd.toFixed(2)}; the ratio is each run's to the bare run beside it, the req/s columns are medians over all runs.`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchServeCalibration();
