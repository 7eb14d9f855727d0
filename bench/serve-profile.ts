/**
 * Where a /predict request's CPU goes: the API of bench/serve.ts (same trained champion, same compiled
 * file, same settings, exact top factors on) run under `node --cpu-prof`, loaded at concurrency 32 with
 * the same bodies (every student of the workbook's latest year, cycled), then its profile read back.
 *
 * Method: 1 s warm-up then BENCH_SECONDS (default 8) of autocannon at c=32; SIGTERM (the server exits
 * cleanly, so node writes the profile); the sampled time outside `(idle)` and `(program)` is the
 * request path's. Printed: the self time of the hottest functions as a share of that, and the
 * inclusive share of the request's stages (a stage is every sample under one of the functions named
 * for it). The profiler adds its own cost and the machine is shared: the shares are the point, not
 * the absolute times. Run: `npx tsx bench/serve-profile.ts` (PEDE_XLSX for the real model);
 * `--target bare|nofactors` profiles the bare route or the API without factors; `--keep DIR` keeps the .cpuprofile (open it in Chrome DevTools).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BARE_SERVER, freePort, load, prepareServeFixture, stop, studentBodies, waitReady } from './serve.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage of the request: every sample under a frame whose function name matches. */
const STAGES: ReadonlyArray<[string, RegExp]> = [
  ['score + explanation (predictExplain, explain)', /^(predictExplain|explain)$/],
  ['  trees: score and SHAP in one pass', /^(rawAndContributions|addWithLeaves|contributions)$/],
  ['  factor text', /^(factorText|factorLabel|ptNumber)$/],
  ['score alone (predictOne)', /^predictOne$/],
  ['input validation (parseBody)', /^parseBody$/],
  ['response serialisation', /^(serialize|scoreJson|batchJson)$/],
  ['socket write (writev/write)', /^(writev|writevGeneric|writeGeneric|_writev|_write)$/],
  ['JSON body parse (secure-json-parse)', /^_parse$/],
  ['latency metric (observeRequest)', /^observeRequest$/],
  // The recorder counts each prediction when it is observed, and flushes the counts to its writer.
  ['monitoring (observePrediction, flush, postMessage)', /^(observePrediction|drain|postMessage)$/],
  ['garbage collection', /^\(garbage collector\)$/],
];

const IGNORED = new Set(['(idle)', '(program)', '(root)']);

function frameName(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

const EXIT_ON_TERM = "process.on('SIGTERM', () => app.close().then(() => process.exit(0)));";

/** Ready: GET /ready for the API; the bare server answers its POST route as soon as it listens. */
async function waitFor(port: number, target: ProfileTarget, child: ChildProcess): Promise<void> {
  if (target !== 'bare') return waitReady(`http://127.0.0.1:${port}/ready`, child);
  for (let i = 0; i < 2000; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  throw new Error('the bare server did not listen');
}

/** The profile's last `seconds` of samples, summarised (see the header). */
export function summariseProfile(p: CpuProfile, seconds: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  const from = p.endTime - seconds * 1e6;
  let t = p.startTime;
  let inWindow = 0;
  p.samples.forEach((s, i) => {
    t += p.timeDeltas[i]!;
    if (t < from) return;
    inWindow++;
    hits.set(s, (hits.get(s) ?? 0) + 1);
  });
  let busy = 0;
  const self = new Map<string, number>();
  const stage = new Map<string, number>();
  for (const [id, h] of hits) {
    const n = byId.get(id)!;
    if (IGNORED.has(n.callFrame.functionName)) continue;
    busy += h;
    const name = frameName(n);
    self.set(name, (self.get(name) ?? 0) + h);
    // Each stage counts a sample once, whatever the depth of recursion under it.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)!.callFrame.functionName;
      for (const [label, re] of STAGES) if (!seen.has(label) && re.test(fn)) seen.add(label);
    }
    for (const label of seen) stage.set(label, (stage.get(label) ?? 0) + h);
  }
  const pct = (h: number) => `${((100 * h) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const ms = seconds * 1000 * (busy / Math.max(1, inWindow));
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return [
    `busy samples ${busy} of ${inWindow} (≈ ${Math.round(ms)} ms of CPU on the main thread)`,
    '',
    'stages (inclusive, share of busy samples):',
    ...STAGES.map(([label]) => `${pct(stage.get(label) ?? 0)}  ${label}`),
    '',
    'hottest functions (self time):',
    ...top.map(([name, h]) => `${pct(h)}  ${name}`),
  ].join('\n');
}

/** predict: the API with exact top factors; nofactors: TOP_FACTORS=0; bare: bench/serve.ts's bare route. */
export type ProfileTarget = 'predict' | 'nofactors' | 'bare';

export async function profileServe(
  opts: { seconds?: number; keep?: string | null; target?: ProfileTarget } = {},
): Promise<string> {
  const target = opts.target ?? 'predict';
  const seconds = opts.seconds ?? Number(process.env.BENCH_SECONDS ?? 8);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const fx = await prepareServeFixture(log);
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'defasagem-prof-'));
  let api: ChildProcess | null = null;
  try {
    const port = await freePort();
    // The bodies are checked by an API without the profiler, so the profiled process sees only the load.
    const helperPort = await freePort();
    const helper = spawn(process.execPath, [fx.bundled, 'serve'], {
      cwd: REPO_ROOT,
      env: fx.env(helperPort),
      stdio: 'ignore',
    });
    await waitReady(`http://127.0.0.1:${helperPort}/ready`, helper);
    const bodies = await studentBodies(fx.source, helperPort);
    await stop(helper);
    const prof = ['--cpu-prof', `--cpu-prof-dir=${profDir}`];
    api =
      target === 'bare'
        ? // node writes the profile on a clean exit: the bare server is given one on SIGTERM.
          spawn(process.execPath, [...prof, '--input-type=module', '-e', `${BARE_SERVER}\n${EXIT_ON_TERM}`], {
            cwd: REPO_ROOT,
            env: { ...process.env, PORT: String(port) },
            stdio: 'ignore',
          })
        : spawn(process.execPath, [...prof, fx.bundled, 'serve'], {
            cwd: REPO_ROOT,
            env: { ...fx.env(port), ...(target === 'nofactors' ? { TOP_FACTORS: '0' } : {}) },
            stdio: 'ignore',
          });
    await waitFor(port, target, api);
    log(`load: ${target} at concurrency 32 for ${seconds} s under --cpu-prof…`);
    const url = `http://127.0.0.1:${port}/${target === 'bare' ? 'bare' : 'predict'}`;
    const r = await load(url, bodies, 32, seconds, () => 0);
    await stop(api);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no .cpuprofile');
    if (opts.keep) copyFileSync(path.join(profDir, file), path.join(opts.keep, file));
    const profile = JSON.parse(readFileSync(path.join(profDir, file), 'utf8')) as CpuProfile;
    const report = [
      `Method: ${target} of bench/serve.ts under node --cpu-prof, autocannon c=32, 1 s warm-up + ${seconds} s, ${bodies.length} distinct students cycled; ${Math.round(r.requests.average)} req/s under the profiler; the last ${seconds} s of the profile are summarised (start-up and warm-up left out).`,
      '',
      summariseProfile(profile, seconds),
    ].join('\n');
    process.stdout.write(`${report}\n`);
    return report;
  } finally {
    if (api) await stop(api);
    rmSync(profDir, { recursive: true, force: true });
    fx.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? (process.argv[i + 1] ?? null) : null;
  };
  await profileServe({ keep: arg('--keep'), target: (arg('--target') ?? 'predict') as ProfileTarget });
}
