import {
  checkGuardrails as checkMinimums,
  type GuardrailCheck,
  type GuardrailMinimums,
} from '../model/guardrails.js';
import type { RegistrySettings } from './settings.js';

export { describeFailures } from '../model/guardrails.js';

/** The guardrail minimums of the registry settings (PROMOTE_MIN_*), for the training report too. */
export function guardrailMinimums(settings: RegistrySettings): GuardrailMinimums {
  return {
    roc_auc: settings.promoteMinRocAuc,
    precision: settings.promoteMinPrecision,
    recall: settings.promoteMinRecall,
  };
}

/** The promotion guardrails on the test block of metrics.json, with the thresholds from settings. */
export function checkGuardrails(metrics: unknown, settings: RegistrySettings): GuardrailCheck[] {
  return checkMinimums(metrics, guardrailMinimums(settings));
}
