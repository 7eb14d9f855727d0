/**
 * The registry commands alone, with the real top-level catch: what tests and the benchmark spawn as a
 * child process (`node --import tsx`), faster to start than the whole CLI.
 */
import { Command } from 'commander';
import { runCli } from '../../../run.js';
import { registerRegistryCommands } from '../../registry.js';

const program = new Command('defasagem')
  .option('--json', 'machine-readable JSON output (errors too)')
  .option('--verbose', 'show stack traces of unexpected errors')
  .configureOutput({ outputError: () => {} });
registerRegistryCommands(program);
process.exitCode = await runCli(program, process.argv);
