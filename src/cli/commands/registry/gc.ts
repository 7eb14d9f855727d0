import type { Command } from 'commander';
import { gcRegistry } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatGc } from './format.js';

export function addGcCommand(registry: Command): void {
  withRegistry(
    registry
      .command('gc')
      .description(
        'Remove staging directories and temp files left by interrupted commands (under the lock); restore a lost history entry.',
      )
      .option('--dry-run', 'only list what would be removed'),
  ).action(async (opts: RegistryOpt & { dryRun?: boolean }, cmd: Command) => {
    const r = await gcRegistry(registryContext(opts), { dryRun: Boolean(opts.dryRun) });
    emit(cmd, r, () => formatGc(r));
  });
}
