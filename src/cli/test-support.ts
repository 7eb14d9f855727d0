import { Command } from 'commander';
import { vi } from 'vitest';
import { runCli } from './run.js';

/**
 * Runs `defasagem <args>` in-process through the real top-level catch with only the commands that
 * `register` adds, capturing stdout and stderr. For the CLI tests of each command group.
 */
export async function runCommandInProcess(
  register: (program: Command) => void,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const program = new Command('defasagem')
    .option('--json')
    .option('--verbose')
    .configureOutput({ outputError: () => {}, writeOut: () => {}, writeErr: () => {} });
  register(program);
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  process.exitCode = undefined;
  try {
    return { code: await runCli(program, ['node', 'defasagem', ...args]), out, err };
  } finally {
    process.exitCode = undefined;
    o.mockRestore();
    e.mockRestore();
  }
}
