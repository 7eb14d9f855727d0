import type { Command } from 'commander';
import { type BumpKind, registerVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, versionArg, withRegistry } from './common.js';
import { formatRegister } from './format.js';

interface Opts extends RegistryOpt {
  version?: string;
  bump?: string;
  artifacts: string;
  notes: string;
  by?: string;
  force?: boolean;
  reason?: string;
}

export function addRegisterCommand(registry: Command): void {
  withRegistry(
    registry
      .command('register [version]')
      .description(
        "Register a training run as an immutable version (copies and hashes the artifacts; refuses a model the API cannot load, and a bump smaller than the design's versioning rules require).",
      )
      .option('--version <vX.Y.Z>', 'the version to register (same as the positional argument)')
      .option(
        '--bump <kind>',
        'compute the version from the latest: major, minor, patch, or auto (the smallest the rules allow)',
      )
      .option('--artifacts <dir>', 'training output directory', 'artifacts')
      .option('--notes <text>', 'what changed, for the changelog', '')
      .option('--by <name>', 'who registers (default $USER)')
      .option(
        '--force',
        'register even if the bump is smaller than the rules require (never a breaking API change); needs --reason',
      )
      .option('--reason <text>', 'why the rules are overridden (recorded in the manifest)'),
  ).action(async (positional: string | undefined, opts: Opts, cmd: Command) => {
    const version = versionArg(positional, opts.version, false);
    const result = await registerVersion(registryContext(opts), {
      artifacts: opts.artifacts,
      ...(version !== undefined ? { version } : {}),
      ...(opts.bump !== undefined ? { bump: opts.bump as BumpKind | 'auto' } : {}),
      notes: opts.notes,
      ...(opts.by ? { by: opts.by } : {}),
      force: Boolean(opts.force),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    });
    emit(cmd, result, () => formatRegister(result));
  });
}
