/**
 * Benchmark: `defasagem ingest` of the real PEDE workbook, end to end, as a user runs it.
 *
 * Method: each run is a fresh `node` child process running the CLI (`ingest --source <xlsx> --out-dir
 * <temp> --json`), so the numbers include process start, module loading, reading the workbook, the
 * data contract, transitions, parquet encoding and the atomic write. Wall time is measured by the parent
 * around the child; peak RSS is the child's own `process.resourceUsage().maxRSS`, printed by a tiny
 * `--import` hook at exit. Two variants: the compiled CLI (`dist/`, what `npm run build` ships; skipped
 * when not built) and the TypeScript source through tsx (what `npm run cli` runs). The reference is
 * the Python system: 2.7–3.0 s and 96 MB. Targets: ≤ 1.5 s wall, ≤ 150 MB.
 *
 * Env: PEDE_XLSX (default ../shared/data/PEDE2024.xlsx), BENCH_RUNS (default 5), BENCH_DIST (the
 * compiled output directory, default dist; e.g. a `tsc -p tsconfig.build.json --outDir X` elsewhere).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_WALL_MS = 1500;
const TARGET_RSS_MB = 150;
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nBENCH_MAXRSS_KB='+process.resourceUsage().maxRSS+'\\n'))`;

interface Run {
  wallMs: number;
  rssMb: number;
  libraryMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runOnce(entry: string[], source: string): Run {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', RSS_HOOK, ...entry, '--json', 'ingest', '--source', source, '--out-dir', out],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`ingest failed (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
    const rssKb = Number(/BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN);
    const summary = JSON.parse(r.stdout) as { elapsedMs: number; modelingRows: number };
    if (summary.modelingRows <= 0) throw new Error('ingest produced no modelling rows');
    return { wallMs, rssMb: rssKb / 1024, libraryMs: summary.elapsedMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function benchIngest(): Promise<void> {
  const source = path.resolve(process.env.PEDE_XLSX || path.join(ROOT, '../shared/data/PEDE2024.xlsx'));
  const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
  console.log('\n## ingest (real PEDE workbook, end to end)');
  if (!existsSync(source)) {
    console.log(`SKIPPED: workbook not found at ${source} (set PEDE_XLSX).`);
    return;
  }
  console.log(
    `method: ${runs} fresh node child processes per variant running \`ingest --json\`; wall = parent-side`,
  );
  console.log(
    '        time around the child; RSS = child process.resourceUsage().maxRSS; library = ingest() time.',
  );
  console.log(
    `source: ${source}; machine: ${os.cpus().length} cores, load avg ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const variants: [string, string[]][] = [];
  const distDir = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
  const dist = path.join(distDir, 'cli/main.js');
  // A build made before the data module existed cannot run ingest: treat it as not built.
  if (existsSync(dist) && existsSync(path.join(distDir, 'data/ingest.js'))) {
    variants.push([`compiled (${path.relative(ROOT, dist)})`, [dist]]);
  } else console.log('compiled CLI not built or stale (run `npm run build`): that variant is skipped');
  variants.push(['tsx (src/cli/main.ts)', ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')]]);

  for (const [name, entry] of variants) {
    runOnce(entry, source); // warm the OS file cache; not counted
    const rs: Run[] = [];
    for (let i = 0; i < runs; i++) rs.push(runOnce(entry, source));
    const wall = rs.map((r) => r.wallMs);
    const rss = rs.map((r) => r.rssMb);
    const lib = rs.map((r) => r.libraryMs);
    const verdict = (ok: boolean) => (ok ? 'OK' : 'OVER TARGET');
    console.log(`${name}:`);
    console.log(
      `  wall median ${median(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)}) ` +
        `[target ≤ ${TARGET_WALL_MS} ms: ${verdict(median(wall) <= TARGET_WALL_MS)}]`,
    );
    console.log(
      `  peak RSS median ${median(rss).toFixed(0)} MB (max ${Math.max(...rss).toFixed(0)}) ` +
        `[target ≤ ${TARGET_RSS_MB} MB: ${verdict(Math.max(...rss) <= TARGET_RSS_MB)}]`,
    );
    console.log(`  ingest() library time median ${median(lib).toFixed(0)} ms`);
  }
  console.log('reference (Python system): 2.7–3.0 s wall, 96 MB');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await benchIngest();
}
