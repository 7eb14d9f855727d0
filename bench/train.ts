/**
 * Benchmark: `defasagem train` on the real PEDE data, end to end (all candidates with cross-fitting,
 * calibration, threshold, bootstrap intervals, test-year backtest, production refit, every artifact).
 *
 * Method: the modelling dataset is first built once with `ingest` into a temp folder (not timed). Then
 * (1) CLI: BENCH_RUNS fresh `node` child processes run `train --data <parquet> --artifacts <temp> --json`;
 *     wall time is measured by the parent around the child (process start and module loading
 *     included) and peak RSS is the child's own `process.resourceUsage().maxRSS`, printed by a tiny
 *     `--import` hook at exit; the compiled CLI (dist/) when built, else skipped, and the tsx source;
 * (2) in-process: `train()` called BENCH_RUNS + 1 times in this process; the first call (cold JIT) and
 *     the median of the others are reported separately; then BENCH_RUNS warm calls with the feature
 *     ablation on (`ablation: true`, off by default), to show what the report's ablation table costs.
 * Reference (Python system): 9–26 s and 162 MB. Target: ≤ 2 s wall.
 *
 * Env: PEDE_XLSX (default ../shared/data/PEDE2024.xlsx), BENCH_RUNS (default 3), BENCH_DIST (default dist).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ingest } from '../src/data/ingest.js';
import { resolveConfig } from '../src/train/config.js';
import { train } from '../src/train/train.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_WALL_MS = 2000;
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nBENCH_MAXRSS_KB='+process.resourceUsage().maxRSS+'\\n'))`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const verdict = (ok: boolean): string => (ok ? 'OK' : 'OVER TARGET');

function cliRun(entry: string[], data: string): { wallMs: number; rssMb: number; libraryMs: number } {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        RSS_HOOK,
        ...entry,
        '--json',
        'train',
        '--data',
        data,
        '--artifacts',
        path.join(out, 'artifacts'),
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`train failed (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
    const rssKb = Number(/BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
    const summary = JSON.parse(r.stdout) as { durationMs: number };
    return { wallMs, rssMb: rssKb / 1024, libraryMs: summary.durationMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function benchTrain(): Promise<void> {
  const source = path.resolve(process.env.PEDE_XLSX || path.join(ROOT, '../shared/data/PEDE2024.xlsx'));
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 3);
  console.log('\n## train (real PEDE data, end to end)');
  if (!existsSync(source)) {
    console.log(`SKIPPED: workbook not found at ${source} (set PEDE_XLSX).`);
    return;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-train-data-'));
  try {
    const data = (await ingest({ source, outDir: tmp })).outputs.modelingDataset;
    console.log(
      `method: modelling dataset built once by ingest (not timed); ${runs} fresh node children per CLI variant running`,
    );
    console.log(
      '        `train --json` (wall = parent-side time around the child, RSS = child maxRSS); then train() in-process.',
    );
    console.log(
      `machine: ${os.cpus().length} cores, load avg ${os.loadavg()[0]!.toFixed(2)} (shared: numbers are noisy)`,
    );

    const variants: [string, string[]][] = [];
    const distDir = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
    const dist = path.join(distDir, 'cli/main.js');
    if (existsSync(dist) && existsSync(path.join(distDir, 'train/train.js'))) {
      variants.push([`compiled (${path.relative(ROOT, dist)})`, [dist]]);
    } else console.log('compiled CLI not built or stale (run `npm run build`): that variant is skipped');
    variants.push(['tsx (src/cli/main.ts)', ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')]]);
    for (const [name, entry] of variants) {
      const rs = Array.from({ length: runs }, () => cliRun(entry, data));
      const wall = rs.map((r) => r.wallMs);
      console.log(`${name}:`);
      console.log(
        `  wall median ${median(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)}) [target ≤ ${TARGET_WALL_MS} ms: ${verdict(median(wall) <= TARGET_WALL_MS)}]`,
      );
      console.log(`  peak RSS median ${median(rs.map((r) => r.rssMb)).toFixed(0)} MB`);
      console.log(
        `  train() time inside the child median ${median(rs.map((r) => r.libraryMs)).toFixed(0)} ms`,
      );
    }

    const times: number[] = [];
    const cpu: number[] = [];
    const stages: Record<string, number>[] = [];
    for (let i = 0; i <= runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const s = await train({
        dataPath: data,
        artifactsDir: path.join(tmp, `in-process-${i}`),
        seed: 42,
        refit: true,
      });
      times.push(performance.now() - t0);
      stages.push(s.stagesMs);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const warm = times.slice(1);
    console.log('in-process train() (CPU = this process user+system time, excludes waiting for a core):');
    console.log(`  first call (cold JIT) ${times[0]!.toFixed(0)} ms wall, ${cpu[0]!.toFixed(0)} ms CPU`);
    console.log(
      `  warm median ${median(warm).toFixed(0)} ms wall, ${median(cpu.slice(1)).toFixed(0)} ms CPU over ${warm.length} calls [target ≤ ${TARGET_WALL_MS} ms: ${verdict(median(warm) <= TARGET_WALL_MS)}]`,
    );
    const split = Object.keys(stages[0]!).map(
      (k) => `${k} ${median(stages.slice(1).map((s) => s[k] ?? 0)).toFixed(0)}`,
    );
    console.log(`  warm median per stage (ms): ${split.join(', ')}`);
    const withAblation = resolveConfig({ ablation: true });
    const lean: number[] = [];
    const leanCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await train({
        dataPath: data,
        artifactsDir: path.join(tmp, `ablation-${i}`),
        seed: 42,
        refit: true,
        config: withAblation,
      });
      lean.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      leanCpu.push((c.user + c.system) / 1000);
    }
    console.log(
      `  warm, with the feature-ablation table (ablation: true): median ${median(lean).toFixed(0)} ms wall, ${median(leanCpu).toFixed(0)} ms CPU`,
    );
    console.log('reference (Python system): 9–26 s wall, 162 MB');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await benchTrain();
}
