import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: `--import tsx` resolves from there. */
export const REPO_ROOT = path.resolve(here, '../../..');
export const WORKER = path.join(here, 'worker.ts');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Run in a new UTS namespace with this host name (needs root; see `canFakeHost`). */
  hostname?: string;
  /** Called with the child as soon as it is spawned (to signal it). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs a TypeScript script in a child Node process (tsx loader), with extra env. */
export function runTs(script: string, args: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const node = [process.execPath, '--import', 'tsx', script, ...args];
    // unshare execs sh, which execs node: the child's pid is node's pid.
    const [cmd, ...argv] = opts.hostname
      ? ['unshare', '-u', 'sh', '-c', `hostname ${opts.hostname} && exec "$@"`, 'sh', ...node]
      : node;
    const child = spawn(cmd!, argv, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `worker.ts` (see there) on `registry`. */
export function runWorker(
  registry: string,
  action: 'register' | 'register-promote' | 'promote',
  version: string,
  artifacts?: string,
  opts: RunOptions = {},
): Promise<ChildResult> {
  return runTs(WORKER, [registry, action, version, ...(artifacts ? [artifacts] : [])], opts);
}

/** Whether this machine lets a test run a child under another host name (root + unshare). */
export function canFakeHost(): boolean {
  const r = spawnSync('unshare', ['-u', 'sh', '-c', 'hostname registry-test-host && hostname'], {
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout.trim() === 'registry-test-host';
}

/** Resolves once process `pid` is stopped (state T in /proc), e.g. by DEFASAGEM_TEST_STOP_AT. */
export async function stopped(pid: number): Promise<void> {
  for (;;) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    await sleep(20);
  }
}
