import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../../core/error-base.js';
import { listVersions, type RegistryContext, readChampion } from '../../../registry/index.js';
import type { VersionSummary } from '../../../registry/types.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, registryDir, withRegistry } from './common.js';
import { formatList } from './format.js';

/** A champion.json that is unreadable or names an unregistered version must not pass silently as "no *". */
async function championNote(ctx: RegistryContext, versions: readonly VersionSummary[]): Promise<string[]> {
  try {
    const c = await readChampion(ctx);
    if (c && !versions.some((v) => v.is_champion)) {
      return [
        `warning: champion.json points at ${c.version}, which is not registered (run \`registry verify --all\`)`,
      ];
    }
    return [];
  } catch (err) {
    if (err instanceof AppError) return [`warning: ${err.message}`];
    throw err;
  }
}

export function addListCommand(registry: Command): void {
  withRegistry(
    registry.command('list').description('Registered versions in semver order; * marks the champion.'),
  ).action(async (opts: RegistryOpt, cmd: Command) => {
    const dir = registryDir(opts);
    const ctx = registryContext(opts);
    const versions = await listVersions(ctx);
    const notes = [
      ...versions
        .filter((v) => !v.readable)
        .map(
          (v) =>
            `note ${v.version}: ${v.problem?.replace(/\.$/, '') ?? 'manifest.json is missing or unreadable'} (run \`registry verify ${v.version}\`)`,
        ),
      ...(await championNote(ctx, versions)),
    ];
    emit(cmd, versions, () => formatList(versions, dir, existsSync(dir), notes));
  });
}
