/** The model registry: immutable semantic versions, a verified champion, history and rollback. */
export { type CollectedArtifacts, collectArtifactFiles, collectArtifacts } from './artifacts.js';
export {
  type BumpVerdict,
  type NextVersion,
  nextVersion,
  requiredBump,
  type Verdict,
  verdictBetween,
} from './bump.js';
export { BUMP_RULES, type BumpReason, type BumpRuleId, describeReason } from './bump-rules.js';
export {
  championStack,
  type MoveResult,
  type PromoteOptions,
  promoteVersion,
  type RollbackOptions,
  readHistory,
  reconcileHistory,
  rollbackVersion,
} from './champion.js';
export { championFilePath, readChampion } from './champion-file.js';
export { type ChangelogBump, type ChangelogEntry, changelogEntries, renderChangelog } from './changelog.js';
export {
  contextOf,
  openRegistry,
  type RegistryContext,
  type RegistryRef,
  registryLocation,
  registrySettingsFromEnv,
} from './context.js';
export { REGISTRY_ERRORS } from './errors.js';
export { LocalFsStorage } from './fs-storage.js';
export { type GcResult, gcRegistry } from './gc.js';
export { checkGuardrails, guardrailMinimums } from './guardrails.js';
export { diffVersions, type ShowResult, showVersion, type VersionDiff } from './inspect.js';
export {
  ARTIFACT_MAPPING,
  BASELINE_FILE,
  CHAMPION_FILE,
  HISTORY_FILE,
  MANIFEST_FILE,
  METADATA_FILE,
  METRICS_FILE,
  MODEL_FILE,
  REQUIRED_FILES,
  SIGNATURE_FILE,
} from './layout.js';
export { abandonedLeftover, deadLocalLeftover } from './leftovers.js';
export { latestVersion, listVersions } from './list.js';
export { readManifest, readVerifiedFile } from './manifest.js';
export { diffModels, type ModelDiff, type ModelFacts, modelFacts } from './model-diff.js';
export { type VersionProvenance, versionProvenance, versionSynthetic } from './provenance.js';
export { type RegisterOptions, type RegisterResult, registerVersion, type SemverCheck } from './register.js';
export { checkResolvedBytes, type ModelSourceSettings, resolveModelSource } from './resolve.js';
export {
  type BumpKind,
  bumpVersion,
  compareVersions,
  parseVersion,
  sortVersions,
  versionProblem,
} from './semver.js';
export { REGISTRY_SETTINGS, type RegistrySettings } from './settings.js';
export { diffSignatures, type SignatureChange, type SignatureDiff } from './signature-diff.js';
export type { RegistryStorage } from './storage.js';
export type * from './types.js';
export {
  type InspectedVersion,
  inspectVersion,
  type VerifyAllReport,
  verifyAll,
  verifyVersion,
} from './verify.js';
