import { AppError } from '../core/error-base.js';
import { trainedOnSynthetic } from '../model/provenance.js';
import { type CollectedArtifacts, collectArtifacts, summarizeMetrics } from './artifacts.js';
import {
  autoBump,
  type BumpCheck,
  type BumpVerdict,
  bumpError,
  checkBump,
  registeredVersions,
  sideOfArtifacts,
  type VersionSide,
} from './bump.js';
import { describeReason } from './bump-rules.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS, versionExistsError } from './errors.js';
import { MANIFEST_FILE, METADATA_FILE, SIGNATURE_FILE } from './layout.js';
import { deadLocalLeftover } from './leftovers.js';
import { serializeManifest, sha256 } from './manifest.js';
import { canonicalJson } from './model-diff.js';
import { type BumpKind, bumpVersion, parseVersion, type Version } from './semver.js';
import type { BumpOverride, Manifest, ManifestBump, RetrainRecord } from './types.js';
import { actor, gitCommitOf } from './who.js';

export interface RegisterOptions {
  /** The training output directory (development names, `_v1` suffix). */
  artifacts: string;
  /** vX.Y.Z; exactly one of `version` and `bump`. */
  version?: string;
  /** Compute the version from the latest registered one; `auto`: the smallest bump the rules allow. */
  bump?: BumpKind | 'auto';
  notes?: string;
  /** Who registers; default $USER. */
  by?: string;
  /** Register even when the bump is smaller than the versioning rules require (needs `reason`). */
  force?: boolean;
  /** Why the rules are overridden (recorded in the manifest). */
  reason?: string;
  /** Clock, for tests. */
  now?: () => Date;
  /** The retraining command's comparison with the champion, stored in the manifest as `retrain`. */
  retrain?: RetrainRecord;
  /**
   * The artifacts already read and checked (collectArtifacts / collectArtifactFiles of `artifacts`):
   * the retraining command collects them once, for its version plan and for the registration.
   */
  collected?: CollectedArtifacts;
}

/** The versioning rules' verdict for a registration: both verdicts, the step to the next version, overrides. */
export interface SemverCheck extends BumpVerdict {
  /** The bump the new version represents relative to `compared_with`. */
  actual: BumpKind | 'none' | null;
  next: BumpCheck['next'];
  /** Set when --force overrode the rules. */
  forced: BumpOverride | null;
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

/** Thrown inside the commit when the neighbours changed since the manifest was built: build it again. */
class VerdictMoved extends Error {}

interface Decided {
  check: BumpCheck;
  record: ManifestBump;
}

/**
 * Applies the rules to a registration: a breaking change of the API contract without the bump it needs
 * is refused (SEMVER_VIOLATION); any other change that needs more than the bump given is refused
 * (BUMP_TOO_SMALL) unless forced with a reason, which is recorded.
 */
async function decide(
  ctx: RegistryContext,
  version: Version,
  side: VersionSide,
  override: { by: string; reason: string } | null,
): Promise<Decided> {
  const check = await checkBump(ctx, version, side);
  const { verdict } = check;
  if (check.violations.length > 0 && (check.violations.some((v) => v.contract_break) || !override)) {
    throw bumpError(version, check.violations);
  }
  const forced: BumpOverride | null =
    check.violations.length > 0 && override
      ? {
          ...override,
          overridden: check.violations.map((v) => ({
            position: v.position,
            against: v.against,
            required: v.required,
            allowed: v.allowed,
            reasons: v.reasons.map(describeReason),
          })),
        }
      : null;
  const record: ManifestBump = {
    compared_with: verdict.compared_with,
    required: verdict.required,
    actual: check.actual,
    contract_required: verdict.contract.required,
    model_required: verdict.model.required,
    reasons: verdict.reasons,
    forced,
    ...(verdict.warning ? { warning: verdict.warning } : {}),
  };
  return { check, record };
}

function checkOptions(opts: RegisterOptions): { by: string; reason: string } | null {
  if ((opts.version === undefined) === (opts.bump === undefined)) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_INVALID,
      'Give exactly one of a version (--version vX.Y.Z) and --bump major|minor|patch|auto.',
      {},
    );
  }
  if (opts.bump !== undefined && !['major', 'minor', 'patch', 'auto'].includes(opts.bump)) {
    throw new AppError(
      REGISTRY_ERRORS.VERSION_INVALID,
      `--bump must be major, minor, patch or auto, not ${JSON.stringify(opts.bump)}.`,
      {},
    );
  }
  const reason = opts.reason?.trim() || null;
  if (opts.force && !reason) {
    throw new AppError(
      REGISTRY_ERRORS.REASON_REQUIRED,
      'Registering against the versioning rules (--force) needs --reason "why"; it is recorded in the manifest.',
      {},
    );
  }
  return opts.force ? { by: actor(opts.by), reason: reason! } : null;
}

/**
 * Registers a training run's artifacts as an immutable version: normalised names, manifest with
 * hashes, and the versioning rules (contract and model verdicts) against the neighbouring versions.
 * The version directory appears complete or not at all.
 */
export async function registerVersion(registry: RegistryRef, opts: RegisterOptions): Promise<RegisterResult> {
  const ctx = contextOf(registry);
  const override = checkOptions(opts);
  // Validate everything before touching the disk: a bad input leaves the registry as it was.
  const explicit = opts.version !== undefined ? parseVersion(opts.version) : null;
  const collected = opts.collected ?? (await collectArtifacts(opts.artifacts));
  const side = sideOfArtifacts(collected);
  const now = (opts.now ?? (() => new Date()))();
  const by = actor(opts.by);
  const gitCommit = await gitCommitOf(collected.directory);

  // Under the lock, and only what a dead process of this host left (never another host's by pid).
  const cleaned = (await ctx.storage.sweepLeftovers(deadLocalLeftover)).removed.length;
  for (let attempt = 1; ; attempt++) {
    const version = explicit ?? (await computedVersion(ctx, opts.bump!, side));
    if (await ctx.storage.hasVersion(version.text)) {
      if (explicit === null && attempt < MAX_BUMP_ATTEMPTS) continue; // taken since we listed: bump again
      throw versionExistsError(version.text);
    }
    const { check, record } = await decide(ctx, version, side, override);
    const manifest = buildManifest(version, collected, {
      now,
      by,
      gitCommit,
      notes: opts.notes ?? '',
      bump: record,
      ...(opts.retrain ? { retrain: opts.retrain } : {}),
    });
    try {
      await ctx.storage.writeVersion(
        version.text,
        [
          ...collected.artifacts.map((a) => ({ name: a.name, data: a.data })),
          { name: MANIFEST_FILE, data: serializeManifest(manifest) },
        ],
        // Again under the lock: a version registered meanwhile by someone else counts too, and the
        // verdict recorded in the manifest must be the one that holds at the commit.
        async () => {
          const again = await decide(ctx, version, side, override);
          if (canonicalJson(again.record) !== canonicalJson(record)) throw new VerdictMoved();
        },
      );
    } catch (err) {
      // --bump means "the next version": when another process took it first, compute it again.
      const lostBump =
        explicit === null && err instanceof AppError && err.spec === REGISTRY_ERRORS.VERSION_EXISTS;
      if ((lostBump || err instanceof VerdictMoved) && attempt < MAX_BUMP_ATTEMPTS) continue;
      throw err;
    }
    const { verdict } = check;
    return {
      version: version.text,
      registry: ctx.storage.location,
      manifest,
      ignored_files: collected.ignored,
      semver: { ...verdict, actual: check.actual, next: check.next, forced: record.forced },
      cleaned_leftovers: cleaned,
    };
  }
}

async function computedVersion(
  ctx: RegistryContext,
  bump: BumpKind | 'auto',
  side: VersionSide,
): Promise<Version> {
  const latest = (await registeredVersions(ctx)).at(-1) ?? null;
  return parseVersion(bumpVersion(latest, bump === 'auto' ? await autoBump(ctx, latest, side) : bump));
}

const MAX_BUMP_ATTEMPTS = 50;

function buildManifest(
  version: Version,
  collected: CollectedArtifacts,
  meta: {
    now: Date;
    by: string;
    gitCommit: string | null;
    notes: string;
    bump: ManifestBump;
    retrain?: RetrainRecord;
  },
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
    synthetic: trainedOnSynthetic(collected.artifacts.find((a) => a.name === METADATA_FILE)?.json),
    files,
    bump: meta.bump,
    ...(meta.retrain ? { retrain: meta.retrain } : {}),
  };
}
