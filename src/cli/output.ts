import type { Command } from 'commander';
import { cliProgressFor, type Progress, silentProgress } from '../core/progress.js';

/** Global flags every command sees (declared on the root program). */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Prints a result: the JSON object with --json, else the human text. */
export function emit(cmd: Command, result: unknown, human: () => string): void {
  if (globalsOf(cmd).json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** A progress reporter suited to the command's output mode. */
export function progressFor(cmd: Command): Progress {
  return globalsOf(cmd).json ? silentProgress : cliProgressFor();
}
