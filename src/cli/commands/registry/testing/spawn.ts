import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildResult, type RunOptions, runTs } from '../../../../registry/testing/spawn.js';

/** The registry commands alone (cli-entry.ts): what the process-level CLI tests and the benchmark run. */
export const CLI_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli-entry.ts');

/** `defasagem registry ...` in a child process, through the registry-only CLI entry. */
export function runRegistryCli(args: string[], opts: RunOptions = {}): Promise<ChildResult> {
  return runTs(CLI_ENTRY, ['registry', ...args], opts);
}
