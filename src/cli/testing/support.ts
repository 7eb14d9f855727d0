import type { Command } from 'commander';
import { vi } from 'vitest';
import { reportUnknownOptionsFirst, rootProgram } from '../program.js';
import { runCli } from '../run.js';

/**
 * Runs `defasagem <args>` in-process through the real root program and top-level catch, with only the
 * commands that `register` adds, capturing stdout and stderr. For the CLI tests of each command group.
 */
export async function runCommandInProcess(
  register: (program: Command) => void,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const program = rootProgram().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(program);
  return runProgramInProcess(reportUnknownOptionsFirst(program), args);
}

/** Runs `defasagem <args>` in-process on a ready program (e.g. the real `buildProgram()`). */
export async function runProgramInProcess(
  program: Command,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
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
