import type { Command } from 'commander';
import { promoteVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, versionArg, withRegistry } from './common.js';
import { formatMove } from './format.js';

interface Opts extends RegistryOpt {
  version?: string;
  by?: string;
  expectCurrent?: string;
  force?: boolean;
  reason?: string;
}

export function addPromoteCommand(registry: Command): void {
  withRegistry(
    registry
      .command('promote [version]')
      .description(
        "Make a verified version the champion (the server's load and warm-up, guardrails from PROMOTE_MIN_*; compare-and-set).",
      )
      .option('--version <vX.Y.Z>', 'the version to promote (same as the positional argument)')
      .option('--by <name>', 'who promotes (default $USER)')
      .option('--expect-current <version>', 'only if the champion is this version now ("none" = no champion)')
      .option('--force', 'override failing guardrails (never integrity); needs --reason')
      .option('--reason <text>', 'why (recorded in the history)'),
  ).action(async (positional: string | undefined, opts: Opts, cmd: Command) => {
    const result = await promoteVersion(registryContext(opts), {
      version: versionArg(positional, opts.version, true)!,
      ...(opts.by ? { by: opts.by } : {}),
      ...(opts.expectCurrent ? { expectCurrent: opts.expectCurrent } : {}),
      force: Boolean(opts.force),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    emit(cmd, result, () => formatMove(result));
  });
}
