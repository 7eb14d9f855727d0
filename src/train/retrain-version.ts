/**
 * The version a retrain registers, checked by the registry's versioning rules before anything is
 * written: the same refusal as `registry register` (BUMP_TOO_SMALL naming each change and the smallest
 * version allowed; SEMVER_VIOLATION for a breaking API change), so a dry run reports it too. The
 * registration checks again under the lock.
 */
import type { CollectedArtifacts } from '../registry/artifacts.js';
import { bumpError, checkBump, nextVersion, registeredVersions, sideOfArtifacts } from '../registry/bump.js';
import { describeReason } from '../registry/bump-rules.js';
import type { RegistryContext } from '../registry/context.js';
import { versionExistsError } from '../registry/errors.js';
import { type BumpKind, bumpVersion, parseVersion } from '../registry/semver.js';

export interface PlannedVersion {
  version: string;
  bump: {
    /** The registered version it is compared with (the highest below it), null for none. */
    compared_with: string | null;
    /** The bump the changes need, and the bump the version number is. */
    required: BumpKind;
    actual: BumpKind | 'none' | null;
    /** Every change with its rule, one line each. */
    reasons: string[];
  };
}

export async function planVersion(
  ctx: RegistryContext,
  collected: CollectedArtifacts,
  opts: { newVersion?: string; bump?: BumpKind | 'auto' },
): Promise<PlannedVersion> {
  const side = sideOfArtifacts(collected);
  let text: string;
  if (opts.newVersion !== undefined) text = opts.newVersion;
  else if (opts.bump === 'auto') text = (await nextVersion(ctx, collected)).version;
  else text = bumpVersion((await registeredVersions(ctx)).at(-1) ?? null, opts.bump!);
  const version = parseVersion(text);
  if (await ctx.storage.hasVersion(version.text)) throw versionExistsError(version.text);
  const check = await checkBump(ctx, version, side);
  if (check.violations.length > 0) throw bumpError(version, check.violations);
  return {
    version: version.text,
    bump: {
      compared_with: check.verdict.compared_with,
      required: check.verdict.required,
      actual: check.actual,
      reasons: check.verdict.reasons.map(describeReason),
    },
  };
}
