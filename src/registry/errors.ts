import { AppError, defineErrors, EXIT } from '../core/error-base.js';

/** Model registry errors. */
export const REGISTRY_ERRORS = defineErrors('REGISTRY', {
  VERSION_EXISTS: {
    http: 409,
    exit: EXIT.conflict,
    title: 'That version is already registered; versions are immutable',
    hint: 'Register under a new version (e.g. with --bump patch); a registered version is never overwritten.',
  },
  VERSION_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Not a valid version: expected v + MAJOR.MINOR.PATCH with an optional pre-release',
    hint: 'Write versions like v1.2.3 or v2.0.0-rc.1 (ASCII digits, no leading zeros, no paths); `defasagem registry list` shows the registered ones.',
  },
  VERSION_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'That version is not in the registry',
    hint: 'Run `defasagem registry list --registry DIR` to see the registered versions, and check REGISTRY_DIR.',
  },
  ARTIFACTS_MISSING: {
    http: 404,
    exit: EXIT.notFound,
    title: 'The model artifacts directory or a required artifact file is missing',
    hint: 'Train first (`defasagem train`) or point --artifacts / MODEL_PATH at the training output; see the name mapping table in docs/artifacts-architecture.md.',
  },
  ARTIFACT_INVALID_JSON: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'An artifact file is not valid JSON',
    hint: 'The file is truncated or was edited by hand: train again to regenerate it.',
  },
  ARTIFACT_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'An artifact file does not follow its contract (src/model/types.ts)',
    hint: 'Train again with the current `defasagem train`; the message names the file and the missing field.',
  },
  INTEGRITY_FAILED: {
    http: 500,
    exit: EXIT.integrity,
    title: 'A registered version failed its integrity check (hash, size, missing or extra file)',
    hint: 'Run `defasagem registry verify VERSION` to see what changed; never edit a registered version: register a new one instead.',
  },
  CHAMPION_NOT_SET: {
    http: 404,
    exit: EXIT.notFound,
    title: 'No champion has been promoted in this registry',
    hint: 'Promote a version with `defasagem registry promote --version vX.Y.Z`, or set MODEL_VERSION to a version or to empty (development files).',
  },
  CHAMPION_INVALID: {
    http: 500,
    exit: EXIT.integrity,
    title: 'champion.json is unreadable or points at a version that does not exist',
    hint: 'Run `defasagem registry verify --all`, then `defasagem registry promote --version vX.Y.Z --force --reason ...` to point it at a good version.',
  },
  CHAMPION_CONFLICT: {
    http: 409,
    exit: EXIT.conflict,
    title: 'The champion changed meanwhile (compare-and-set lost)',
    hint: 'Someone else moved the champion; run `defasagem registry history`, then repeat with the right --expect-current.',
  },
  GUARDRAIL_FAILED: {
    http: 422,
    exit: EXIT.policy,
    title: 'The version does not meet the promotion guardrails',
    hint: 'Improve the model, adjust PROMOTE_MIN_* settings, or override with --force --reason "..." (recorded in the history).',
  },
  SEMVER_VIOLATION: {
    http: 422,
    exit: EXIT.policy,
    title: 'The signature (API contract) changed incompatibly without a MAJOR version bump',
    hint: 'Register it with a new MAJOR version (e.g. --bump major); the message lists the incompatible changes. A breaking change of the API contract cannot be forced.',
  },
  BUMP_TOO_SMALL: {
    http: 422,
    exit: EXIT.policy,
    title:
      "The version bump is smaller than the design's versioning rules require for the changes (to the model, or compatible ones to the API contract)",
    hint: 'Register the version the message names (`--bump auto` takes the smallest allowed; `defasagem registry next-version --artifacts DIR` prints it with the reasons); if the rules misjudge the change, add --force --reason "why" (recorded in the manifest).',
  },
  REASON_REQUIRED: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'This action needs a reason',
    hint: 'Add --reason "why" (rollbacks, forced promotions and forced registrations are recorded with their reason).',
  },
  NO_HISTORY: {
    http: 404,
    exit: EXIT.notFound,
    title: 'There is no earlier champion to roll back to',
    hint: 'Name the version to go back to with `defasagem registry rollback --version vX.Y.Z --reason ...`.',
  },
  LOCK_TIMEOUT: {
    http: 503,
    exit: EXIT.environment,
    title: 'Timed out waiting for the registry lock',
    hint: 'Another registry command is running; retry. A running holder on this host is never taken over (the message names its pid: is it paused?); a crashed one is taken over at once, one on another host after REGISTRY_LOCK_LEASE_MS without a refresh.',
  },
  LOCK_LOST: {
    http: 503,
    exit: EXIT.environment,
    title: 'The registry lock was taken over while this command held it',
    hint: 'This process was paused (or its host unreachable) longer than REGISTRY_LOCK_LEASE_MS and another host took the lock; it stopped before writing. Run `defasagem registry verify --all` and `registry history`, then retry.',
  },
  MODEL_UNLOADABLE: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'The model cannot be loaded or does not score its signature example, so the API would refuse it',
    hint: "Train again with the current `defasagem train`; the message says what the server's own load and warm-up found (registered versions that fail here cannot be promoted).",
  },
});

/** The one VERSION_EXISTS message, raised before staging and again at the commit under the lock. */
export function versionExistsError(version: string): AppError {
  return new AppError(
    REGISTRY_ERRORS.VERSION_EXISTS,
    `Version ${version} is already registered; registered versions are immutable and never overwritten.`,
    { version },
  );
}
