/**
 * What a version was trained on: synthetic or real data, and which workbook. The manifest carries
 * `synthetic` since it became a first-class field; older versions are answered from their metadata.
 */
import { trainedOnSynthetic, trainingSourceSha256 } from '../model/provenance.js';
import type { RegistryContext } from './context.js';
import { METADATA_FILE } from './layout.js';
import { readVerifiedFile } from './manifest.js';
import type { Manifest } from './types.js';

export interface VersionProvenance {
  /** Trained on synthetic data (true), real data (false), or not recorded (null). */
  synthetic: boolean | null;
  /** sha256 of the workbook (or CSV folder) its training data was ingested from; null when not recorded. */
  source_sha256: string | null;
}

/** The version's metadata file, verified against its manifest; null when it cannot be read. */
async function metadataOf(ctx: RegistryContext, manifest: Manifest): Promise<unknown> {
  try {
    return JSON.parse((await readVerifiedFile(ctx.storage, manifest, METADATA_FILE)).toString('utf8'));
  } catch {
    return null;
  }
}

/** Whether a version was trained on synthetic data: the manifest's field, else its metadata's. */
export async function versionSynthetic(ctx: RegistryContext, manifest: Manifest): Promise<boolean | null> {
  if (manifest.synthetic !== undefined) return manifest.synthetic;
  return trainedOnSynthetic(await metadataOf(ctx, manifest));
}

export async function versionProvenance(
  ctx: RegistryContext,
  manifest: Manifest,
): Promise<VersionProvenance> {
  const metadata = await metadataOf(ctx, manifest);
  return {
    synthetic: manifest.synthetic !== undefined ? manifest.synthetic : trainedOnSynthetic(metadata),
    source_sha256: trainingSourceSha256(metadata),
  };
}
