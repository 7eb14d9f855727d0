/**
 * The real model source: MODEL_VERSION resolved and loaded by the registry (`loadResolvedModel`, the
 * same code `defasagem score` loads through; hashes verified there, each file's bytes checked again as
 * read), plus what only a server needs: the champion probe, the watch target and GET /models.
 * No fallback: any problem throws.
 */
import path from 'node:path';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from '../registry/errors.js';
import { type LoadFailure, loadResolvedModel } from '../registry/load-resolved.js';
import { listVersions, type ModelSourceSettings, readChampion } from '../registry/resolve.js';
import { isS3Url } from '../registry/s3-client.js';
import type { BundleParts } from './bundle.js';
import { SERVE_ERRORS } from './errors.js';

/** A model file the server cannot read, parse or compile. */
const loadFailed: LoadFailure = (message, details, cause) =>
  new AppError(SERVE_ERRORS.MODEL_LOAD_FAILED, message, details, { cause });

export interface ModelSource {
  load: () => Promise<BundleParts>;
  /** The champion's version now; null when the source never moves (dev files, a pinned version). */
  probe: (() => Promise<string>) | null;
  /** GET /models: registry versions and champion (null when the registry does not exist). */
  listModels: () => Promise<unknown>;
  /**
   * The directory and file name to watch for a champion move; `dir` is null for a registry on S3,
   * which is followed by polling only (RELOAD_POLL_SECONDS).
   */
  watch: { dir: string | null; file: string } | null;
}

async function championVersion(registryDir: string): Promise<string> {
  const c = await readChampion(registryDir);
  if (!c)
    throw new AppError(
      REGISTRY_ERRORS.CHAMPION_NOT_SET,
      'MODEL_VERSION=champion but no version has been promoted yet.',
    );
  return c.version;
}

/** GET /models: the registry's versions and champion; null when there is no registry to list. */
async function listRegistry(registryDir: string): Promise<unknown> {
  try {
    const versions = await listVersions(registryDir);
    const c = await readChampion(registryDir).catch(() => null);
    return {
      champion: c ? { version: c.version, promoted_at: c.promoted_at, action: c.action } : null,
      versions,
    };
  } catch {
    return null;
  }
}

export function modelSource(settings: ModelSourceSettings): ModelSource {
  const registryDir = settings.registryDir;
  const champion = settings.modelVersion.trim() === 'champion';
  return {
    load: () => loadResolvedModel(settings, loadFailed),
    probe: champion ? () => championVersion(registryDir) : null,
    listModels: () => listRegistry(registryDir),
    watch: champion
      ? { dir: isS3Url(registryDir) ? null : path.resolve(registryDir), file: 'champion.json' }
      : null,
  };
}
