import { createHash } from 'node:crypto';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';
import { isPlainName, MANIFEST_FILE, REQUIRED_FILES } from './layout.js';
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
  const absent = REQUIRED_FILES.filter((name) => !(name in m.files!));
  if (absent.length > 0) {
    // A version registered before the registry used the design's names lists metadata.json instead.
    const legacy = 'metadata.json' in m.files || 'signature.json' in m.files;
    return `files does not list ${absent.join(', ')}${legacy ? ' (it uses the names from before model_metadata.json and model_signature.json: register the artifacts again)' : ''}`;
  }
  if (typeof m.signature_sha256 !== 'string') return 'signature_sha256 is missing';
  return null;
}

export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
}

/** Parses a manifest's bytes; INTEGRITY_FAILED when they are not a valid manifest. */
export function parseManifest(raw: Buffer, version: string): Manifest {
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
      { version },
    );
  }
  return parsed as Manifest;
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
  return parseManifest(raw, version);
}

/**
 * A file of a version whose bytes match the manifest given (read once, checked, returned): the bytes
 * a caller uses are the bytes checked. INTEGRITY_FAILED when the manifest does not list it, or when
 * the file is missing or differs.
 */
export async function readVerifiedFile(
  storage: RegistryStorage,
  manifest: Manifest,
  name: string,
): Promise<Buffer> {
  const expected = manifest.files[name];
  const data = expected ? await storage.readFile(manifest.version, name) : null;
  if (!expected || data === null || sha256(data) !== expected.sha256) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `${name} of ${manifest.version} ${!expected ? 'is not listed in its manifest' : data === null ? 'is missing' : 'does not match its sha256'} (run \`defasagem registry verify ${manifest.version}\`).`,
      { version: manifest.version, file: name },
    );
  }
  return data;
}
