import { Command } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerDataCommands } from './commands/data.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerServeCommands } from './commands/serve.js';
import { registerTrainCommands } from './commands/train.js';

export function buildProgram(): Command {
  const program = new Command('defasagem')
    .description('Early warning of school lag (defasagem) for Passos Mágicos students.')
    .version('0.1.0')
    .option('--json', 'machine-readable JSON output (errors too)')
    .option('--verbose', 'show stack traces of unexpected errors')
    .configureOutput({ outputError: () => {} });
  registerDataCommands(program);
  registerTrainCommands(program);
  registerRegistryCommands(program);
  registerServeCommands(program);
  registerConfigCommand(program);
  return program;
}
