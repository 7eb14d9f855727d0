/**
 * MODEL_VERSION resolved and loaded: the files `resolveModelSource` names (hashes verified there) are
 * read once, each registry file's bytes checked again against the manifest (no window between verify
 * and read), then parsed and compiled by the model module. The server's loader and cohort scoring both
 * load through here, so `defasagem score` resolves a model exactly as the API does. No fallback: any
 * problem throws, with the caller's own error code for an unreadable or broken file.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type AppError, isAppError } from '../core/error-base.js';
import { type LoadedModelV1, loadModel } from '../model/load.js';
import type { MetricsFile, ModelSignature } from '../model/types.js';
import { checkResolvedBytes, type ModelSourceSettings, resolveModelSource } from './resolve.js';
import type { ModelFileRole, ResolvedModelSource } from './types.js';

/** The verified, parsed files of one model version. */
export interface ResolvedModel {
  /** `v1.2.0` for registry versions; `dev-<sha256 prefix of the model file>` for development files. */
  version: string;
  source: 'dev' | 'registry';
  /** What MODEL_VERSION asked for: '', 'champion' or 'vX.Y.Z'. */
  requested: string;
  model: LoadedModelV1;
  signature: ModelSignature;
  metadata: unknown;
  metrics: MetricsFile | null;
}

/** Builds the caller's error for a file that cannot be read, parsed or compiled. */
export type LoadFailure = (message: string, details?: Record<string, unknown>, cause?: unknown) => AppError;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function parseJson(bytes: Buffer, what: string, fail: LoadFailure): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw fail(`The ${what} file is not valid JSON.`, { file: what }, err);
  }
}

/** The minimum a signature needs for a validator to be compiled from it and a warm-up to run. */
export function checkSignature(value: unknown, fail: LoadFailure): ModelSignature {
  const s = value as Partial<ModelSignature> | null;
  if (typeof s !== 'object' || s === null || Array.isArray(s))
    throw fail('The signature is not a JSON object.');
  if (s.signature_version !== 1) throw fail('The signature has an unsupported signature_version.');
  if (!Array.isArray(s.inputs) || s.inputs.length === 0) throw fail('The signature has no inputs.');
  if (typeof s.example_request !== 'object' || s.example_request === null)
    throw fail('The signature has no example_request to warm the model up with.');
  return s as ModelSignature;
}

/** One file's bytes, checked against the manifest when it comes from the registry. */
async function readVerified(
  src: ResolvedModelSource,
  name: ModelFileRole,
  file: string,
  fail: LoadFailure,
): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fail(
      `Cannot read the ${name} file of ${src.version ?? 'the development model'}.`,
      { file: name },
      err,
    );
  }
  checkResolvedBytes(src, name, bytes);
  return bytes;
}

function compileModel(modelBytes: Buffer, fail: LoadFailure): LoadedModelV1 {
  try {
    return loadModel(parseJson(modelBytes, 'model', fail));
  } catch (err) {
    if (isAppError(err)) throw err;
    throw fail(`The model file could not be compiled: ${(err as Error).message}`, undefined, err);
  }
}

/** Resolves MODEL_VERSION (see resolveModelSource) and loads that model's files. */
export async function loadResolvedModel(
  settings: ModelSourceSettings,
  fail: LoadFailure,
): Promise<ResolvedModel> {
  const src = await resolveModelSource(settings);
  const modelBytes = await readVerified(src, 'model', src.files.model, fail);
  const [sigBytes, metaBytes, metricsBytes] = await Promise.all([
    readVerified(src, 'signature', src.files.signature, fail),
    readVerified(src, 'metadata', src.files.metadata, fail),
    src.files.metrics ? readVerified(src, 'metrics', src.files.metrics, fail) : Promise.resolve(null),
  ]);
  const model = compileModel(modelBytes, fail);
  return {
    // Development files have no version: name them by content so two builds are told apart.
    version: src.version ?? `dev-${sha256(modelBytes).slice(0, 12)}`,
    source: src.kind,
    requested: src.requested,
    model,
    signature: checkSignature(parseJson(sigBytes, 'signature', fail), fail),
    metadata: parseJson(metaBytes, 'metadata', fail),
    metrics: metricsBytes ? (parseJson(metricsBytes, 'metrics', fail) as MetricsFile) : null,
  };
}
