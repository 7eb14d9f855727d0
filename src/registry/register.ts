import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { type CollectedArtifacts, collectArtifacts, summarizeMetrics } from './artifacts.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS, versionExistsError } from './errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from './layout.js';
import { deadLocalLeftover } from './leftovers.js';
import { serializeManifest, sha256 } from './manifest.js';
import {
  allowsBreakingChange,
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

async function signatureOf(ctx: RegistryContext, version: Version): Promise<ModelSignature | null> {
  const raw = await ctx.storage.readFile(version.text, SIGNATURE_FILE).catch(() => null);
  let sig: ModelSignature | null = null;
  try {
    sig = raw ? (JSON.parse(raw.toString('utf8')) as ModelSignature) : null;
  } catch {}
  return sig && Array.isArray(sig.inputs) && Array.isArray(sig.outputs) ? sig : null;
}

/** The breaking changes from `lower` to `upper` that their version numbers do not allow, else null. */
function unallowedBreaks(lower: Version, lowerSig: ModelSignature, upper: Version, upperSig: ModelSignature) {
  const diff = diffSignatures(lowerSig, upperSig);
  const breaking = diff.required === 'major' && !allowsBreakingChange(lower, upper);
  return { diff, breaks: breaking ? diff.changes.filter((c) => c.breaking).map((c) => c.detail) : null };
}

/**
 * The semver rule from the signature: compared with the highest version below the new one, a
 * breaking change (removed/renamed/re-typed input, changed output...) needs a MAJOR bump. A version
 * slotted in below an existing one of the same major line must also be compatible with it, or the
 * registry would hold a breaking change without a MAJOR bump (v1.0.0 → new v1.1.0 → old v1.2.0).
 */
export async function checkSemver(
  ctx: RegistryContext,
  version: Version,
  signature: ModelSignature,
): Promise<SemverCheck> {
  const all = await registeredVersions(ctx);
  const next = all.find((v) => compareVersions(v, version) > 0);
  if (next) {
    const nextSig = await signatureOf(ctx, next);
    const after = nextSig ? unallowedBreaks(version, signature, next, nextSig).breaks : null;
    if (after) {
      throw new AppError(
        REGISTRY_ERRORS.SEMVER_VIOLATION,
        `${version.text} would sit below ${next.text} in the same major line, but the signature of ${next.text} is incompatible with it: ${after.join('; ')}. Register it with a new MAJOR version above the existing ones (--bump major), or with a signature compatible with both neighbours.`,
        { version: version.text, compared_with: next.text },
      );
    }
  }
  const prev = all.filter((v) => compareVersions(v, version) < 0).at(-1);
  if (!prev) return { compared_with: null, required: 'patch', actual: null, changes: [] };
  const prevSig = await signatureOf(ctx, prev);
  if (!prevSig) {
    return {
      compared_with: null,
      required: 'patch',
      actual: null,
      changes: [],
      warning: `the signature of ${prev.text} is unreadable, so the semver rule could not be checked (run verify)`,
    };
  }
  const { diff, breaks } = unallowedBreaks(prev, prevSig, version, signature);
  if (breaks) {
    throw new AppError(
      REGISTRY_ERRORS.SEMVER_VIOLATION,
      `${version.text} changes the signature incompatibly with ${prev.text}: ${breaks.join('; ')}. That needs a MAJOR bump: register it as v${prev.major + 1}.0.0 (--bump major) or later.`,
      { version: version.text, compared_with: prev.text, changes: diff.changes },
    );
  }
  return {
    compared_with: prev.text,
    required: diff.required,
    actual: bumpBetween(prev, version),
    changes: diff.changes,
  };
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
  const explicit = opts.version !== undefined ? parseVersion(opts.version) : null;
  const collected = await collectArtifacts(opts.artifacts);
  const now = (opts.now ?? (() => new Date()))();
  const by = actor(opts.by);
  const gitCommit = await gitCommitOf(collected.directory);

  // Under the lock, and only what a dead process of this host left (never another host's by pid).
  const cleaned = (await ctx.storage.sweepLeftovers(deadLocalLeftover)).removed.length;
  for (let attempt = 1; ; attempt++) {
    const version =
      explicit ?? parseVersion(bumpVersion((await registeredVersions(ctx)).at(-1) ?? null, opts.bump!));
    if (await ctx.storage.hasVersion(version.text)) {
      if (explicit === null && attempt < MAX_BUMP_ATTEMPTS) continue; // taken since we listed: bump again
      throw versionExistsError(version.text);
    }
    await checkSemver(ctx, version, collected.signature);
    const manifest = buildManifest(version, collected, { now, by, gitCommit, notes: opts.notes ?? '' });

    let semver: SemverCheck | undefined;
    try {
      await ctx.storage.writeVersion(
        version.text,
        [
          ...collected.artifacts.map((a) => ({ name: a.name, data: a.data })),
          { name: MANIFEST_FILE, data: serializeManifest(manifest) },
        ],
        // Again under the lock: a version registered meanwhile by someone else counts too.
        async () => {
          semver = await checkSemver(ctx, version, collected.signature);
        },
      );
    } catch (err) {
      // --bump means "the next version": when another process took it first, compute it again.
      const lostBump =
        explicit === null && err instanceof AppError && err.spec === REGISTRY_ERRORS.VERSION_EXISTS;
      if (lostBump && attempt < MAX_BUMP_ATTEMPTS) continue;
      throw err;
    }
    return {
      version: version.text,
      registry: ctx.storage.location,
      manifest,
      ignored_files: collected.ignored,
      semver: semver!,
      cleaned_leftovers: cleaned,
    };
  }
}

const MAX_BUMP_ATTEMPTS = 50;

function buildManifest(
  version: Version,
  collected: CollectedArtifacts,
  meta: { now: Date; by: string; gitCommit: string | null; notes: string },
): Manifest {
  const files: Manifest['files'] = {};
  for (const a of collected.artifacts) files[a.name] = { sha256: sha256(a.data), size: a.data.length };
  return {
    manifest_version: 1,
    version: version.text,
    created_at: meta.now.toISOString(),
    created_by: meta.by,
    notes: meta.notes,
    source: {
      directory: collected.directory,
      git_commit: meta.gitCommit,
      files: Object.fromEntries(collected.artifacts.map((a) => [a.name, a.source])),
    },
    model_format_version: collected.model.format_version,
    signature_sha256: files[SIGNATURE_FILE]!.sha256,
    metrics_summary: summarizeMetrics(collected.metrics),
    files,
  };
}
