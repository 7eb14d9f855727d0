/**
 * The design's versioning rules, one entry per rule: what each part of a version number means.
 *
 * - MAJOR: breaking changes — a new schema, features removed — and a change of algorithm (the
 *   design's example: v1.1.1 → v2.0.0, random forest → XGBoost);
 * - MINOR: new capabilities, significant improvements (the design's example: feature engineering,
 *   +9 features), and here also new training data or parameters and a new meaning of the score;
 * - PATCH: bug fixes, small adjustments (the design's example: a preprocessing bug fixed).
 *
 * Every change the signature diff (the API contract) or the model diff finds names one of these
 * rules; the bump a new version needs is the largest bump among its changes. "Features" means the
 * feature set the pipeline is asked for (the configuration); columns left out because they were
 * constant on the training data are a property of the data and fall under new training data.
 */
import type { BumpKind } from './semver.js';

export const BUMP_RULES = {
  breaking_contract: {
    bump: 'major',
    text: 'breaking change of the API contract (new schema)',
  },
  new_model_schema: {
    bump: 'major',
    text: 'new model file schema',
  },
  target_changed: {
    bump: 'major',
    text: 'new prediction target (the score predicts something else)',
  },
  algorithm_change: {
    bump: 'major',
    text: 'algorithm change (design example v1.1.1 → v2.0.0: random forest → XGBoost)',
  },
  features_removed: {
    bump: 'major',
    text: 'features removed from the feature set',
  },
  compatible_contract: {
    bump: 'minor',
    text: 'new capability of the API contract (backwards compatible)',
  },
  features_added: {
    bump: 'minor',
    text: 'feature engineering: features added (design example: +9 features)',
  },
  new_parameters: {
    bump: 'minor',
    text: 'same learner, new parameters',
  },
  new_training_data: {
    bump: 'minor',
    text: 'retrained on new data',
  },
  score_meaning: {
    bump: 'minor',
    text: 'new meaning of the score or the label (calibrator, threshold policy or risk bands)',
  },
  preprocessing_fix: {
    bump: 'patch',
    text: 'preprocessing fix with the same features (design example: a preprocessing bug fixed)',
  },
  small_adjustment: {
    bump: 'patch',
    text: 'small adjustment (a seed, a refit of the same configuration, a threshold its policy moved)',
  },
} as const satisfies Record<string, { bump: BumpKind; text: string }>;

export type BumpRuleId = keyof typeof BUMP_RULES;

/** One change between two versions and the rule it falls under. */
export interface BumpReason {
  /** `contract`: the API signature; `model`: what the model is (learner, features, data...). */
  source: 'contract' | 'model';
  /** What changed, e.g. `learner_changed`, `input_removed`. */
  kind: string;
  rule: BumpRuleId;
  /** The smallest bump this change needs (the rule's). */
  bump: BumpKind;
  detail: string;
}

export function reasonFor(
  source: BumpReason['source'],
  kind: string,
  rule: BumpRuleId,
  detail: string,
): BumpReason {
  return { source, kind, rule, bump: BUMP_RULES[rule].bump, detail };
}

/** One line for people: `learner random_forest → gbdt [MAJOR: algorithm change (…)]`. */
export function describeReason(r: BumpReason): string {
  return `${r.detail} [${r.bump.toUpperCase()}: ${BUMP_RULES[r.rule].text}]`;
}
