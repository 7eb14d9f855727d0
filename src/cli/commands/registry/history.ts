import type { Command } from 'commander';
import { CORE_ERRORS } from '../../../core/core-errors.js';
import { AppError } from '../../../core/error-base.js';
import { readHistory } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatHistory } from './format.js';

export function addHistoryCommand(registry: Command): void {
  withRegistry(
    registry
      .command('history')
      .description('Every champion move (who, when, from, to, reason), oldest first.')
      .option('--limit <n>', 'only the last n moves'),
  ).action(async (opts: RegistryOpt & { limit?: string }, cmd: Command) => {
    let entries = await readHistory(registryContext(opts));
    if (opts.limit !== undefined) {
      const n = Number(opts.limit);
      if (!Number.isInteger(n) || n < 1)
        throw new AppError(CORE_ERRORS.USAGE, '--limit must be a positive integer.');
      entries = entries.slice(-n);
    }
    emit(cmd, entries, () => formatHistory(entries));
  });
}
