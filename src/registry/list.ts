import { isAppError } from '../core/error-base.js';
import { championState } from './champion-file.js';
import { contextOf, type RegistryRef } from './context.js';
import { readManifest } from './manifest.js';
import { mapLimit } from './map-limit.js';
import { versionSynthetic } from './provenance.js';
import { isVersion, parseVersion, sortVersions } from './semver.js';
import type { VersionSummary } from './types.js';

/** Every registered version in semver order (oldest first), the champion marked. Reads manifests only. */
export async function listVersions(registry: RegistryRef): Promise<VersionSummary[]> {
  const ctx = contextOf(registry);
  const versions = sortVersions((await ctx.storage.listVersionNames()).filter(isVersion));
  const state = await championState(ctx);
  const champion = state.kind === 'ok' ? state.champion.version : null;
  return mapLimit(versions, 16, async (version): Promise<VersionSummary> => {
    const base = {
      version,
      prerelease: parseVersion(version).prerelease.length > 0,
      is_champion: version === champion,
    };
    let problem: string | undefined;
    const manifest = await readManifest(ctx.storage, version).catch((err) => {
      problem = isAppError(err) ? err.message : undefined;
      return null;
    });
    if (!manifest) {
      return {
        ...base,
        created_at: null,
        created_by: null,
        notes: '',
        model_format_version: null,
        learner: null,
        synthetic: null,
        test_metrics: null,
        readable: false,
        ...(problem ? { problem } : {}),
      };
    }
    return {
      ...base,
      created_at: manifest.created_at,
      created_by: manifest.created_by,
      notes: manifest.notes,
      model_format_version: manifest.model_format_version,
      learner: manifest.metrics_summary?.learner ?? null,
      synthetic: await versionSynthetic(ctx, manifest),
      test_metrics: manifest.metrics_summary?.test ?? null,
      readable: true,
    };
  });
}

/** The highest registered version, or null. */
export async function latestVersion(registry: RegistryRef): Promise<string | null> {
  const versions = sortVersions((await contextOf(registry).storage.listVersionNames()).filter(isVersion));
  return versions.at(-1) ?? null;
}
