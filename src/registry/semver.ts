import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';

/**
 * Strict semantic versions for registry directories: `v` + MAJOR.MINOR.PATCH with an optional
 * pre-release (no build metadata). Only ASCII is accepted, so a version string can never be a path
 * (`../x`, `/abs`) nor a look-alike (full-width digits, Cyrillic `v`).
 */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers, e.g. ['rc', 1]; empty for a release. */
  prerelease: Array<string | number>;
  /** The canonical text, e.g. `v1.2.3-rc.1`. */
  text: string;
}

export type BumpKind = 'major' | 'minor' | 'patch';

const MAX_LENGTH = 64;
const NUM = '(0|[1-9][0-9]*)';
const PRE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const VERSION_RE = new RegExp(`^v${NUM}\\.${NUM}\\.${NUM}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?$`);

/** Why `raw` is not a version, in words a user can act on; null when it is one. */
export function versionProblem(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length === 0) return 'the version is empty';
  if (raw.length > MAX_LENGTH) return `the version is longer than ${MAX_LENGTH} characters`;
  for (const ch of raw) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7e || cp < 0x21) {
      return `it contains the character U+${cp.toString(16).toUpperCase().padStart(4, '0')}, only ASCII letters, digits, '.', '-' are allowed`;
    }
  }
  if (/[/\\]/.test(raw) || raw.includes('..'))
    return 'it looks like a path; a version is a name, never a path';
  const m = VERSION_RE.exec(raw);
  if (m) {
    // Numeric pre-release identifiers are compared as numbers too: beyond 2^53 two of them would tie.
    const numericPre = (m[4] ?? '').split('.').filter((id) => /^[0-9]+$/.test(id));
    for (const n of [m[1], m[2], m[3], ...numericPre]) {
      if (!Number.isSafeInteger(Number(n))) return 'a version number is too large';
    }
    return null;
  }
  if (/^[0-9]/.test(raw) && VERSION_RE.test(`v${raw}`))
    return `it lacks the leading "v" (did you mean v${raw}?)`;
  if (/^v[0-9]+(\.[0-9]+)?$/.test(raw)) return 'it needs three numbers, MAJOR.MINOR.PATCH (e.g. v1.2.0)';
  if (/(^v|\.)0[0-9]/.test(raw)) return 'numbers must not have leading zeros (write v1.2.3, not v01.2.3)';
  if (raw.includes('+')) return 'build metadata (+...) is not allowed';
  return 'expected v + MAJOR.MINOR.PATCH with an optional -pre.release (e.g. v1.2.3 or v2.0.0-rc.1)';
}

export function isVersion(raw: string): boolean {
  return versionProblem(raw) === null;
}

/** Parses a version or throws VERSION_INVALID naming the rule. */
export function parseVersion(raw: string): Version {
  const problem = versionProblem(raw);
  if (problem !== null) {
    // The raw value is echoed JSON-escaped so control characters and look-alikes are visible.
    throw new AppError(
      REGISTRY_ERRORS.VERSION_INVALID,
      `Invalid version ${JSON.stringify(raw)}: ${problem}.`,
      {
        version: raw,
        rule: problem,
      },
    );
  }
  const m = VERSION_RE.exec(raw)!;
  const prerelease = m[4] ? m[4].split('.').map((id) => (/^[0-9]+$/.test(id) ? Number(id) : id)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease, text: raw };
}

function formatVersion(major: number, minor: number, patch: number): string {
  return `v${major}.${minor}.${patch}`;
}

function compareIds(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1; // numeric identifiers sort before alphanumeric ones
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence: negative when a < b. v1.10.0 > v1.2.0; v1.0.0-rc.1 < v1.0.0. */
export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pb.length - pa.length;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareIds(pa[i]!, pb[i]!);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function compareVersionText(a: string, b: string): number {
  return compareVersions(parseVersion(a), parseVersion(b));
}

/** Sorts version strings ascending by semver precedence. */
export function sortVersions(texts: readonly string[]): string[] {
  return texts
    .map(parseVersion)
    .sort(compareVersions)
    .map((v) => v.text);
}

/**
 * The next version after `latest` (npm's `semver inc` rules: a pre-release of the target version is
 * released by the bump, e.g. patch(v1.2.3-rc.1) = v1.2.3). No latest = starting from v0.0.0.
 */
export function bumpVersion(latest: Version | null, kind: BumpKind): string {
  if (!latest) return kind === 'major' ? 'v1.0.0' : kind === 'minor' ? 'v0.1.0' : 'v0.0.1';
  const { major, minor, patch } = latest;
  const pre = latest.prerelease.length > 0;
  switch (kind) {
    case 'major':
      return pre && minor === 0 && patch === 0 ? formatVersion(major, 0, 0) : formatVersion(major + 1, 0, 0);
    case 'minor':
      return pre && patch === 0 ? formatVersion(major, minor, 0) : formatVersion(major, minor + 1, 0);
    case 'patch':
      return pre ? formatVersion(major, minor, patch) : formatVersion(major, minor, patch + 1);
  }
}

/** Which part changed from `from` to `to` (to > from assumed): the bump that `to` represents. */
export function bumpBetween(from: Version, to: Version): BumpKind | 'none' {
  if (to.major !== from.major) return to.major > from.major ? 'major' : 'none';
  if (to.minor !== from.minor) return to.minor > from.minor ? 'minor' : 'none';
  if (to.patch !== from.patch) return to.patch > from.patch ? 'patch' : 'none';
  return compareVersions(to, from) > 0 ? 'patch' : 'none';
}

/**
 * Whether going from `lower` to `upper` may break the API contract: a MAJOR bump, or a step inside
 * one X.0.0 pre-release line (v2.0.0-rc.1 → v2.0.0), as semver intends.
 */
export function allowsBreakingChange(lower: Version, upper: Version): boolean {
  return allowedBump(lower, upper) === 'major';
}

const BUMP_RANK: Record<BumpKind | 'none', number> = { none: 0, patch: 1, minor: 2, major: 3 };

/** Whether bump `a` is at least as large as bump `b` (major > minor > patch > none). */
export function bumpCovers(a: BumpKind | 'none', b: BumpKind | 'none'): boolean {
  return BUMP_RANK[a] >= BUMP_RANK[b];
}

/** The largest of the bumps given; `patch` when none is given (any new version is at least a patch). */
export function maxBump(...kinds: BumpKind[]): BumpKind {
  return kinds.reduce<BumpKind>((m, k) => (BUMP_RANK[k] > BUMP_RANK[m] ? k : m), 'patch');
}

/**
 * The largest change the step from `lower` to `upper` may carry: the part of the number that changed,
 * or, inside one pre-release line (v2.0.0-rc.1 → v2.0.0-rc.2 → v2.0.0), the level of the release
 * being prepared (v2.0.0: major; v2.1.0: minor; v2.1.1: patch), as semver intends: a pre-release may
 * still change what its release will change.
 */
export function allowedBump(lower: Version, upper: Version): BumpKind | 'none' {
  const sameTriple =
    lower.major === upper.major && lower.minor === upper.minor && lower.patch === upper.patch;
  if (lower.prerelease.length > 0 && sameTriple) {
    return lower.minor === 0 && lower.patch === 0 ? 'major' : lower.patch === 0 ? 'minor' : 'patch';
  }
  return bumpBetween(lower, upper);
}
