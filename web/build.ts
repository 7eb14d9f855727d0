/**
 * Builds the dashboard into web/dist with vite (`npm run build:web`, part of `npm run build`).
 * With `--if-stale` it builds only when web/dist is missing or was built from other sources: what
 * `npm start` runs first, so a fresh clone serves the dashboard and a later start costs a few
 * milliseconds. "Other sources" = a sha256 over web/index.html, web/src, web/public, the vite config,
 * the server code the bundle imports (src/ml, src/core/error-base.ts) and vite's version, kept in
 * web/dist/.source-hash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(webDir, 'dist');
const stampFile = path.join(outDir, '.source-hash');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      return statSync(file).isDirectory() ? filesUnder(file) : [file];
    });
}

/** The hash of everything the bundle is built from (tests beside the sources excluded). */
export function sourceHash(): string {
  const h = createHash('sha256');
  const inputs = [
    path.join(webDir, 'index.html'),
    path.join(webDir, 'vite.config.ts'),
    ...filesUnder(path.join(webDir, 'src')),
    ...filesUnder(path.join(webDir, 'public')),
    // Code the bundle shares with the server: the capacity rule (src/ml) and its error base.
    ...filesUnder(path.join(webDir, '..', 'src', 'ml')),
    path.join(webDir, '..', 'src', 'core', 'error-base.ts'),
  ].filter((f) => !f.endsWith('.test.ts'));
  for (const f of inputs)
    h.update(path.relative(webDir, f)).update('\0').update(readFileSync(f)).update('\0');
  try {
    const require = createRequire(import.meta.url);
    h.update(`vite@${(require('vite/package.json') as { version: string }).version}`);
  } catch {
    h.update('vite@missing');
  }
  return h.digest('hex');
}

/** Why web/dist must be (re)built, or null when it matches the sources. */
export function staleReason(): string | null {
  if (!existsSync(path.join(outDir, 'index.html'))) return 'web/dist is missing';
  if (!existsSync(stampFile)) return 'web/dist has no source hash';
  return readFileSync(stampFile, 'utf8').trim() === sourceHash() ? null : 'the web sources changed';
}

export async function buildDashboard(): Promise<number> {
  const started = performance.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), mode: 'production' });
  writeFileSync(stampFile, `${sourceHash()}\n`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const ifStale = process.argv.includes('--if-stale');
  const reason = ifStale ? staleReason() : 'asked to build';
  if (reason === null) {
    console.log('dashboard: web/dist is up to date');
    return;
  }
  console.log(`dashboard: building web/dist with vite (${reason})`);
  try {
    const ms = await buildDashboard();
    console.log(
      `dashboard: built in ${(ms / 1000).toFixed(1)} s; served at / by \`defasagem serve\` and \`start\``,
    );
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
    console.error(
      missing
        ? 'dashboard: vite is not installed (install dev dependencies: `npm install`); the API works without the dashboard'
        : `dashboard: build failed: ${(err as Error).message}`,
    );
    // Starting the API must not depend on the dashboard; an explicit build must fail loudly.
    if (!ifStale) process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
