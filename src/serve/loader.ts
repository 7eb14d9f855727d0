/**
 * The real model source: MODEL_VERSION resolved by the registry (hashes verified there), files read
 * once, each registry file's bytes checked again against the manifest (no window between verify and
 * read), then parsed and compiled by the model module. No fallback: any problem throws.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../core/error-base.js';
import { loadModel } from '../model/load.js';
import type { MetricsFile, ModelSignature } from '../model/types.js';
import { REGISTRY_ERRORS } from '../registry/errors.js';
import {
  checkResolvedBytes,
  listVersions,
  type ModelSourceSettings,
  readChampion,
  resolveModelSource,
} from '../registry/resolve.js';
import type { ModelFileRole } from '../registry/types.js';
import type { BundleParts } from './bundle.js';
import { SERVE_ERRORS } from './errors.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function loadFailed(message: string, details?: Record<string, unknown>, cause?: unknown): AppError {
  return new AppError(SERVE_ERRORS.MODEL_LOAD_FAILED, message, details, { cause });
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw loadFailed(`The ${what} file is not valid JSON.`, { file: what }, err);
  }
}

/** The minimum a signature needs for the server to compile a validator and warm up. */
export function checkSignature(value: unknown): ModelSignature {
  const s = value as Partial<ModelSignature> | null;
  if (typeof s !== 'object' || s === null || Array.isArray(s))
    throw loadFailed('The signature is not a JSON object.');
  if (s.signature_version !== 1) throw loadFailed('The signature has an unsupported signature_version.');
  if (!Array.isArray(s.inputs) || s.inputs.length === 0) throw loadFailed('The signature has no inputs.');
  if (typeof s.example_request !== 'object' || s.example_request === null)
    throw loadFailed('The signature has no example_request to warm the model up with.');
  return s as ModelSignature;
}

export interface ModelSource {
  load: () => Promise<BundleParts>;
  /** The champion's version now; null when the source never moves (dev files, a pinned version). */
  probe: (() => Promise<string>) | null;
  /** GET /models: registry versions and champion (null when the registry does not exist). */
  listModels: () => Promise<unknown>;
  /** The directory and file name to watch for a champion move. */
  watch: { dir: string; file: string } | null;
}

type Resolved = Awaited<ReturnType<typeof resolveModelSource>>;

/** One file's bytes, checked against the manifest when it comes from the registry. */
async function readVerified(src: Resolved, name: ModelFileRole, file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw loadFailed(
      `Cannot read the ${name} file of ${src.version ?? 'the development model'}.`,
      { file: name },
      err,
    );
  }
  checkResolvedBytes(src, name, bytes);
  return bytes;
}

function compileModel(modelBytes: Buffer): BundleParts['model'] {
  try {
    return loadModel(parseJson(modelBytes, 'model'));
  } catch (err) {
    if (isAppError(err)) throw err;
    throw loadFailed(`The model file could not be compiled: ${(err as Error).message}`, undefined, err);
  }
}

async function loadParts(settings: ModelSourceSettings): Promise<BundleParts> {
  const src = await resolveModelSource(settings);
  const modelBytes = await readVerified(src, 'model', src.files.model);
  const [sigBytes, metaBytes, metricsBytes] = await Promise.all([
    readVerified(src, 'signature', src.files.signature),
    readVerified(src, 'metadata', src.files.metadata),
    src.files.metrics ? readVerified(src, 'metrics', src.files.metrics) : Promise.resolve(null),
  ]);
  const model = compileModel(modelBytes);
  return {
    // Development files have no version: name them by content so two builds are told apart.
    version: src.version ?? `dev-${sha256(modelBytes).slice(0, 12)}`,
    source: src.kind,
    requested: src.requested,
    model,
    signature: checkSignature(parseJson(sigBytes, 'signature')),
    metadata: parseJson(metaBytes, 'metadata'),
    metrics: metricsBytes ? (parseJson(metricsBytes, 'metrics') as MetricsFile) : null,
  };
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
    load: () => loadParts(settings),
    probe: champion ? () => championVersion(registryDir) : null,
    listModels: () => listRegistry(registryDir),
    watch: champion ? { dir: path.resolve(registryDir), file: 'champion.json' } : null,
  };
}
