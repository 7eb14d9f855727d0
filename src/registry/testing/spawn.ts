import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: `--import tsx` resolves from there. */
export const REPO_ROOT = path.resolve(here, '../../..');
export const CLI_ENTRY = path.join(here, 'cli-entry.ts');
export const WORKER = path.join(here, 'worker.ts');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript script in a child Node process (tsx loader), with extra env. */
export function runTs(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `defasagem registry ...` through the registry-only CLI entry. */
export function runRegistryCli(args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return runTs(CLI_ENTRY, ['registry', ...args], env);
}
