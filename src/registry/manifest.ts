import { createHash } from 'node:crypto';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';
import { isPlainName, MANIFEST_FILE } from './layout.js';
import { isVersion } from './semver.js';
import type { RegistryStorage } from './storage.js';
import type { Manifest } from './types.js';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Why `value` is not a manifest, or null when it has the shape of one. */
export function manifestProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const m = value as Partial<Manifest>;
  if (m.manifest_version !== 1) return 'manifest_version is not 1';
  if (typeof m.version !== 'string' || !isVersion(m.version)) return 'version is missing or invalid';
  if (typeof m.files !== 'object' || m.files === null) return 'files is missing';
  for (const [name, f] of Object.entries(m.files)) {
    // A hand-edited name such as `../x` or `sub/` must be reported, never joined to a path.
    if (!isPlainName(name)) return `files lists ${JSON.stringify(name)}, which is not a plain file name`;
    if (typeof f?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256) || !Number.isInteger(f.size)) {
      return `files.${name} lacks a sha256 or a size`;
    }
  }
  if (typeof m.signature_sha256 !== 'string') return 'signature_sha256 is missing';
  return null;
}

export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
}

/** Reads a version's manifest: null if the version does not exist; INTEGRITY_FAILED if unreadable. */
export async function readManifest(storage: RegistryStorage, version: string): Promise<Manifest | null> {
  const raw = await storage.readFile(version, MANIFEST_FILE);
  if (raw === null) {
    if (!(await storage.hasVersion(version))) return null;
    throw new AppError(REGISTRY_ERRORS.INTEGRITY_FAILED, `Version ${version} has no ${MANIFEST_FILE}.`, {
      version,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `The ${MANIFEST_FILE} of ${version} is not valid JSON.`,
      {
        version,
      },
    );
  }
  const problem = manifestProblem(parsed);
  if (problem) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `The ${MANIFEST_FILE} of ${version} is invalid: ${problem}.`,
      {
        version,
      },
    );
  }
  return parsed as Manifest;
}
