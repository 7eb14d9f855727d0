/**
 * Benchmark: `defasagem retrain` on the real PEDE workbook, end to end (ingest of the workbook, the
 * challenger trained by the standard protocol with the default configuration, the champion's backtest
 * model without the latest label year — it was fitted on it; its recipe is the challenger's, so the
 * challenger's run supplies it —, the comparison, the registration).
 *
 * Method:
 * (1) in-process, warm: a registry is seeded once with a champion by `retrain --promote` on the
 *     workbook (reported as the cold run: first JIT, no champion to develop again). Then BENCH_RUNS
 *     runs of `retrain({ data: workbook, bump: 'auto', promote: true })`, each on a fresh copy of that
 *     seeded registry (the copy is not timed), so every run does the same work: wall time
 *     (performance.now around the call), CPU time of the process (user + system) and the run's own
 *     breakdown (ingest, train, compare, register) with the train stage split. Median and min are
 *     printed, and the median of each stage.
 * (2) CLI: one fresh `node dist/cli/main.js retrain … --json` child on a fresh copy of the seeded
 *     registry, wall time measured by the parent (process start and module loading included); skipped
 *     when dist/ is not built.
 * The machine is shared: CPU time next to wall time shows how much of the wall time was waiting.
 * Target (issue 12): retrain end to end ≤ 3 s.
 *
 * Env: PEDE_XLSX (default ../shared/data/PEDE2024.xlsx), BENCH_RUNS (default 3), BENCH_DIST (default dist).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULTS } from '../src/app/defaults.js';
import { openRegistry, REGISTRY_SETTINGS } from '../src/registry/index.js';
import { type RetrainResult, retrain } from '../src/train/retrain.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_WALL_MS = 3000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f0 = (v: number) => v.toFixed(0).padStart(6);

function registryAt(dir: string) {
  const settings = Object.fromEntries(Object.entries(REGISTRY_SETTINGS).map(([k, d]) => [k, d.default]));
  return openRegistry(dir, settings as never);
}

async function timedRun(source: string, registry: string) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await retrain({
    data: source,
    registry: registryAt(registry),
    bump: 'auto',
    promote: true,
    fallbackSeed: DEFAULTS.seed,
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { r, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const breakdown = (r: RetrainResult) =>
  `ingest ${r.timings_ms.ingest}, train ${r.timings_ms.train}, compare ${r.timings_ms.compare}, register ${r.timings_ms.register}`;
const trainSplit = (stages: Record<string, number>) =>
  Object.entries(stages)
    .map(([k, v]) => `${k} ${Math.round(v)}`)
    .join(', ');

/** The median of every stage over the runs (each stage's own median, so they need not add up). */
function medianSplit(runs: RetrainResult[]): string {
  const t = (r: RetrainResult) => r.timings_ms;
  const top = (['ingest', 'train', 'compare', 'register'] as const).map(
    (k) => `${k} ${median(runs.map((r) => t(r)[k])).toFixed(0)}`,
  );
  const stages = Object.keys(t(runs[0]!).train_stages).map(
    (k) => [k, median(runs.map((r) => t(r).train_stages[k] ?? 0))] as const,
  );
  return `${top.join(', ')}; train = ${trainSplit(Object.fromEntries(stages))}`;
}

export async function benchRetrain(): Promise<void> {
  const source = path.resolve(process.env.PEDE_XLSX || path.join(ROOT, '../shared/data/PEDE2024.xlsx'));
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 3);
  console.log('\n## retrain (real PEDE workbook, end to end)');
  if (!existsSync(source)) {
    console.log(`SKIPPED: workbook not found at ${source} (set PEDE_XLSX).`);
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-retrain-'));
  try {
    const seeded = path.join(tmp, 'seeded');
    const load = () =>
      `${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')} (${os.cpus().length} cores)`;
    console.log(`load average at the start: ${load()}`);
    const cold = await timedRun(source, seeded);
    console.log(
      `method: in-process retrain() of the workbook with the default configuration; a registry seeded once with a champion (cold run below), then ${runs} warm runs each on a fresh copy of it (copy not timed); wall = performance.now(), cpu = process.cpuUsage() user+system`,
    );
    console.log(
      `cold (no champion, first JIT): wall ${cold.wallMs.toFixed(0)} ms, cpu ${cold.cpuMs.toFixed(0)} ms (${breakdown(cold.r)}); exit ${cold.r.exit_code} ${cold.r.outcome}`,
    );
    const warm: Array<Awaited<ReturnType<typeof timedRun>>> = [];
    for (let i = 0; i < runs; i++) {
      const reg = path.join(tmp, `run-${i}`);
      cpSync(seeded, reg, { recursive: true });
      const w = await timedRun(source, reg);
      warm.push(w);
      console.log(
        `warm ${i + 1}: wall ${f0(w.wallMs)} ms, cpu ${f0(w.cpuMs)} ms (${breakdown(w.r)}; train = ${trainSplit(w.r.timings_ms.train_stages)}); champion ${w.r.evaluation.mode}; exit ${w.r.exit_code} ${w.r.outcome}`,
      );
      rmSync(reg, { recursive: true, force: true });
    }
    const walls = warm.map((w) => w.wallMs);
    const cpus = warm.map((w) => w.cpuMs);
    const m = median(walls);
    console.log(
      `warm in-process: median wall ${m.toFixed(0)} ms (min ${Math.min(...walls).toFixed(0)}), median cpu ${median(cpus).toFixed(0)} ms (min ${Math.min(...cpus).toFixed(0)}); target ≤ ${TARGET_WALL_MS} ms: ${m <= TARGET_WALL_MS ? 'OK' : 'OVER TARGET'}`,
    );
    console.log(`median split (ms): ${medianSplit(warm.map((w) => w.r))}`);
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(', ')} (${os.cpus().length} cores)`,
    );

    const dist = path.resolve(ROOT, process.env.BENCH_DIST || 'dist', 'cli/main.js');
    if (!existsSync(dist)) {
      console.log(`CLI: SKIPPED (${dist} not built; npm run build)`);
      return;
    }
    const reg = path.join(tmp, 'cli');
    cpSync(seeded, reg, { recursive: true });
    const t0 = performance.now();
    const child = spawnSync(
      process.execPath,
      [dist, '--json', 'retrain', '--data', source, '--registry', reg, '--bump', 'auto', '--promote'],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const wallMs = performance.now() - t0;
    if (child.status === null || child.status > 12) {
      throw new Error(`retrain failed (exit ${child.status}): ${child.stdout}\n${child.stderr}`);
    }
    const out = JSON.parse(child.stdout) as RetrainResult;
    console.log(
      `CLI (fresh node child, dist): wall ${wallMs.toFixed(0)} ms (${breakdown(out)}); exit ${child.status} ${out.outcome}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await benchRetrain();
}
