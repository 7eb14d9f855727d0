/** The registry's public data shapes (what is on disk and what the API and CLI return). */
import type { GuardrailCheck } from '../model/guardrails.js';
import type { BumpReason } from './bump-rules.js';
import type { BumpKind } from './semver.js';

export interface ManifestFile {
  sha256: string;
  size: number;
}

/** Key test metrics copied into the manifest at register time, so `list` reads one file per version. */
export interface MetricsSummary {
  learner: string | null;
  threshold: number | null;
  /** null when the metrics file has no test block. */
  test: Record<string, number> | null;
  validation: Record<string, number> | null;
}

/** manifest.json of a version: what was registered, by whom, from where, and the hash of every file. */
export interface Manifest {
  manifest_version: 1;
  version: string;
  created_at: string;
  created_by: string;
  notes: string;
  source: {
    /** Absolute path of the artifacts directory it was registered from. */
    directory: string;
    /** HEAD of the git repository holding that directory, when it is one. */
    git_commit: string | null;
    /** Registry name → development file name it was copied from. */
    files: Record<string, string>;
  };
  /** `format_version` of model.json (ModelFileHeader). */
  model_format_version: number;
  /** sha256 of model_signature.json: two versions with the same hash have the same API contract. */
  signature_sha256: string;
  metrics_summary: MetricsSummary;
  /**
   * True when the model was trained on the synthetic workbook (fake students), false on real data, null
   * when its metadata does not say; absent in manifests written before the field (read the metadata).
   */
  synthetic?: boolean | null;
  /** Every file of the version except manifest.json itself. */
  files: Record<string, ManifestFile>;
  /** The versioning rules' verdict at registration (absent in versions registered before the rules). */
  bump?: ManifestBump;
  /** Set when `defasagem retrain` registered the version: its comparison with the champion. */
  retrain?: RetrainRecord;
}

/** One row of a champion-vs-challenger comparison. */
export interface RetrainComparisonRow {
  metric: string;
  champion: number | null;
  challenger: number | null;
  /** challenger − champion. */
  change: number | null;
  /** The tolerance rule, e.g. `change ≥ −0.02`; null for a metric shown for information only. */
  rule: string | null;
  ok: boolean | null;
}

/**
 * `retrain` of manifest.json: what `defasagem retrain` decided about this version (the challenger)
 * against the champion of the moment, on which rows and why.
 */
export interface RetrainRecord {
  /** `better`, `not_better` (within tolerances, nothing improved), `rejected`, `no_champion`. */
  verdict: 'better' | 'not_better' | 'rejected' | 'no_champion';
  /** `promote` when the command promotes it (passed with --promote, or --force); else `keep_champion`. */
  decision: 'promote' | 'keep_champion';
  /** The champion it was compared with (null: none). */
  champion: string | null;
  /** The rows both sides were scored on, the model of each side, and why those. */
  evaluation: {
    label_year: number;
    rows: number;
    positives: number;
    champion_model: string | null;
    challenger_model: string;
    why: string;
  };
  comparison: RetrainComparisonRow[];
  guardrails: GuardrailCheck[];
  /** Every reason of the verdict, one sentence each. */
  reasons: string[];
  /** Set when --force --reason promoted it against the verdict. */
  forced: { by: string; reason: string } | null;
  /** The --data given (path and sha256 of the file) and where the challenger's configuration came from. */
  data: { path: string; kind: 'workbook' | 'dataset'; sha256: string };
  config_source: string;
}

/** A registration that overrode the versioning rules with --force --reason. */
export interface BumpOverride {
  by: string;
  reason: string;
  /** Each step whose bump was smaller than its changes need. */
  overridden: Array<{
    position: 'above' | 'below';
    against: string;
    required: BumpKind;
    allowed: BumpKind | 'none';
    reasons: string[];
  }>;
}

/** `bump` of manifest.json: the version's changes from the version below it and the bump they needed. */
export interface ManifestBump {
  /** The registered version it was compared with (the highest one below); null for none. */
  compared_with: string | null;
  /** The bump the changes need: the largest of the contract's and the model's. */
  required: BumpKind;
  /** The bump the version number is from `compared_with`. */
  actual: BumpKind | 'none' | null;
  contract_required: BumpKind;
  model_required: BumpKind;
  /** Every change with the rule it falls under. */
  reasons: BumpReason[];
  /** null unless --force overrode the rules. */
  forced: BumpOverride | null;
  warning?: string;
}

/** champion.json: the movable pointer, like an npm dist-tag. */
export interface Champion {
  champion_version: 1;
  version: string;
  promoted_at: string;
  promoted_by: string;
  previous_champion: string | null;
  action: 'promote' | 'rollback';
  reason: string | null;
  forced: boolean;
  /** Links the pointer to its history entry (used to restore an entry lost in a crash). */
  move_id: string;
  /**
   * sha256 of the version's manifest.json when it was promoted: pins the champion's content, so even
   * a consistent rewrite of files and manifest is refused by `resolveModelSource` and `verify --all`.
   * Required: a champion.json without it is invalid (promote again).
   */
  manifest_sha256: string;
}

export type { GuardrailCheck };

/** One line of history.jsonl. */
export interface HistoryEntry {
  at: string;
  by: string;
  action: 'promote' | 'rollback';
  from: string | null;
  to: string;
  reason: string | null;
  forced: boolean;
  move_id: string;
  /** sha256 of the promoted version's manifest.json. */
  manifest_sha256?: string;
  guardrails?: GuardrailCheck[];
  /** Set when the entry was restored from champion.json after a crash lost it. */
  recovered?: boolean;
}

export interface VersionSummary {
  version: string;
  prerelease: boolean;
  created_at: string | null;
  created_by: string | null;
  notes: string;
  is_champion: boolean;
  model_format_version: number | null;
  learner: string | null;
  /** Trained on synthetic data (true), on real data (false), or not recorded (null). */
  synthetic: boolean | null;
  test_metrics: Record<string, number> | null;
  /** false when the manifest is missing or unreadable, or the version is not a real directory (run verify). */
  readable: boolean;
  /** Why it is not readable. */
  problem?: string;
}

export type VerifyProblemKind =
  | 'missing'
  | 'extra'
  | 'size_mismatch'
  | 'hash_mismatch'
  | 'manifest_missing'
  | 'manifest_invalid'
  | 'version_mismatch'
  | 'signature_hash_mismatch'
  | 'not_a_directory'
  | 'not_a_file';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  file: string;
  message: string;
}

export interface VerifyReport {
  version: string;
  ok: boolean;
  files_checked: number;
  /** sha256 of the manifest.json bytes the files were checked against (null when unreadable). */
  manifest_sha256: string | null;
  problems: VerifyProblem[];
}

export interface ResolvedModelSource {
  kind: 'dev' | 'registry';
  /** The registered version loaded; null for development files. */
  version: string | null;
  /** What was asked for: '' (dev), 'champion' or vX.Y.Z. */
  requested: string;
  files: { model: string; metadata: string; signature: string; metrics?: string; baseline?: string };
  /**
   * Registry versions: the sha256 each file must have, by role (from the one manifest read and
   * checked by resolve). The loader checks the bytes it reads against these (`checkResolvedBytes`).
   */
  sha256?: Partial<Record<ModelFileRole, string>>;
  manifest?: Manifest;
}

/** The files a server loads, by role. */
export type ModelFileRole = 'model' | 'metadata' | 'signature' | 'metrics' | 'baseline';
