import { Command, type Option } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerDataCommands } from './commands/data.js';
import { registerMonitorCommands } from './commands/monitor.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerRetrainCommand } from './commands/retrain.js';
import { registerScoreCommand } from './commands/score.js';
import { registerServeCommands } from './commands/serve.js';
import { registerStartCommand } from './commands/start.js';
import { registerTrainCommands } from './commands/train.js';

/** The root command with the global flags; command groups add themselves to it. */
export function rootProgram(): Command {
  return (
    new Command('defasagem')
      .description('Early warning of school lag (defasagem) for Passos Mágicos students.')
      // No commander .version(): a root --version would swallow `registry register --version vX.Y.Z`.
      .addHelpText('after', '\nRun `defasagem --version` for the version.')
      .option('--json', 'machine-readable JSON output (errors too)')
      .option('--verbose', 'show stack traces of unexpected errors')
      .configureOutput({ outputError: () => {} })
      // Before any subcommand exists, so every subcommand inherits it and usage errors reach runCli's catch.
      .exitOverride()
  );
}

/**
 * Commander checks required options before unknown ones, so `ingest --souce x` would only say that
 * --source is missing. Checking required options in a preAction hook instead (which runs after the
 * unknown-option check) makes that `unknown option '--souce' (did you mean --source?)`.
 * Call once every command is registered.
 */
export function reportUnknownOptionsFirst(cmd: Command): Command {
  const required: Option[] = cmd.options.filter((o) => o.mandatory);
  if (required.length > 0) {
    for (const o of required) o.makeOptionMandatory(false);
    cmd.hook('preAction', () => {
      for (const o of required) {
        if (cmd.getOptionValue(o.attributeName()) === undefined)
          cmd.error(`required option '${o.flags}' not specified`, {
            code: 'commander.missingMandatoryOptionValue',
          });
      }
    });
  }
  for (const sub of cmd.commands) reportUnknownOptionsFirst(sub);
  return cmd;
}

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
