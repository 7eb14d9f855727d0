import { defineSettings, parsers } from '../core/config-base.js';

/**
 * The retraining command's tolerances: how much worse than the champion a challenger may be on each
 * metric, on the same rows, and still replace it (docs/retrain.md). The
 * promotion guardrails (PROMOTE_MIN_*) hold as well.
 */
export const RETRAIN_SETTINGS = defineSettings({
  maxRecallDrop: {
    env: 'RETRAIN_MAX_RECALL_DROP',
    default: 0.02,
    description:
      'Retrain: the challenger may lose at most this much recall against the champion (same rows).',
    parse: parsers.number(0, 1),
  },
  maxPrecisionDrop: {
    env: 'RETRAIN_MAX_PRECISION_DROP',
    default: 0.05,
    description: 'Retrain: the challenger may lose at most this much precision against the champion.',
    parse: parsers.number(0, 1),
  },
  maxBrierRise: {
    env: 'RETRAIN_MAX_BRIER_RISE',
    default: 0.02,
    description: 'Retrain: the challenger’s Brier score may be at most this much higher than the champion’s.',
    parse: parsers.number(0, 1),
  },
  maxRocAucDrop: {
    env: 'RETRAIN_MAX_ROC_AUC_DROP',
    default: 0,
    description: 'Retrain: the challenger may lose at most this much ROC-AUC (default 0: it may not fall).',
    parse: parsers.number(0, 1),
  },
});

/** Widened from the schema's literal defaults so callers (and tests) can pass their own values. */
export interface RetrainTolerances {
  maxRecallDrop: number;
  maxPrecisionDrop: number;
  maxBrierRise: number;
  maxRocAucDrop: number;
}

export const DEFAULT_TOLERANCES: Readonly<RetrainTolerances> = Object.freeze({
  maxRecallDrop: RETRAIN_SETTINGS.maxRecallDrop.default,
  maxPrecisionDrop: RETRAIN_SETTINGS.maxPrecisionDrop.default,
  maxBrierRise: RETRAIN_SETTINGS.maxBrierRise.default,
  maxRocAucDrop: RETRAIN_SETTINGS.maxRocAucDrop.default,
});
