/**
 * The bump a new version needs: the largest of the contract verdict (the signature diff) and the
 * model verdict (the model diff), against the registered version just below it, and checked against
 * the one just above it. `register` enforces it; `requiredBump` and `nextVersion` are what
 * `registry next-version` and the retraining command call.
 */
import { AppError } from '../core/error-base.js';
import type { ModelSignature } from '../model/types.js';
import { type CollectedArtifacts, collectArtifacts } from './artifacts.js';
import { type BumpReason, describeReason, reasonFor } from './bump-rules.js';
import { contextOf, type RegistryContext, type RegistryRef } from './context.js';
import { REGISTRY_ERRORS } from './errors.js';
import { METADATA_FILE, MODEL_FILE, SIGNATURE_FILE } from './layout.js';
import { readManifest, readVerifiedFile } from './manifest.js';
import { diffModels, type ModelDiff, type ModelFacts, modelFacts } from './model-diff.js';
import {
  allowedBump,
  type BumpKind,
  bumpBetween,
  bumpCovers,
  bumpVersion,
  compareVersions,
  isVersion,
  maxBump,
  parseVersion,
  sortVersions,
  type Version,
} from './semver.js';
import { diffSignatures, type SignatureChange } from './signature-diff.js';
import type { Manifest } from './types.js';

/** What the rules compare of a version or of a training run's artifacts. */
export interface VersionSide {
  signature: ModelSignature;
  facts: ModelFacts;
}

/** The two verdicts between two models and the bump they need together. */
export interface Verdict {
  /** The largest of the two. */
  required: BumpKind;
  contract: { required: BumpKind; changes: SignatureChange[] };
  model: ModelDiff;
  /** Every change (contract first, then model), each with the rule it falls under. */
  reasons: BumpReason[];
}

export interface BumpVerdict extends Verdict {
  /** The registered version compared with (the highest one below); null when there is none. */
  compared_with: string | null;
  /** Set when that version could not be read, so no rule could be checked. */
  warning?: string;
}

export async function registeredVersions(ctx: RegistryContext): Promise<Version[]> {
  return sortVersions((await ctx.storage.listVersionNames()).filter(isVersion)).map(parseVersion);
}

/** The contract and model verdicts from `before` (older) to `after`. */
export function verdictBetween(before: VersionSide, after: VersionSide): Verdict {
  const signature = diffSignatures(before.signature, after.signature);
  const model = diffModels(before.facts, after.facts);
  const contract = signature.changes.map((c) =>
    reasonFor('contract', c.kind, c.breaking ? 'breaking_contract' : 'compatible_contract', c.detail),
  );
  return {
    required: maxBump(signature.required, model.required),
    contract: { required: signature.required, changes: signature.changes },
    model,
    reasons: [...contract, ...model.changes],
  };
}

const isSignature = (s: unknown): s is ModelSignature =>
  typeof s === 'object' &&
  s !== null &&
  Array.isArray((s as ModelSignature).inputs) &&
  Array.isArray((s as ModelSignature).outputs);

/**
 * A registered version's signature and model facts, each file checked against its manifest (read here,
 * or the one given); null when unreadable or tampered with.
 */
export async function readSide(
  ctx: RegistryContext,
  version: string,
  known?: Manifest,
): Promise<VersionSide | null> {
  try {
    const manifest = known ?? (await readManifest(ctx.storage, version));
    if (!manifest) return null;
    const bytes = (name: string) => readVerifiedFile(ctx.storage, manifest, name);
    const json = async (name: string) => JSON.parse((await bytes(name)).toString('utf8')) as unknown;
    const signature = await json(SIGNATURE_FILE);
    if (!isSignature(signature)) return null;
    // Every file is read and checked against the manifest each time; only the parse and the facts of
    // content already seen (the same sha256) are reused.
    const model = await bytes(MODEL_FILE);
    const metadata = await bytes(METADATA_FILE);
    const key = `${manifest.files[MODEL_FILE]!.sha256}:${manifest.files[METADATA_FILE]!.sha256}`;
    let facts = FACTS_BY_CONTENT.get(key);
    if (!facts) {
      facts = modelFacts(JSON.parse(model.toString('utf8')), JSON.parse(metadata.toString('utf8')));
      if (FACTS_BY_CONTENT.size >= 64) FACTS_BY_CONTENT.delete(FACTS_BY_CONTENT.keys().next().value!);
      FACTS_BY_CONTENT.set(key, facts);
    }
    return { signature, facts };
  } catch {
    return null;
  }
}

/**
 * Model facts by the sha256 of the model and metadata files they were read from: the same bytes give
 * the same facts, and a registration compares with the same neighbour several times (its version plan,
 * the rules, again under the lock), each a parse of a large model file. Facts are never modified.
 */
const FACTS_BY_CONTENT = new Map<string, ModelFacts>();
const SIDE_OF_ARTIFACTS = new WeakMap<CollectedArtifacts, VersionSide>();

export function sideOfArtifacts(collected: CollectedArtifacts): VersionSide {
  let side = SIDE_OF_ARTIFACTS.get(collected);
  if (!side) {
    const metadata = collected.artifacts.find((a) => a.name === METADATA_FILE)?.json;
    side = { signature: collected.signature, facts: modelFacts(collected.model, metadata) };
    SIDE_OF_ARTIFACTS.set(collected, side);
  }
  return side;
}

const unreadable = (version: string) =>
  `${version} is unreadable or fails its integrity check, so the versioning rules could not be checked against it (run verify)`;

/** The verdict of `side` against a registered version (null: the first version, nothing to compare). */
async function verdictAgainst(
  ctx: RegistryContext,
  lower: Version | null,
  side: VersionSide,
): Promise<BumpVerdict> {
  const none: Verdict = {
    required: 'patch',
    contract: { required: 'patch', changes: [] },
    model: { required: 'patch', changes: [] },
    reasons: [],
  };
  if (!lower) return { compared_with: null, ...none };
  const before = await readSide(ctx, lower.text);
  if (!before) return { compared_with: null, ...none, warning: unreadable(lower.text) };
  return { compared_with: lower.text, ...verdictBetween(before, side) };
}

/** A step between two neighbouring versions whose numbers are too close for their changes. */
export interface BumpViolation {
  /** The new version sits `above` the version it is compared with, or `below` it. */
  position: 'above' | 'below';
  against: string;
  required: BumpKind;
  /** The largest change the step between the two numbers allows. */
  allowed: BumpKind | 'none';
  /** The changes that need more than `allowed`. */
  reasons: BumpReason[];
  /** A breaking change of the API contract: never overridable. */
  contract_break: boolean;
  /** The smallest version above the lower one that the rules allow. */
  smallest_allowed: string | null;
}

export interface BumpCheck {
  verdict: BumpVerdict;
  /** The bump the new version is from `verdict.compared_with` (null when there is none). */
  actual: BumpKind | 'none' | null;
  /** The registered version just above the new one and what the step to it needs, if there is one. */
  next: { version: string; required: BumpKind; allowed: BumpKind | 'none'; reasons: BumpReason[] } | null;
  violations: BumpViolation[];
}

/** The smallest bump kind whose version from `lower` the rules allow; the first version is v1.0.0. */
function smallestKind(lower: Version | null, required: BumpKind): BumpKind {
  if (!lower) return 'major';
  const kinds = ['patch', 'minor', 'major'] as const;
  return (
    kinds.find((k) => bumpCovers(allowedBump(lower, parseVersion(bumpVersion(lower, k))), required)) ??
    'major'
  );
}

/** The smallest version above `lower` whose step from it allows `required`. */
export function smallestAllowed(lower: Version | null, required: BumpKind): string {
  return bumpVersion(lower, smallestKind(lower, required));
}

function violation(
  position: BumpViolation['position'],
  lower: Version,
  upper: Version,
  verdict: Verdict,
): BumpViolation | null {
  const allowed = allowedBump(lower, upper);
  if (bumpCovers(allowed, verdict.required)) return null;
  const reasons = verdict.reasons.filter((r) => !bumpCovers(allowed, r.bump));
  return {
    position,
    against: (position === 'above' ? lower : upper).text,
    required: verdict.required,
    allowed,
    reasons,
    contract_break: reasons.some((r) => r.rule === 'breaking_contract'),
    smallest_allowed: smallestAllowed(lower, verdict.required),
  };
}

/**
 * The rules for `version` holding `side`: against the highest registered version below it (the bump
 * must cover the changes), and against the lowest one above it (the step from the new version to it
 * must cover that step's changes, or the registry would hold e.g. an algorithm change between v1.1.0
 * and v1.2.0).
 */
export async function checkBump(
  ctx: RegistryContext,
  version: Version,
  side: VersionSide,
): Promise<BumpCheck> {
  const all = await registeredVersions(ctx);
  const lower = all.filter((v) => compareVersions(v, version) < 0).at(-1) ?? null;
  const upper = all.find((v) => compareVersions(v, version) > 0) ?? null;
  const verdict = await verdictAgainst(ctx, lower, side);
  const violations: BumpViolation[] = [];
  const below = lower && verdict.compared_with ? violation('above', lower, version, verdict) : null;
  if (below) violations.push(below);
  let next: BumpCheck['next'] = null;
  const upperSide = upper ? await readSide(ctx, upper.text) : null;
  if (upper && upperSide) {
    const step = verdictBetween(side, upperSide);
    next = {
      version: upper.text,
      required: step.required,
      allowed: allowedBump(version, upper),
      reasons: step.reasons,
    };
    const above = violation('below', version, upper, step);
    if (above) violations.push(above);
  }
  return {
    verdict,
    actual: lower && verdict.compared_with ? bumpBetween(lower, version) : null,
    next,
    violations,
  };
}

const upperCase = (b: string) => b.toUpperCase();

/** The refusal: each change that needs more than the numbers allow, its rule, and what to do instead. */
export function bumpError(version: Version, violations: readonly BumpViolation[]): AppError {
  const contract = violations.some((v) => v.contract_break);
  const parts = violations.map((v) => {
    const changes = v.reasons.map(describeReason).join('; ');
    return v.position === 'above'
      ? `${version.text} is a ${upperCase(v.allowed)} bump from ${v.against}, but its changes need ${upperCase(v.required)}: ${changes}. The smallest version allowed is ${v.smallest_allowed} (\`--bump ${v.required}\` takes the next free ${v.required} version; \`registry next-version\` shows it)`
      : `${version.text} would sit below ${v.against} in the registry, but ${v.against} differs from it by changes that need ${upperCase(v.required)} and ${version.text} → ${v.against} is only a ${upperCase(v.allowed)} step: ${changes}. Register it above the existing versions (\`--bump ${v.required}\`) instead`;
  });
  const tail = contract
    ? ' A breaking change of the API contract cannot be forced: clients of the API would fail.'
    : ' If the rules misjudge this change, register it anyway with --force --reason "why" (recorded in the manifest).';
  return new AppError(
    contract ? REGISTRY_ERRORS.SEMVER_VIOLATION : REGISTRY_ERRORS.BUMP_TOO_SMALL,
    `${parts.join('. ')}.${tail}`,
    {
      version: version.text,
      violations: violations.map((v) => ({
        position: v.position,
        against: v.against,
        required: v.required,
        allowed: v.allowed,
        smallest_allowed: v.smallest_allowed,
        reasons: v.reasons,
      })),
    },
  );
}

async function sideOf(artifacts: string | CollectedArtifacts): Promise<VersionSide> {
  return sideOfArtifacts(typeof artifacts === 'string' ? await collectArtifacts(artifacts) : artifacts);
}

/**
 * The verdict for a training run's artifacts (a directory, or artifacts already collected) against
 * the registered version just below `version`, or against the highest registered version when no
 * version is given (what `--bump` compares with).
 */
export async function requiredBump(
  registry: RegistryRef,
  artifacts: string | CollectedArtifacts,
  version?: string,
): Promise<BumpVerdict> {
  const ctx = contextOf(registry);
  const side = await sideOf(artifacts);
  const all = await registeredVersions(ctx);
  const at = version === undefined ? null : parseVersion(version);
  const lower = at ? (all.filter((v) => compareVersions(v, at) < 0).at(-1) ?? null) : (all.at(-1) ?? null);
  return verdictAgainst(ctx, lower, side);
}

export interface NextVersion {
  /** The highest registered version (what the bump starts from), null in an empty registry. */
  latest: string | null;
  /** The version the bump gives. */
  version: string;
  bump: BumpKind;
  /** The smallest bump the rules allow and the version it gives. */
  required: BumpKind;
  smallest_allowed: string;
  /** Whether `version` satisfies the rules (always true without an explicit bump). */
  ok: boolean;
  verdict: BumpVerdict;
}

/**
 * The next version for a training run's artifacts: from the highest registered version, with `bump`
 * when given (and whether the rules allow it), else with the smallest bump the rules allow.
 */
export async function nextVersion(
  registry: RegistryRef,
  artifacts: string | CollectedArtifacts,
  bump?: BumpKind,
): Promise<NextVersion> {
  const ctx = contextOf(registry);
  const side = await sideOf(artifacts);
  const latest = (await registeredVersions(ctx)).at(-1) ?? null;
  const verdict = await verdictAgainst(ctx, latest, side);
  const needed = smallestKind(latest, verdict.required);
  const kind = bump ?? needed;
  const version = bumpVersion(latest, kind);
  return {
    latest: latest?.text ?? null,
    version,
    bump: kind,
    required: verdict.required,
    smallest_allowed: bumpVersion(latest, needed),
    ok: !latest || bumpCovers(allowedBump(latest, parseVersion(version)), verdict.required),
    verdict,
  };
}

/** The bump kind `auto` resolves to for `side`: the smallest the rules allow from `latest`. */
export async function autoBump(
  ctx: RegistryContext,
  latest: Version | null,
  side: VersionSide,
): Promise<BumpKind> {
  return smallestKind(latest, (await verdictAgainst(ctx, latest, side)).required);
}
