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
  lockLeaseMs: {
    env: 'REGISTRY_LOCK_LEASE_MS',
    default: 30000,
    description:
      'Lease of the registry lock: a holder on another host that has not refreshed it for this long is taken over. A holder on this host is never taken over while it runs; a dead one at once.',
    parse: parsers.int(1000, 3600000),
  },
  s3SettleMs: {
    env: 'REGISTRY_S3_SETTLE_MS',
    default: 250,
    description:
      'S3 registry on a server without conditional writes (Swift s3api): how long a lock write may take to be seen by every reader; the lease lock waits this long before trusting it (docs/scaling.md).',
    parse: parsers.int(10, 60000),
  },
});

/** Widened from the schema's literal defaults so callers (and tests) can pass their own values. */
export interface RegistrySettings {
  promoteMinRocAuc: number;
  promoteMinPrecision: number;
  promoteMinRecall: number;
  lockTimeoutMs: number;
  lockLeaseMs: number;
  /** Only for S3 registries on servers without conditional writes (default 250). */
  s3SettleMs?: number;
}
