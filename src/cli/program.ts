/** The whole program, every command group imported up front (tests; `main.ts` loads lazily via root.ts). */
import type { Command } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerDataCommands } from './commands/data.js';
import { registerMonitorCommands } from './commands/monitor.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerRetrainCommand } from './commands/retrain.js';
import { registerScoreCommand } from './commands/score.js';
import { registerServeCommands } from './commands/serve.js';
import { registerStartCommand } from './commands/start.js';
import { registerTrainCommands } from './commands/train.js';
import { reportUnknownOptionsFirst, rootProgram } from './root.js';

export { reportUnknownOptionsFirst, rootProgram };

export function buildProgram(): Command {
  const program = rootProgram();
  registerDataCommands(program);
  registerTrainCommands(program);
  registerRegistryCommands(program);
  registerScoreCommand(program);
  registerRetrainCommand(program);
  registerMonitorCommands(program);
  registerServeCommands(program);
  registerStartCommand(program);
  registerConfigCommand(program);
  return reportUnknownOptionsFirst(program);
}
