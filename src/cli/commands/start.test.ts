/**
 * The main job `defasagem start` as a child process on a fresh temp directory (synthetic workbook →
 * ingest → train → register → promote → serve), then SIGTERM, then a second start that goes straight
 * to serving; then, with the real workbook (PEDE_XLSX), `start --source` replaces the synthetic
 * champion with a model trained on it that passed the default guardrails, and /ready says so. The
 * registry cases it refuses are in src/app/start.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = path.join(REPO, 'src/cli/main.ts');
// The child runs in a temp dir: give --import an absolute URL, not a bare package name.
const TSX = pathToFileURL(path.join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;

const PEDE = process.env.PEDE_XLSX && existsSync(process.env.PEDE_XLSX) ? process.env.PEDE_XLSX : null;
if (!PEDE) console.warn('PEDE_XLSX not set or missing: `start --source <real workbook>` test SKIPPED');

describe('defasagem start (the main job)', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'defasagem-start-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  function start(...args: string[]): {
    child: ChildProcess;
    url: Promise<string>;
    stderr: () => string;
    exit: Promise<number | null>;
  } {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'start', '--port', '0', ...args], {
      cwd,
      env: { ...process.env, LOG_LEVEL: 'info', REGISTRY_DIR: 'models/registry' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    const url = new Promise<string>((resolve, reject) => {
      const scan = () => {
        const m = /serving MODEL_VERSION=champion \(.*\) at (http:\/\/\S+) /.exec(err);
        if (m) resolve(m[1]!);
      };
      child.stderr!.on('data', (d) => {
        err += String(d);
        scan();
      });
      child.stdout!.on('data', (d) => {
        out += String(d);
      });
      child.on('exit', (code) => reject(new Error(`start exited ${code}: ${err}\n${out}`)));
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, url, stderr: () => `${err}\n${out}`, exit };
  }

  it('builds the first champion from a synthetic workbook, serves it, and stops cleanly on SIGTERM', async () => {
    const first = start();
    const url = await first.url;
    const ready = (await (await fetch(`${url}/ready`)).json()) as { ready: boolean; model_version: string };
    expect(ready).toMatchObject({ ready: true, model_version: 'v1.0.0', synthetic: true });
    expect(first.stderr()).toContain('SYNTHETIC');
    expect(first.stderr()).toMatch(
      /champion v1\.0\.0 created in \d+ ms; serving MODEL_VERSION=champion \(v1\.0\.0, trained on SYNTHETIC data\) at /,
    );
    expect(existsSync(path.join(cwd, 'data', 'raw', 'synthetic_pede.xlsx'))).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.stderr()).toContain('stopped');

    // Second start: the champion exists, nothing is trained again.
    const second = start();
    const url2 = await second.url;
    expect((await fetch(`${url2}/ready`)).status).toBe(200);
    expect(second.stderr()).not.toContain('building the first model');
    expect(second.stderr()).toContain('The champion v1.0.0 was trained on SYNTHETIC data');
    expect(second.stderr()).toContain('npm start -- --source /path/to/PEDE2024.xlsx');
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  }, 120_000);

  it.skipIf(!PEDE)(
    'start --source <real workbook> replaces the synthetic champion, and /ready says real data',
    async () => {
      const third = start('--source', PEDE!);
      const url = await third.url;
      const ready = (await (await fetch(`${url}/ready`)).json()) as Record<string, unknown>;
      expect(ready).toMatchObject({ ready: true, synthetic: false });
      expect(ready.model_version).not.toBe('v1.0.0');
      const log = third.stderr();
      expect(log).toContain('The champion v1.0.0 was trained on SYNTHETIC data and a real workbook is here');
      expect(log).toMatch(
        /Registered v\d+\.\d+\.\d+: a \w+ bump from v1\.0\.0, the smallest the versioning rules allow/,
      );
      expect(log).toMatch(
        new RegExp(
          `champion v1\\.0\\.0 \\(synthetic\\) replaced by ${String(ready.model_version).replaceAll('.', '\\.')} in \\d+ ms; serving MODEL_VERSION=champion \\(${String(ready.model_version).replaceAll('.', '\\.')}, trained on real data\\)`,
        ),
      );
      third.child.kill('SIGTERM');
      expect(await third.exit).toBe(0);
    },
    300_000,
  );
});
