/**
 * Registry benchmark: `list` and `verify --all` on a registry of 200 versions (target ≤ 1 s each).
 *
 * Method: build the registry in a temp dir with the real `registerVersion` (fixture artifacts that
 * follow the shared contracts, model.json padded to a realistic size), then time
 * - the library functions in-process: one cold call, then the median of `runs` calls;
 * - the CLI as a child process, wall time median of `runs`, next to the same CLI's `--help` to show
 *   how much is start-up: (a) `node --import tsx` on the registry commands alone (no build needed),
 *   (b) the compiled full CLI, `node dist/cli/main.js` (what the `defasagem` bin runs), when built
 *   (`npm run build`, or BENCH_DIST_CLI=path/to/main.js).
 * The target (≤ 1 s) is judged on the compiled CLI when present, else on the tsx one.
 * Run: `npx tsx bench/registry.ts` (env BENCH_VERSIONS, BENCH_MODEL_BYTES, BENCH_RUNS to change it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { listVersions } from '../src/registry/list.js';
import { registerVersion } from '../src/registry/register.js';
import { tempDir, tempRegistry, writeFixtureArtifacts } from '../src/registry/testing/fixtures.js';
import { REPO_ROOT } from '../src/registry/testing/spawn.js';
import { verifyAll } from '../src/registry/verify.js';

/** The registry commands alone (a path, not an import: nothing imports the CLI). */
const CLI_ENTRY = path.join(REPO_ROOT, 'src/cli/commands/registry/testing/cli-entry.ts');

export interface RegistryBenchResult {
  versions: number;
  model_bytes: number;
  files_per_version: number;
  build_s: number;
  runs: number;
  list_inprocess_cold_ms: number;
  list_inprocess_median_ms: number;
  verify_all_inprocess_cold_ms: number;
  verify_all_inprocess_median_ms: number;
  cli_startup_median_ms: number;
  list_cli_median_ms: number;
  verify_all_cli_median_ms: number;
  dist_cli: string | null;
  dist_cli_startup_median_ms: number | null;
  dist_list_cli_median_ms: number | null;
  dist_verify_all_cli_median_ms: number | null;
  target_ms: number;
  within_target: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Wall time of one CLI run; `entry` is the Node arguments before the CLI's own. */
function timeCli(args: string[], entry: string[] = ['--import', 'tsx', CLI_ENTRY]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...entry, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const ms = performance.now() - t;
  // With --json the CLI prints its error on stdout.
  if (r.status !== 0) throw new Error(`CLI ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return ms;
}

export async function benchRegistry(
  opts: { versions?: number; modelBytes?: number; runs?: number; distCli?: string | null } = {},
): Promise<RegistryBenchResult> {
  const defaultDist = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
  // A build made before the registry commands existed (or half-written by a build in progress)
  // cannot run them: treat it as not built, as bench/ingest.ts does.
  const built = existsSync(defaultDist) && existsSync(path.join(REPO_ROOT, 'dist', 'registry', 'list.js'));
  const distCli = opts.distCli !== undefined ? opts.distCli : built ? defaultDist : null;
  if (distCli === null)
    console.log('compiled CLI not built or stale (run `npm run build`): that variant is skipped');
  const versions = opts.versions ?? 200;
  const modelBytes = opts.modelBytes ?? 256 * 1024;
  const runs = opts.runs ?? 5;
  const { dir, ctx } = tempRegistry();
  const art = writeFixtureArtifacts(tempDir('bench-art'));
  // Pad the model to a realistic size (a serialised GBDT is hundreds of KB).
  const modelFile = path.join(art, 'model_v1.json');
  const model = JSON.parse(readFileSync(modelFile, 'utf8'));
  model.padding = 'x'.repeat(Math.max(0, modelBytes - JSON.stringify(model).length - 14));
  writeFileSync(modelFile, JSON.stringify(model));
  try {
    const t0 = performance.now();
    for (let i = 0; i < versions; i++) {
      await registerVersion(ctx, {
        artifacts: art,
        version: `v${1 + Math.floor(i / 50)}.${i % 50}.0`,
        notes: `bench ${i}`,
      });
    }
    const build_s = (performance.now() - t0) / 1000;
    const listCold = await timeAsync(() => listVersions(ctx));
    const listRuns = [];
    for (let i = 0; i < runs; i++) listRuns.push(await timeAsync(() => listVersions(ctx)));
    const verifyCold = await timeAsync(async () => {
      const r = await verifyAll(ctx);
      if (!r.ok || r.versions.length !== versions) throw new Error('benchmark registry does not verify');
    });
    const verifyRuns = [];
    for (let i = 0; i < runs; i++) verifyRuns.push(await timeAsync(() => verifyAll(ctx)));
    const startup = [];
    const listCli = [];
    const verifyCli = [];
    const distStartup = [];
    const distList = [];
    const distVerify = [];
    for (let i = 0; i < runs; i++) {
      startup.push(timeCli(['registry', '--help']));
      listCli.push(timeCli(['registry', 'list', '--registry', dir, '--json']));
      verifyCli.push(timeCli(['registry', 'verify', '--all', '--registry', dir, '--json']));
      if (distCli) {
        distStartup.push(timeCli(['--help'], [distCli]));
        distList.push(timeCli(['registry', 'list', '--registry', dir, '--json'], [distCli]));
        distVerify.push(timeCli(['registry', 'verify', '--all', '--registry', dir, '--json'], [distCli]));
      }
    }
    const med = (xs: number[]) => (xs.length ? Math.round(median(xs)) : null);
    const r = {
      versions,
      model_bytes: modelBytes,
      files_per_version: 8,
      build_s: Number(build_s.toFixed(2)),
      runs,
      list_inprocess_cold_ms: Math.round(listCold),
      list_inprocess_median_ms: Math.round(median(listRuns)),
      verify_all_inprocess_cold_ms: Math.round(verifyCold),
      verify_all_inprocess_median_ms: Math.round(median(verifyRuns)),
      cli_startup_median_ms: Math.round(median(startup)),
      list_cli_median_ms: Math.round(median(listCli)),
      verify_all_cli_median_ms: Math.round(median(verifyCli)),
      dist_cli: distCli,
      dist_cli_startup_median_ms: med(distStartup),
      dist_list_cli_median_ms: med(distList),
      dist_verify_all_cli_median_ms: med(distVerify),
      target_ms: 1000,
      within_target: false,
    };
    const list = r.dist_list_cli_median_ms ?? r.list_cli_median_ms;
    const verify = r.dist_verify_all_cli_median_ms ?? r.verify_all_cli_median_ms;
    r.within_target = list <= r.target_ms && verify <= r.target_ms;
    return r;
  } finally {
    rmSync(path.dirname(dir), { recursive: true, force: true });
    rmSync(art, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const result = await benchRegistry({
    ...(env.BENCH_VERSIONS ? { versions: Number(env.BENCH_VERSIONS) } : {}),
    ...(env.BENCH_MODEL_BYTES ? { modelBytes: Number(env.BENCH_MODEL_BYTES) } : {}),
    ...(env.BENCH_RUNS ? { runs: Number(env.BENCH_RUNS) } : {}),
    ...(env.BENCH_DIST_CLI ? { distCli: env.BENCH_DIST_CLI } : {}),
  });
  console.log(
    'registry benchmark (method: see the header of bench/registry.ts; machine shared, numbers noisy)',
  );
  console.table(result);
}
