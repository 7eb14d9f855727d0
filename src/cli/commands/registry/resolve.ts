import type { Command } from 'commander';
import { CORE_SETTINGS, loadSettings } from '../../../core/config.js';
import { readChampion, resolveModelSource } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry } from './common.js';
import { formatResolve } from './format.js';

export function addResolveCommand(registry: Command): void {
  withRegistry(
    registry
      .command('resolve')
      .description(
        'Which model files MODEL_VERSION selects (what the server would load), after verification.',
      )
      .option('--model-version <v>', 'instead of MODEL_VERSION: "" (dev files), "champion" or vX.Y.Z'),
  ).action(async (opts: RegistryOpt & { modelVersion?: string }, cmd: Command) => {
    const s = loadSettings(CORE_SETTINGS);
    const ctx = registryContext(opts);
    const r = await resolveModelSource(
      {
        modelVersion: opts.modelVersion ?? s.modelVersion,
        modelPath: s.modelPath,
        metadataPath: s.metadataPath,
        signaturePath: s.signaturePath,
        registryDir: ctx.storage.location,
      },
      ctx,
    );
    const champion = r.kind === 'registry' ? await readChampion(ctx).catch(() => null) : null;
    emit(cmd, { ...r, champion }, () => formatResolve(r, champion));
  });
}
