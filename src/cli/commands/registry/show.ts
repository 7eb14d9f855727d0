import type { Command } from 'commander';
import { showVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatShow } from './format.js';

export function addShowCommand(registry: Command): void {
  withRegistry(
    registry
      .command('show <version>')
      .description('Manifest, metrics summary, signature, integrity and champion moves of one version.'),
  ).action(async (version: string, opts: RegistryOpt, cmd: Command) => {
    const s = await showVersion(registryContext(opts), version);
    emit(cmd, s, () => formatShow(s));
  });
}
