import type { Command } from 'commander';
import { rollbackVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, versionArg, withRegistry } from './common.js';
import { formatMove } from './format.js';

interface Opts extends RegistryOpt {
  version?: string;
  reason?: string;
  by?: string;
  expectCurrent?: string;
  force?: boolean;
}

export function addRollbackCommand(registry: Command): void {
  withRegistry(
    registry
      .command('rollback [version]')
      .description('Move the champion back to the previous champion in the history (or to a named version).')
      .option('--version <vX.Y.Z>', 'go back to this version instead')
      .option('--reason <text>', 'why (required; recorded in the history)')
      .option('--by <name>', 'who rolls back (default $USER)')
      .option('--expect-current <version>', 'only if the champion is this version now')
      .option('--force', 'override the guardrails for a version that was never champion'),
  ).action(async (positional: string | undefined, opts: Opts, cmd: Command) => {
    const version = versionArg(positional, opts.version, false);
    const result = await rollbackVersion(registryContext(opts), {
      ...(version !== undefined ? { version } : {}),
      reason: opts.reason ?? '',
      ...(opts.by ? { by: opts.by } : {}),
      ...(opts.expectCurrent ? { expectCurrent: opts.expectCurrent } : {}),
      force: Boolean(opts.force),
    });
    emit(cmd, result, () => formatMove(result));
  });
}
