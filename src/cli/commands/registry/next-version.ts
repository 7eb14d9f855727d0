import type { Command } from 'commander';
import { nextVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatNextVersion } from './format.js';

export function addNextVersionCommand(registry: Command): void {
  withRegistry(
    registry
      .command('next-version')
      .description(
        "The version a training run's artifacts should be registered as: the smallest bump from the latest version that the versioning rules (API contract and model) allow, with the reasons. Writes nothing.",
      )
      .option('--artifacts <dir>', 'training output directory', 'artifacts'),
  ).action(async (opts: RegistryOpt & { artifacts: string }, cmd: Command) => {
    const result = await nextVersion(registryContext(opts), opts.artifacts);
    emit(cmd, result, () => formatNextVersion(result));
  });
}
