/**
 * The baseline of a model version, as the server and `defasagem monitor drift` find it: `baseline.json`
 * of a registered version (its bytes checked against the version's manifest), or `baseline_v1.json`
 * beside MODEL_PATH for development files (served as `dev-<first 12 hex of the model's sha256>`). The
 * baseline must name the model it is read for: a version 2 baseline whose `model.sha256` is not the
 * served model file's is refused (BASELINE_MISMATCH); a version 1 baseline, which names no model, is
 * accepted and reported as unverified.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError, isAppError } from '../core/error-base.js';
import {
  BASELINE_FILE,
  contextOf,
  MODEL_FILE,
  type ModelSourceSettings,
  type RegistryRef,
  readManifest,
  readVerifiedFile,
  resolveModelSource,
} from '../registry/index.js';
import { type MonitorBaseline, parseBaseline } from './baseline.js';
import { MONITOR_ERRORS } from './errors.js';

export interface ModelBaseline {
  modelVersion: string;
  baseline: MonitorBaseline;
  /** sha256 of the model file the baseline was checked against. */
  modelSha256: string;
  /** True when the baseline names this model (version 2); false for version 1 files. */
  verified: boolean;
}

/** The prefix development versions are named with (the loader's `dev-<sha256 prefix>`). */
export const DEV_VERSION_PREFIX = 'dev-';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function parse(bytes: Buffer, where: string): MonitorBaseline {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AppError(MONITOR_ERRORS.BASELINE_INVALID, `The baseline of ${where} is not valid JSON.`, {
      field: 'document',
    });
  }
  return parseBaseline(json);
}

const notFound = (version: string): AppError =>
  new AppError(
    MONITOR_ERRORS.BASELINE_NOT_FOUND,
    `Model version ${version} has no training baseline (${BASELINE_FILE}).`,
    { model_version: version },
  );

/** Checks that `baseline` belongs to the model file with sha256 `modelSha256`. */
export function checkBaselineModel(
  version: string,
  baseline: MonitorBaseline,
  modelSha256: string,
): ModelBaseline {
  const named = baseline.model?.sha256;
  if (named !== undefined && named !== modelSha256) {
    throw new AppError(
      MONITOR_ERRORS.BASELINE_MISMATCH,
      `The baseline beside ${version} was written for another model file (sha256 ${named.slice(0, 12)}…, the model is ${modelSha256.slice(0, 12)}…).`,
      { model_version: version, baseline_model_sha256: named, model_sha256: modelSha256 },
    );
  }
  return { modelVersion: version, baseline, modelSha256, verified: named !== undefined };
}

async function registryBaseline(registry: RegistryRef, version: string): Promise<ModelBaseline> {
  const ctx = contextOf(registry);
  const manifest = await readManifest(ctx.storage, version);
  if (!manifest) throw notFound(version);
  const model = manifest.files[MODEL_FILE];
  if (!manifest.files[BASELINE_FILE] || !model) throw notFound(version);
  const bytes = await readVerifiedFile(ctx.storage, manifest, BASELINE_FILE);
  return checkBaselineModel(version, parse(bytes, version), model.sha256);
}

async function devBaseline(settings: ModelSourceSettings, version: string): Promise<ModelBaseline> {
  const src = await resolveModelSource({ ...settings, modelVersion: '' });
  const modelSha = sha256(await readFile(src.files.model));
  if (`${DEV_VERSION_PREFIX}${modelSha.slice(0, 12)}` !== version) {
    throw new AppError(
      MONITOR_ERRORS.BASELINE_MISMATCH,
      `The development model file changed since ${version} was loaded; its baseline cannot be matched to it.`,
      { model_version: version, model_sha256: modelSha },
    );
  }
  if (!src.files.baseline) throw notFound(version);
  return checkBaselineModel(version, parse(await readFile(src.files.baseline), version), modelSha);
}

/**
 * The baseline of `version`: a registry version from `registry`, a `dev-…` version from the
 * development files. BASELINE_NOT_FOUND, BASELINE_INVALID, BASELINE_MISMATCH or the registry's
 * integrity errors when it cannot be used.
 */
export async function baselineOfVersion(
  source: ModelSourceSettings,
  version: string,
  registry: RegistryRef = source.registryDir,
): Promise<ModelBaseline> {
  try {
    return version.startsWith(DEV_VERSION_PREFIX)
      ? await devBaseline(source, version)
      : await registryBaseline(registry, version);
  } catch (err) {
    if (isAppError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(version);
    throw new AppError(
      MONITOR_ERRORS.BASELINE_INVALID,
      `Cannot read the baseline of ${version} (${code ?? 'unknown error'}).`,
      { model_version: version },
      { cause: err },
    );
  }
}
