import type { Command } from 'commander';
import { ALL_SETTINGS } from '../../app/settings.js';
import { emit } from '../output.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('List every setting: environment variable, default, current value and meaning.')
    .action((_opts, cmd: Command) => {
      const rows = ALL_SETTINGS.flatMap(({ module, settings }) =>
        Object.values(settings).map((def) => ({
          module,
          env: def.env,
          default: def.default,
          current: def.secret
            ? process.env[def.env]
              ? '(set)'
              : '(unset)'
            : (process.env[def.env] ?? def.default),
          description: def.description,
        })),
      );
      emit(cmd, rows, () =>
        rows
          .map(
            (r) =>
              `${r.env.padEnd(24)} = ${JSON.stringify(r.current)}  (default ${JSON.stringify(r.default)})\n    ${r.description}`,
          )
          .join('\n'),
      );
    });
}
