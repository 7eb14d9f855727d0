import { defineSettings, parsers } from '../core/config-base.js';

export const PRIVACY_MODES = ['aggregate_only', 'pseudonymised', 'off'] as const;
export type PrivacyMode = (typeof PRIVACY_MODES)[number];

/** Monitoring settings: where events go, what is kept, for how long, and when drift/outcomes alert. */
export const MONITOR_SETTINGS = defineSettings({
  dataDir: {
    env: 'MONITOR_DATA_DIR',
    default: 'data/monitoring',
    description: 'Folder of the monitoring database (monitoring.sqlite, with its -wal and -shm files).',
    parse: parsers.string,
  },
  databaseUrl: {
    env: 'MONITOR_DATABASE_URL',
    default: '',
    description:
      'PostgreSQL for the inference events instead of SQLite (postgres://user:password@host:port/db), for several API replicas writing to one place (docs/scaling.md); empty = monitoring.sqlite in MONITOR_DATA_DIR.',
    parse: parsers.string,
  },
  privacyMode: {
    env: 'MONITOR_PRIVACY_MODE',
    default: 'aggregate_only' as PrivacyMode,
    description:
      'What inference monitoring stores: aggregate_only = hourly counts and histograms, no per-student row; pseudonymised = also one row per scored student keyed by HMAC-SHA256 of the RA (needs MONITOR_HMAC_SECRET); off = nothing.',
    parse: parsers.oneOf(PRIVACY_MODES),
  },
  hmacSecret: {
    env: 'MONITOR_HMAC_SECRET',
    default: '',
    description:
      'Secret key (at least 32 characters) of the RA pseudonyms in pseudonymised mode. Losing it makes stored rows impossible to join with outcomes; leaking it makes them linkable to RAs.',
    parse: (raw: string): string => raw,
    secret: true,
  },
  retentionDays: {
    env: 'MONITOR_RETENTION_DAYS',
    default: 30,
    description: 'Events older than this many days are deleted (hourly, and by `defasagem monitor prune`).',
    parse: parsers.int(1, 3650),
  },
  queueMax: {
    env: 'MONITOR_QUEUE_MAX',
    default: 20000,
    description:
      'Bound of the in-memory event queue, in scored students plus requests; above it events are dropped and counted, never waited for.',
    parse: parsers.int(100, 10_000_000),
  },
  batchSize: {
    env: 'MONITOR_BATCH_SIZE',
    default: 5000,
    description:
      'The writer flushes as soon as this many students/requests are counted and not yet written (one transaction each); the flush interval bounds how long they wait when traffic is lighter.',
    parse: parsers.int(1, 1_000_000),
  },
  flushIntervalMs: {
    env: 'MONITOR_FLUSH_INTERVAL_MS',
    default: 1000,
    description: 'The writer flushes at least this often (milliseconds) while events are queued.',
    parse: parsers.int(10, 600_000),
  },
  psiYellow: {
    env: 'MONITOR_PSI_YELLOW',
    default: 0.1,
    description: 'PSI from which a feature (or the score) is yellow: watch it.',
    parse: parsers.number(0, 10),
  },
  psiRed: {
    env: 'MONITOR_PSI_RED',
    default: 0.25,
    description: 'PSI from which a feature (or the score) is red: act.',
    parse: parsers.number(0, 10),
  },
  missingYellow: {
    env: 'MONITOR_MISSING_YELLOW',
    default: 0.05,
    description: 'Absolute change of a feature missing rate (0.05 = 5 points) from which it is yellow.',
    parse: parsers.number(0, 1),
  },
  missingRed: {
    env: 'MONITOR_MISSING_RED',
    default: 0.15,
    description: 'Absolute change of a feature missing rate from which it is red.',
    parse: parsers.number(0, 1),
  },
  driftMinRecords: {
    env: 'MONITOR_DRIFT_MIN_RECORDS',
    default: 200,
    description:
      'Below this many scored students in the window the overall drift status is "insufficient": PSI of small samples is biased upwards (about (bins − 1) / n).',
    parse: parsers.int(1, 1_000_000),
  },
  driftIgnore: {
    env: 'MONITOR_DRIFT_IGNORE',
    default: ['ano_base'] as string[],
    description:
      'Input fields shown but left out of the overall drift status (comma-separated); ano_base is the observation year, which changes by definition.',
    parse: parsers.list,
  },
  minRecall: {
    env: 'MONITOR_MIN_RECALL',
    default: 0.75,
    description:
      'Outcomes: alert when the realised recall (students who fell behind and were flagged) is below.',
    parse: parsers.number(0, 1),
  },
  minPrecision: {
    env: 'MONITOR_MIN_PRECISION',
    default: 0.45,
    description:
      'Outcomes: alert when the realised precision (flagged students who did fall behind) is below.',
    parse: parsers.number(0, 1),
  },
  minPrAuc: {
    env: 'MONITOR_MIN_PR_AUC',
    default: 0.6,
    description: 'Outcomes: alert when the realised PR-AUC (average precision) is below.',
    parse: parsers.number(0, 1),
  },
  maxEce: {
    env: 'MONITOR_MAX_ECE',
    default: 0.1,
    description: 'Outcomes: alert when the expected calibration error (10 equal-width bins) is above.',
    parse: parsers.number(0, 1),
  },
  minGroupSize: {
    env: 'MONITOR_MIN_GROUP_SIZE',
    default: 30,
    description:
      'Outcomes: groups (gender, school type, fase) smaller than this are reported but never alert.',
    parse: parsers.int(1, 100_000),
  },
});

/** Widened from the schema's literal defaults so callers (and tests) can pass their own values. */
export interface MonitorSettings {
  dataDir: string;
  databaseUrl: string;
  privacyMode: PrivacyMode;
  hmacSecret: string;
  retentionDays: number;
  queueMax: number;
  batchSize: number;
  flushIntervalMs: number;
  psiYellow: number;
  psiRed: number;
  missingYellow: number;
  missingRed: number;
  driftMinRecords: number;
  driftIgnore: string[];
  minRecall: number;
  minPrecision: number;
  minPrAuc: number;
  maxEce: number;
  minGroupSize: number;
}

/** The defaults as plain values (tests and library callers override what they need). */
export function defaultMonitorSettings(overrides: Partial<MonitorSettings> = {}): MonitorSettings {
  const out = {} as Record<string, unknown>;
  for (const [k, def] of Object.entries(MONITOR_SETTINGS)) out[k] = def.default;
  return { ...(out as unknown as MonitorSettings), ...overrides };
}
