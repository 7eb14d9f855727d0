import { Command } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerDataCommands } from './commands/data.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerServeCommands } from './commands/serve.js';
import { registerTrainCommands } from './commands/train.js';

export function buildProgram(): Command {
  const program = new Command('defasagem')
    .description('Early warning of school lag (defasagem) for Passos Mágicos students.')
    // No commander .version(): a root --version would swallow `registry register --version vX.Y.Z`.
    .addHelpText('after', '\nRun `defasagem --version` for the version.')
    .option('--json', 'machine-readable JSON output (errors too)')
    .option('--verbose', 'show stack traces of unexpected errors')
    .configureOutput({ outputError: () => {} })
    // Before any subcommand exists, so every subcommand inherits it and usage errors reach runCli's catch.
    .exitOverride();
  registerDataCommands(program);
  registerTrainCommands(program);
  registerRegistryCommands(program);
  registerServeCommands(program);
  registerConfigCommand(program);
  return program;
}
