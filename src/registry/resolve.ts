import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/error-base.js';
import { readChampion } from './champion-file.js';
import { contextOf, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import {
  ARTIFACT_MAPPING,
  BASELINE_FILE,
  MANIFEST_FILE,
  METADATA_FILE,
  METRICS_FILE,
  MODEL_FILE,
  SIGNATURE_FILE,
} from './layout.js';
import { sha256 } from './manifest.js';
import { versionProblem } from './semver.js';
import type { ModelFileRole, ResolvedModelSource } from './types.js';
import { inspectVersion } from './verify.js';

export { championFilePath, readChampion } from './champion-file.js';
export { listVersions } from './list.js';
export { verifyVersion } from './verify.js';

export interface ModelSourceSettings {
  modelVersion: string;
  modelPath: string;
  metadataPath: string;
  signaturePath: string;
  registryDir: string;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

/**
 * Which files to load for MODEL_VERSION:
 * - '' → the development files (MODEL_PATH, METADATA_PATH, SIGNATURE_PATH; metrics and baseline
 *   looked up beside the model with the same `_v1`-first names as `register`);
 * - 'champion' → the version champion.json points at;
 * - vX.Y.Z → that version.
 * A registry version is verified against its manifest first; any problem throws the precise AppError
 * and never falls back to another model.
 */
export async function resolveModelSource(
  settings: ModelSourceSettings,
  registry?: RegistryRef,
): Promise<ResolvedModelSource> {
  const requested = settings.modelVersion.trim();
  if (requested === '') return resolveDev(settings);
  const ctx = contextOf(registry ?? settings.registryDir);
  let version: string;
  let pinned: string | null = null;
  if (requested === 'champion') {
    if (!(await ctx.storage.exists())) {
      throw new AppError(
        REGISTRY_ERRORS.CHAMPION_NOT_SET,
        `MODEL_VERSION=champion but the registry ${ctx.storage.location} does not exist.`,
        { registry: ctx.storage.location },
      );
    }
    const champion = await readChampion(ctx);
    if (!champion) {
      throw new AppError(
        REGISTRY_ERRORS.CHAMPION_NOT_SET,
        `MODEL_VERSION=champion but no version has been promoted in ${ctx.storage.location}.`,
        { registry: ctx.storage.location },
      );
    }
    if (!(await ctx.storage.hasVersion(champion.version))) {
      throw new AppError(
        REGISTRY_ERRORS.CHAMPION_INVALID,
        `champion.json points at ${champion.version}, which does not exist in ${ctx.storage.location}.`,
        { registry: ctx.storage.location, version: champion.version },
      );
    }
    version = champion.version;
    pinned = champion.manifest_sha256;
  } else {
    const problem = versionProblem(requested);
    if (problem) {
      throw new AppError(
        REGISTRY_ERRORS.VERSION_INVALID,
        `MODEL_VERSION ${JSON.stringify(requested)} is not valid: use "" (development files), "champion" or a version like v1.2.3 (${problem}).`,
        { version: requested, rule: problem },
      );
    }
    if (!(await ctx.storage.hasVersion(requested))) {
      throw new AppError(
        REGISTRY_ERRORS.VERSION_NOT_FOUND,
        `MODEL_VERSION=${requested} is not in the registry ${ctx.storage.location}.`,
        { version: requested, registry: ctx.storage.location },
      );
    }
    version = requested;
  }
  // The manifest is read once: the bytes checked against the pin are the bytes the files are checked
  // against and the manifest returned.
  const { report, manifest } = await inspectVersion(ctx, version);
  if (!report.ok || !manifest) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `Refusing to load ${version}: ${report.problems.map((p) => p.message).join('; ')}.`,
      { version, problems: report.problems },
    );
  }
  if (pinned !== null && report.manifest_sha256 !== pinned) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `Refusing to load ${version}: its manifest.json changed after it was promoted (files and manifest rewritten together).`,
      { version, problems: [{ kind: 'manifest_changed', file: MANIFEST_FILE }] },
    );
  }
  const roles = Object.entries(ROLE_FILES).filter(([, name]) => manifest.files[name] !== undefined);
  return {
    kind: 'registry',
    version,
    requested,
    files: Object.fromEntries(
      roles.map(([role, name]) => [role, ctx.storage.localPath(version, name)]),
    ) as ResolvedModelSource['files'],
    sha256: Object.fromEntries(roles.map(([role, name]) => [role, manifest.files[name]!.sha256])),
    manifest,
  };
}

/** The registry file behind each role (model, metadata and signature are required by the manifest). */
const ROLE_FILES: Record<ModelFileRole, string> = {
  model: MODEL_FILE,
  metadata: METADATA_FILE,
  signature: SIGNATURE_FILE,
  metrics: METRICS_FILE,
  baseline: BASELINE_FILE,
};

/**
 * The loader's check of the bytes it read for a role: for a registry version they must have the
 * sha256 resolve verified (a missing hash is an integrity failure, never a skipped check);
 * development files carry no hashes.
 */
export function checkResolvedBytes(src: ResolvedModelSource, role: ModelFileRole, bytes: Buffer): void {
  if (src.kind !== 'registry') return;
  const expected = src.sha256?.[role];
  if (expected === undefined || sha256(bytes) !== expected) {
    throw new AppError(
      REGISTRY_ERRORS.INTEGRITY_FAILED,
      `Refusing to load ${src.version}: ${ROLE_FILES[role]} ${expected === undefined ? 'has no hash in the manifest' : 'changed after it was verified'}.`,
      { version: src.version, file: ROLE_FILES[role] },
    );
  }
}

async function resolveDev(settings: ModelSourceSettings): Promise<ResolvedModelSource> {
  const files = {
    model: path.resolve(settings.modelPath),
    metadata: path.resolve(settings.metadataPath),
    signature: path.resolve(settings.signaturePath),
  };
  const envOf = { model: 'MODEL_PATH', metadata: 'METADATA_PATH', signature: 'SIGNATURE_PATH' } as const;
  const missing: string[] = [];
  for (const key of ['model', 'metadata', 'signature'] as const) {
    if (!(await isFile(files[key]))) missing.push(`${envOf[key]}=${files[key]}`);
  }
  if (missing.length > 0) {
    throw new AppError(
      REGISTRY_ERRORS.ARTIFACTS_MISSING,
      `MODEL_VERSION is empty (development files) but these do not exist: ${missing.join(', ')}.`,
      { missing },
    );
  }
  const dir = path.dirname(files.model);
  const beside = async (name: string): Promise<string | undefined> => {
    for (const source of ARTIFACT_MAPPING.find((m) => m.name === name)!.sources) {
      const p = path.join(dir, source);
      if (await isFile(p)) return p;
    }
    return undefined;
  };
  const metrics = await beside(METRICS_FILE);
  const baseline = await beside(BASELINE_FILE);
  return {
    kind: 'dev',
    version: null,
    requested: '',
    files: { ...files, ...(metrics ? { metrics } : {}), ...(baseline ? { baseline } : {}) },
  };
}
