import type { Command } from 'commander';
import { diffVersions } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatDiff } from './format.js';

export function addDiffCommand(registry: Command): void {
  withRegistry(
    registry
      .command('diff <a> <b>')
      .description('Metric and signature differences between two versions, with the semver verdict.'),
  ).action(async (a: string, b: string, opts: RegistryOpt, cmd: Command) => {
    const d = await diffVersions(registryContext(opts), a, b);
    emit(cmd, d, () => formatDiff(d));
  });
}
