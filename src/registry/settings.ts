import { defineSettings, parsers } from '../core/config-base.js';

/** Registry settings: promotion guardrails (defaults from the original model changelog) and locking. */
export const REGISTRY_SETTINGS = defineSettings({
  promoteMinRocAuc: {
    env: 'PROMOTE_MIN_ROC_AUC',
    default: 0.75,
    description: 'Promotion guardrail: minimum test ROC-AUC (metrics.json test.metrics.roc_auc.value).',
    parse: parsers.number(0, 1),
  },
  promoteMinPrecision: {
    env: 'PROMOTE_MIN_PRECISION',
    default: 0.65,
    description: 'Promotion guardrail: minimum test precision at the model threshold.',
    parse: parsers.number(0, 1),
  },
  promoteMinRecall: {
    env: 'PROMOTE_MIN_RECALL',
    default: 0.6,
    description: 'Promotion guardrail: minimum test recall at the model threshold.',
    parse: parsers.number(0, 1),
  },
  lockTimeoutMs: {
    env: 'REGISTRY_LOCK_TIMEOUT_MS',
    default: 15000,
    description: 'How long a registry command waits for the registry lock before failing.',
    parse: parsers.int(10, 600000),
  },
  lockStaleMs: {
    env: 'REGISTRY_LOCK_STALE_MS',
    default: 30000,
    description:
      'A lock older than this is taken over even if its process may be alive (a dead holder on this host is detected at once).',
    parse: parsers.int(1000, 3600000),
  },
});

/** Widened from the schema's literal defaults so callers (and tests) can pass their own values. */
export interface RegistrySettings {
  promoteMinRocAuc: number;
  promoteMinPrecision: number;
  promoteMinRecall: number;
  lockTimeoutMs: number;
  lockStaleMs: number;
}
