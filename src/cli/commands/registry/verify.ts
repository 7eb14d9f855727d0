import type { Command } from 'commander';
import { CORE_ERRORS } from '../../../core/core-errors.js';
import { AppError, EXIT } from '../../../core/error-base.js';
import { verifyAll, verifyVersion } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatVerify, formatVerifyAll } from './format.js';

export function addVerifyCommand(registry: Command): void {
  withRegistry(
    registry
      .command('verify [version]')
      .description(
        'Check every file against the manifest hashes; exit 5 on any mismatch, missing, extra or linked file.',
      )
      .option('--all', 'every version, and the champion pointer'),
  ).action(async (version: string | undefined, opts: RegistryOpt & { all?: boolean }, cmd: Command) => {
    const ctx = registryContext(opts);
    if (opts.all || version === undefined) {
      if (!opts.all) throw new AppError(CORE_ERRORS.USAGE, 'Name a version or pass --all.');
      const r = await verifyAll(ctx);
      emit(cmd, r, () => formatVerifyAll(r));
      if (!r.ok) process.exitCode = EXIT.integrity;
      return;
    }
    const r = await verifyVersion(ctx, version);
    emit(cmd, r, () => formatVerify(r));
    if (!r.ok) process.exitCode = EXIT.integrity;
  });
}
