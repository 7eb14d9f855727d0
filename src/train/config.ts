/**
 * Training configuration (`--config train.json`): every key optional, defaults below. Unknown keys and
 * out-of-range values fail with TRAIN_CONFIG_INVALID listing every problem.
 *
 * Declared as a schema like the settings (src/core/config-base.ts): every key has a default, a
 * description and a check. It does not reuse `defineSettings` itself: settings come from environment
 * strings and are flat, a training config is typed JSON with sections. docs/model.md lists every key
 * (a test keeps it in sync with this schema).
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { DEFAULT_FEATURES, FEATURE_BY_NAME } from '../features/catalog.js';
import { type Capacity, DEFAULT_CAPACITY } from '../ml/capacity.js';
import { DEFAULT_THRESHOLD_POLICY, THRESHOLD_POLICY_KINDS, type ThresholdPolicy } from '../ml/threshold.js';
import type { LearnerKind } from '../model/learners.js';
import { TRAIN_ERRORS } from './errors.js';

export interface GbdtConfig {
  learning_rate: number;
  max_iter: number;
  max_leaf_nodes: number;
  max_depth: number | null;
  min_samples_leaf: number;
  l2_regularization: number;
  /** Held-out share of each fitting set for early stopping (stratified, seeded). */
  validation_fraction: number;
  n_iter_no_change: number;
}

export interface ForestConfig {
  n_estimators: number;
  max_features: 'sqrt' | 'log2' | number;
  max_depth: number | null;
  min_samples_leaf: number;
}

export interface LogisticConfig {
  C: number;
}

export const LEARNER_KINDS: readonly LearnerKind[] = [
  'persistence',
  'logistic_regression',
  'random_forest',
  'gbdt',
];

export interface TrainConfig {
  /** Derived features (names from the catalogue) the learners see. */
  features: string[];
  /** Folds of the cross-fitting on the earlier transitions (validation). */
  folds: number;
  /** Calibration of each candidate's raw score, fitted on its out-of-fold scores. */
  calibration: 'platt' | 'isotonic';
  threshold_policy: ThresholdPolicy;
  /** The `alto` risk band starts at max(threshold, this calibrated probability). */
  alto_min_probability: number;
  /** One-standard-error rule: candidates within this many standard errors of the best are "as good". */
  selection_standard_errors: number;
  /** Grouped bootstrap resamples behind the selection rule's standard errors. */
  selection_bootstrap: number;
  /** Candidates the selection may ship; the others are evaluated as references. */
  eligible: LearnerKind[];
  /** Capacity for cohort scoring (recorded in the metadata; the fixed threshold serves single requests). */
  capacity: Capacity;
  /**
   * Whether the report carries the feature-ablation table (the chosen learner refitted per group). Off by
   * default: it about doubles the training time, past the 2 s budget; run it when the features or the data
   * change (docs/model.md keeps the last table).
   */
  ablation: boolean;
  /** Bootstrap resamples for the validation and test intervals. */
  bootstrap: number;
  /** Bootstrap resamples for the per-group intervals (many small groups; rougher intervals suffice). */
  bootstrap_groups: number;
  /** Candidates to try; the persistence baseline is always evaluated. */
  candidates: LearnerKind[];
  logistic_regression: LogisticConfig;
  random_forest: ForestConfig;
  gbdt: GbdtConfig;
}

type Check = (v: unknown) => string | null;
interface KeyDef {
  readonly default: unknown;
  readonly description: string;
  readonly check: Check;
}
/** A section: an object whose keys are checked one by one (merged over the defaults). */
interface SectionDef {
  readonly description: string;
  readonly keys: Record<string, KeyDef>;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num =
  (min: number, max: number, integer = false): Check =>
  (v) =>
    typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))
      ? `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`
      : null;
const nullableInt =
  (min: number, max: number): Check =>
  (v) =>
    v === null ? null : num(min, max, true)(v);
const oneOf =
  (values: readonly unknown[]): Check =>
  (v) =>
    values.includes(v) ? null : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
const kinds = (what: string): Check => {
  const list = LEARNER_KINDS.join(', ');
  return (v) =>
    Array.isArray(v) && v.length > 0 && v.every((c) => LEARNER_KINDS.includes(c as LearnerKind))
      ? null
      : `must be a non-empty array of ${list} (${what})`;
};
const key = (def: unknown, description: string, check: Check): KeyDef => ({
  default: def,
  description,
  check,
});

const CAPACITY_CHECK: Check = (v) => {
  if (!isObj(v)) return 'must be an object like {"kind": "expected", "ratio": 1.25}';
  const only = (k: string) => Object.keys(v).length === 2 && k in v;
  if (v.kind === 'expected' && only('ratio')) return num(0.01, 100)(v.ratio);
  if (v.kind === 'share' && only('share')) return num(0, 1)(v.share);
  if (v.kind === 'count' && only('count')) return num(0, 1e7, true)(v.count);
  return 'must be {"kind": "expected", "ratio"}, {"kind": "share", "share"} or {"kind": "count", "count"}';
};

/** Top-level keys (sections are in SECTIONS). */
export const TRAIN_CONFIG_KEYS: Readonly<Record<string, KeyDef>> = {
  features: key(
    [...DEFAULT_FEATURES],
    'derived features the learners see (catalogue names); default: those that carry across years',
    (v) => {
      if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array of feature names';
      const unknown = v.filter((n) => typeof n !== 'string' || !FEATURE_BY_NAME.has(n));
      if (unknown.length) return `has unknown features: ${unknown.join(', ')}`;
      return new Set(v).size === v.length ? null : 'lists a feature twice';
    },
  ),
  folds: key(
    5,
    'folds of the grouped, stratified cross-fitting on the development transitions',
    num(2, 20, true),
  ),
  calibration: key('platt', 'calibration of the out-of-fold raw scores', oneOf(['platt', 'isotonic'])),
  alto_min_probability: key(0.7, '`alto` starts at max(threshold, this calibrated probability)', num(0, 1)),
  selection_standard_errors: key(
    1,
    'one-standard-error rule: eligible candidates within this many standard errors of the best validation PR-AUC count as equally good; the simplest of them is chosen',
    num(0, 10),
  ),
  selection_bootstrap: key(
    200,
    'bootstrap resamples (grouped by student) behind the standard errors',
    num(20, 100000, true),
  ),
  eligible: key(
    ['random_forest', 'gbdt'],
    'candidates the selection may ship; the others are references',
    kinds('eligible'),
  ),
  capacity: key(
    { ...DEFAULT_CAPACITY },
    'cohort capacity recorded for cohort scoring: expected (ratio × Σ calibrated risk), share or count',
    CAPACITY_CHECK,
  ),
  ablation: key(false, 'add the feature-ablation table to the report (about 1 s more)', (v) =>
    typeof v === 'boolean' ? null : 'must be true or false',
  ),
  bootstrap: key(1000, 'bootstrap resamples for the validation and test intervals', num(0, 100000, true)),
  bootstrap_groups: key(200, 'bootstrap resamples for the per-group intervals', num(0, 100000, true)),
  candidates: key(
    [...LEARNER_KINDS],
    'candidates to develop (persistence is always evaluated)',
    kinds('candidates'),
  ),
};

const FBETA_POLICY_DEFAULTS = { kind: 'max_fbeta_with_min_recall', beta: 2, min_recall: 0.75 } as const;

export const TRAIN_CONFIG_SECTIONS: Readonly<Record<string, SectionDef>> = {
  threshold_policy: {
    description: 'how the decision threshold is chosen on validation (src/ml/threshold.ts)',
    keys: {
      kind: key(DEFAULT_THRESHOLD_POLICY.kind, 'policy', oneOf(THRESHOLD_POLICY_KINDS)),
      min_recall: key(DEFAULT_THRESHOLD_POLICY.min_recall, 'validation recall floor', num(0, 1)),
      max_flag_ratio: key(
        DEFAULT_THRESHOLD_POLICY.max_flag_ratio,
        '`min_recall_with_flag_cap`: flag at most this × the expected share',
        num(0.01, 100),
      ),
      beta: key(
        FBETA_POLICY_DEFAULTS.beta,
        '`max_fbeta_with_min_recall`: the F-beta maximised',
        num(0.01, 100),
      ),
    },
  },
  logistic_regression: {
    description: 'L2 logistic regression on standardised, median-imputed inputs',
    keys: { C: key(1, 'inverse regularisation strength', num(1e-6, 1e6)) },
  },
  random_forest: {
    description: 'random forest on median-imputed inputs',
    keys: {
      n_estimators: key(100, 'trees', num(1, 5000, true)),
      max_features: key('sqrt', 'features tried per split', (v) =>
        v === 'sqrt' || v === 'log2' ? null : num(1e-9, 1000)(v),
      ),
      max_depth: key(8, 'maximum depth (null = none)', nullableInt(1, 64)),
      min_samples_leaf: key(5, 'minimum rows per leaf', num(1, 10000, true)),
    },
  },
  gbdt: {
    description: 'depth-limited histogram gradient boosting on raw inputs (missing values native)',
    keys: {
      learning_rate: key(0.05, 'shrinkage', num(1e-4, 1)),
      max_iter: key(500, 'iteration cap; early stopping on development rows decides', num(1, 10000, true)),
      max_leaf_nodes: key(8, 'leaves per tree', num(2, 1024, true)),
      max_depth: key(3, 'maximum depth (null = none)', nullableInt(1, 64)),
      min_samples_leaf: key(20, 'minimum rows per leaf', num(1, 10000, true)),
      l2_regularization: key(1, 'L2 penalty on leaf values', num(0, 1e6)),
      validation_fraction: key(0.15, 'share of each fold held out for early stopping', num(0.05, 0.5)),
      n_iter_no_change: key(15, 'early-stopping patience', num(1, 1000, true)),
    },
  },
};

function defaults(): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(TRAIN_CONFIG_KEYS)) out[k] = structuredClone(d.default);
  for (const [s, def] of Object.entries(TRAIN_CONFIG_SECTIONS)) {
    out[s] = Object.fromEntries(Object.entries(def.keys).map(([k, d]) => [k, structuredClone(d.default)]));
  }
  // Each policy kind carries its own keys only.
  delete (out.threshold_policy as Record<string, unknown>).beta;
  return out as unknown as TrainConfig;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze(defaults());

/** The threshold policy of a partial `threshold_policy`: the given kind's defaults, then the given keys. */
function mergePolicy(given: Record<string, unknown>, problems: string[]): ThresholdPolicy {
  const kind = given.kind ?? DEFAULT_THRESHOLD_POLICY.kind;
  const base: Record<string, unknown> =
    kind === 'max_fbeta_with_min_recall' ? { ...FBETA_POLICY_DEFAULTS } : { ...DEFAULT_THRESHOLD_POLICY };
  const allowed = Object.keys(base);
  for (const [k, v] of Object.entries(given)) {
    const def = TRAIN_CONFIG_SECTIONS.threshold_policy!.keys[k];
    if (!def) problems.push(`threshold_policy.${k}: unknown key`);
    else if (!allowed.includes(k))
      problems.push(`threshold_policy.${k}: not a key of policy ${String(kind)}`);
    else {
      const p = def.check(v);
      if (p) problems.push(`threshold_policy.${k}: ${p}`);
      else base[k] = v;
    }
  }
  return base as unknown as ThresholdPolicy;
}

/** Merges a partial config over the defaults, listing every problem at once. */
export function resolveConfig(partial: unknown = {}): TrainConfig {
  if (!isObj(partial))
    throw new AppError(TRAIN_ERRORS.CONFIG_INVALID, 'The training configuration must be a JSON object');
  const problems: string[] = [];
  const out = structuredClone(DEFAULT_TRAIN_CONFIG) as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(partial)) {
    const section = TRAIN_CONFIG_SECTIONS[name];
    const top = TRAIN_CONFIG_KEYS[name];
    if (section) {
      if (!isObj(value)) {
        problems.push(`${name}: must be an object`);
        continue;
      }
      if (name === 'threshold_policy') {
        out[name] = mergePolicy(value, problems);
        continue;
      }
      for (const [k, v] of Object.entries(value)) {
        const def = section.keys[k];
        const p = def ? def.check(v) : 'unknown key';
        if (p) problems.push(`${name}.${k}: ${p}`);
        else (out[name] as Record<string, unknown>)[k] = v;
      }
    } else if (top) {
      const p = top.check(value);
      if (p) problems.push(`${name}: ${p}`);
      else out[name] = value;
    } else {
      problems.push(`${name}: unknown key`);
    }
  }
  // The persistence baseline is always evaluated and reads `atrasado_agora`.
  if (problems.length === 0 && !(out.features as string[]).includes('atrasado_agora')) {
    problems.push('features: must include atrasado_agora (the persistence baseline reads it)');
  }
  if (problems.length > 0) {
    throw new AppError(
      TRAIN_ERRORS.CONFIG_INVALID,
      `Invalid training configuration: ${problems.join('; ')}`,
      { problems },
    );
  }
  return out as unknown as TrainConfig;
}

/** Reads and resolves a config file. */
export function readConfigFile(path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError(TRAIN_ERRORS.CONFIG_INVALID, `Cannot read the training configuration ${path}`, {
      path,
      reason: (err as NodeJS.ErrnoException).code,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AppError(TRAIN_ERRORS.CONFIG_INVALID, `${path} is not valid JSON: ${(err as Error).message}`, {
      path,
    });
  }
  return resolveConfig(json);
}
