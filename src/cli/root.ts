/**
 * The root command, and the program a run of `defasagem` needs: only the command group named on the
 * command line is imported (the server's modules cost ~0.6 s to load, the registry's ~0.1 s), the
 * whole program when no known command is named (`--help`, a typo, `help <command>`).
 */
import { Command, type Option } from 'commander';

type Register = (program: Command) => void;

/** Every command group, in help order: the top-level command names it adds and how to load it. */
export const COMMAND_GROUPS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['ingest', 'synth'], load: async () => (await import('./commands/data.js')).registerDataCommands },
  { names: ['train'], load: async () => (await import('./commands/train.js')).registerTrainCommands },
  {
    names: ['registry'],
    load: async () => (await import('./commands/registry.js')).registerRegistryCommands,
  },
  { names: ['score'], load: async () => (await import('./commands/score.js')).registerScoreCommand },
  { names: ['retrain'], load: async () => (await import('./commands/retrain.js')).registerRetrainCommand },
  { names: ['monitor'], load: async () => (await import('./commands/monitor.js')).registerMonitorCommands },
  {
    names: ['serve'],
    load: async () => (await import('./commands/serve.js')).registerServeCommands,
  },
  { names: ['start'], load: async () => (await import('./commands/start.js')).registerStartCommand },
  { names: ['config'], load: async () => (await import('./commands/config.js')).registerConfigCommand },
];

/** The first word of `argv` (node, script, …args) that is not a flag: the command asked for, if any. */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

/** The program for this command line: the named group only, else every group. */
export async function loadProgram(argv: readonly string[]): Promise<Command> {
  const word = commandWord(argv);
  const named = COMMAND_GROUPS.find((g) => word !== undefined && g.names.includes(word));
  const program = rootProgram();
  for (const g of named ? [named] : COMMAND_GROUPS) (await g.load())(program);
  return reportUnknownOptionsFirst(program);
}

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
