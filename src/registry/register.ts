import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { collectArtifacts, summarizeMetrics } from './artifacts.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { MANIFEST_FILE } from './layout.js';
import { serializeManifest, sha256 } from './manifest.js';
import {
  type BumpKind,
  bumpBetween,
  bumpVersion,
  compareVersions,
  isVersion,
  parseVersion,
  sortVersions,
  type Version,
} from './semver.js';
import { diffSignatures, type SignatureChange } from './signature-diff.js';
import type { Manifest } from './types.js';
import { actor, gitCommitOf } from './who.js';

export interface RegisterOptions {
  /** The training output directory (development names, `_v1` suffix). */
  artifacts: string;
  /** vX.Y.Z; exactly one of `version` and `bump`. */
  version?: string;
  /** Compute the version from the latest registered one. */
  bump?: BumpKind;
  notes?: string;
  /** Who registers; default $USER. */
  by?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface SemverCheck {
  /** The registered version the signature was compared with (the highest one below the new one). */
  compared_with: string | null;
  /** Smallest bump the signature changes allow. */
  required: BumpKind;
  /** The bump the new version represents relative to `compared_with`. */
  actual: BumpKind | 'none' | null;
  changes: SignatureChange[];
  warning?: string;
}

export interface RegisterResult {
  version: string;
  registry: string;
  manifest: Manifest;
  /** Files of the artifacts directory that the name mapping did not take. */
  ignored_files: string[];
  semver: SemverCheck;
  /** Temp entries of crashed commands removed on the way. */
  cleaned_leftovers: number;
}

async function registeredVersions(ctx: RegistryContext): Promise<Version[]> {
  return sortVersions((await ctx.storage.listVersionNames()).filter(isVersion)).map(parseVersion);
}

/**
 * The semver rule from the signature: compared with the highest version below the new one, a
 * breaking change (removed/renamed/re-typed input, changed output...) needs a MAJOR bump. Within one
 * X.0.0 pre-release line (v2.0.0-rc.1 → v2.0.0) breaking changes are allowed, as semver intends.
 */
export async function checkSemver(
  ctx: RegistryContext,
  version: Version,
  signature: ModelSignature,
): Promise<SemverCheck> {
  const below = (await registeredVersions(ctx)).filter((v) => compareVersions(v, version) < 0);
  const prev = below.at(-1);
  if (!prev) return { compared_with: null, required: 'patch', actual: null, changes: [] };
  const raw = await ctx.storage.readFile(prev.text, 'signature.json');
  let prevSig: ModelSignature | null = null;
  try {
    prevSig = raw ? (JSON.parse(raw.toString('utf8')) as ModelSignature) : null;
  } catch {}
  if (!prevSig || !Array.isArray(prevSig.inputs) || !Array.isArray(prevSig.outputs)) {
    return {
      compared_with: null,
      required: 'patch',
      actual: null,
      changes: [],
      warning: `the signature of ${prev.text} is unreadable, so the semver rule could not be checked (run verify)`,
    };
  }
  const diff = diffSignatures(prevSig, signature);
  const actual = bumpBetween(prev, version);
  const sameMajorPreLine =
    prev.prerelease.length > 0 &&
    prev.minor === 0 &&
    prev.patch === 0 &&
    version.major === prev.major &&
    version.minor === 0 &&
    version.patch === 0;
  if (diff.required === 'major' && actual !== 'major' && !sameMajorPreLine) {
    const breaking = diff.changes.filter((c) => c.breaking).map((c) => c.detail);
    throw new AppError(
      REGISTRY_ERRORS.SEMVER_VIOLATION,
      `${version.text} changes the signature incompatibly with ${prev.text}: ${breaking.join('; ')}. That needs a MAJOR bump: register it as v${prev.major + 1}.0.0 (--bump major) or later.`,
      { version: version.text, compared_with: prev.text, changes: diff.changes },
    );
  }
  return { compared_with: prev.text, required: diff.required, actual, changes: diff.changes };
}

/**
 * Registers a training run's artifacts as an immutable version: normalised names, manifest with
 * hashes, semver rule from the signature. The version directory appears complete or not at all.
 */
export async function registerVersion(registry: RegistryRef, opts: RegisterOptions): Promise<RegisterResult> {
  const ctx = contextOf(registry);
  if ((opts.version === undefined) === (opts.bump === undefined)) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_INVALID,
      'Give exactly one of a version (--version vX.Y.Z) and --bump major|minor|patch.',
      {},
    );
  }
  if (opts.bump !== undefined && !['major', 'minor', 'patch'].includes(opts.bump)) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_INVALID,
      `--bump must be major, minor or patch, not ${JSON.stringify(opts.bump)}.`,
      {},
    );
  }
  // Validate everything before touching the disk: a bad input leaves the registry as it was.
  let version = opts.version !== undefined ? parseVersion(opts.version) : null;
  const collected = await collectArtifacts(opts.artifacts);
  if (!version)
    version = parseVersion(bumpVersion((await registeredVersions(ctx)).at(-1) ?? null, opts.bump!));
  if (await ctx.storage.hasVersion(version.text)) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_EXISTS,
      `Version ${version.text} is already registered; registered versions are immutable and never overwritten.`,
      { version: version.text },
    );
  }
  await checkSemver(ctx, version, collected.signature);

  const now = (opts.now ?? (() => new Date()))();
  const files: Manifest['files'] = {};
  for (const a of collected.artifacts) files[a.name] = { sha256: sha256(a.data), size: a.data.length };
  const manifest: Manifest = {
    manifest_version: 1,
    version: version.text,
    created_at: now.toISOString(),
    created_by: actor(opts.by),
    notes: opts.notes ?? '',
    source: {
      directory: collected.directory,
      git_commit: await gitCommitOf(collected.directory),
      files: Object.fromEntries(collected.artifacts.map((a) => [a.name, a.source])),
    },
    model_format_version: collected.model.format_version,
    signature_sha256: files['signature.json']!.sha256,
    metrics_summary: summarizeMetrics(collected.metrics),
    files,
  };

  let cleaned = 0;
  for (const l of await ctx.storage.listLeftovers()) {
    if (l.kind !== 'lock' && !l.ownerAlive) {
      await ctx.storage.removeLeftover(l);
      cleaned++;
    }
  }

  let semver: SemverCheck | undefined;
  const target = version;
  await ctx.storage.writeVersion(
    target.text,
    [
      ...collected.artifacts.map((a) => ({ name: a.name, data: a.data })),
      { name: MANIFEST_FILE, data: serializeManifest(manifest) },
    ],
    // Again under the lock: a version registered meanwhile by someone else counts too.
    async () => {
      semver = await checkSemver(ctx, target, collected.signature);
    },
  );
  return {
    version: target.text,
    registry: ctx.storage.location,
    manifest,
    ignored_files: collected.ignored,
    semver: semver!,
    cleaned_leftovers: cleaned,
  };
}
