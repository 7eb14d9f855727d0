/**
 * Training configuration (`--config train.json`): every key optional, defaults below. Unknown keys and
 * out-of-range values fail with TRAIN_CONFIG_INVALID listing every problem.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { DEFAULT_FEATURES, FEATURE_BY_NAME } from '../features/catalog.js';
import { DEFAULT_THRESHOLD_POLICY, type ThresholdPolicy } from '../ml/threshold.js';
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
  /** PR-AUC differences up to this go to the simpler candidate (fewer fitted parameters). */
  selection_tolerance: number;
  /** Bootstrap resamples for the validation and test intervals. */
  bootstrap: number;
  /** Bootstrap resamples for the per-group intervals (many small groups; rougher intervals suffice). */
  bootstrap_groups: number;
  /** Candidates to try; the persistence baseline is always evaluated. */
  candidates: Array<'persistence' | 'logistic_regression' | 'random_forest' | 'gbdt'>;
  logistic_regression: LogisticConfig;
  random_forest: ForestConfig;
  gbdt: GbdtConfig;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  features: [...DEFAULT_FEATURES],
  folds: 5,
  calibration: 'platt',
  threshold_policy: { ...DEFAULT_THRESHOLD_POLICY },
  alto_min_probability: 0.5,
  selection_tolerance: 0.005,
  bootstrap: 1000,
  bootstrap_groups: 200,
  candidates: ['persistence', 'logistic_regression', 'random_forest', 'gbdt'],
  logistic_regression: { C: 1 },
  random_forest: { n_estimators: 100, max_features: 'sqrt', max_depth: 8, min_samples_leaf: 5 },
  gbdt: {
    learning_rate: 0.05,
    max_iter: 300,
    max_leaf_nodes: 8,
    max_depth: null,
    min_samples_leaf: 10,
    l2_regularization: 1,
    validation_fraction: 0.15,
    n_iter_no_change: 15,
  },
}) as TrainConfig;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

type Rule = (v: unknown) => string | null;
const num =
  (min: number, max: number, integer = false): Rule =>
  (v) =>
    typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))
      ? `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`
      : null;
const nullableInt =
  (min: number, max: number): Rule =>
  (v) =>
    v === null ? null : num(min, max, true)(v);
const oneOf =
  (values: readonly unknown[]): Rule =>
  (v) =>
    values.includes(v) ? null : `must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;

const SECTION_RULES: Record<string, Record<string, Rule>> = {
  logistic_regression: { C: num(1e-6, 1e6) },
  random_forest: {
    n_estimators: num(1, 5000, true),
    max_features: (v) => (v === 'sqrt' || v === 'log2' ? null : num(1e-9, 1000)(v)),
    max_depth: nullableInt(1, 64),
    min_samples_leaf: num(1, 10000, true),
  },
  gbdt: {
    learning_rate: num(1e-4, 1),
    max_iter: num(1, 10000, true),
    max_leaf_nodes: num(2, 1024, true),
    max_depth: nullableInt(1, 64),
    min_samples_leaf: num(1, 10000, true),
    l2_regularization: num(0, 1e6),
    validation_fraction: num(0.05, 0.5),
    n_iter_no_change: num(1, 1000, true),
  },
  threshold_policy: {
    kind: oneOf(['max_fbeta_with_min_recall']),
    beta: num(0.01, 100),
    min_recall: num(0, 1),
  },
};

const TOP_RULES: Record<string, Rule> = {
  features: (v) => {
    if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty array of feature names';
    const unknown = v.filter((n) => typeof n !== 'string' || !FEATURE_BY_NAME.has(n));
    if (unknown.length) return `has unknown features: ${unknown.join(', ')}`;
    return new Set(v).size === v.length ? null : 'lists a feature twice';
  },
  folds: num(2, 20, true),
  calibration: oneOf(['platt', 'isotonic']),
  alto_min_probability: num(0, 1),
  selection_tolerance: num(0, 1),
  bootstrap: num(0, 100000, true),
  bootstrap_groups: num(0, 100000, true),
  candidates: (v) =>
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((c) => ['persistence', 'logistic_regression', 'random_forest', 'gbdt'].includes(c as string))
      ? null
      : 'must be a non-empty array of persistence, logistic_regression, random_forest, gbdt',
};

/** Merges a partial config over the defaults, listing every problem at once. */
export function resolveConfig(partial: unknown = {}): TrainConfig {
  if (!isObj(partial))
    throw new AppError(TRAIN_ERRORS.CONFIG_INVALID, 'The training configuration must be a JSON object');
  const problems: string[] = [];
  const out = structuredClone(DEFAULT_TRAIN_CONFIG) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(partial)) {
    if (key in SECTION_RULES) {
      if (!isObj(value)) {
        problems.push(`${key}: must be an object`);
        continue;
      }
      const rules = SECTION_RULES[key]!;
      for (const [k, v] of Object.entries(value)) {
        const rule = rules[k];
        if (!rule) problems.push(`${key}.${k}: unknown key`);
        else {
          const p = rule(v);
          if (p) problems.push(`${key}.${k}: ${p}`);
          else (out[key] as Record<string, unknown>)[k] = v;
        }
      }
    } else if (key in TOP_RULES) {
      const p = TOP_RULES[key]!(value);
      if (p) problems.push(`${key}: ${p}`);
      else out[key] = value;
    } else {
      problems.push(`${key}: unknown key`);
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
      {
        problems,
      },
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
