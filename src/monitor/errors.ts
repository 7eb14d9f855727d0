import { defineErrors, EXIT } from '../core/error-base.js';

/** Monitoring errors: the event store, baselines, drift, outcomes and service health. */
export const MONITOR_ERRORS = defineErrors('MONITOR', {
  SECRET_MISSING: {
    http: 500,
    exit: EXIT.invalidInput,
    title: 'Pseudonymised monitoring needs an HMAC secret, and none (or a too short one) is configured',
    hint: 'Set MONITOR_HMAC_SECRET to a random secret of at least 32 characters (e.g. `openssl rand -hex 32`) and keep it out of the repository, or use MONITOR_PRIVACY_MODE=aggregate_only.',
  },
  MONITORING_OFF: {
    http: 409,
    exit: EXIT.policy,
    title: 'Monitoring is off, so there are no events to read',
    hint: 'Set MONITOR_PRIVACY_MODE=aggregate_only (the default) or pseudonymised and restart the server.',
  },
  STORE_FAILED: {
    http: 503,
    exit: EXIT.environment,
    title: 'The monitoring event store could not be opened or written',
    hint: 'Check that MONITOR_DATA_DIR exists, is writable and has free space; predictions are unaffected.',
  },
  SCHEMA_TOO_NEW: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The monitoring database was written by a newer release',
    hint: 'Run the release that wrote it, or point MONITOR_DATA_DIR at another folder; this release never downgrades a database.',
  },
  BASELINE_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'The model version has no training baseline (baseline.json) to compare with',
    hint: 'Train the model again with the current `defasagem train` (it writes baseline_v1.json) and register it; drift needs the baseline of the served version.',
  },
  BASELINE_INVALID: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The training baseline file does not follow its contract',
    hint: 'The file is truncated or was edited by hand: train again to regenerate it; the message names the field.',
  },
  BASELINE_MISMATCH: {
    http: 409,
    exit: EXIT.integrity,
    title: 'The training baseline belongs to another model than the one it is served with',
    hint: 'The baseline names its model by sha256 and this model file has another one: re-register the model with the baseline its own training wrote (never copy a baseline between versions).',
  },
  BINS_MISMATCH: {
    http: 409,
    exit: EXIT.conflict,
    title: 'The events of that window were aggregated on other bins than the baseline uses',
    hint: 'The server aggregated without (or with another) baseline for this version; drift is measurable from the next hour the server runs with the baseline beside the model.',
  },
  WINDOW_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The time window is not valid',
    hint: 'Give a whole number of days from 1 to the retention period (e.g. --last-days 7), or a start before the end.',
  },
  QUERY_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A monitoring query parameter is unknown, repeated or has a value it cannot take',
    hint: 'Use last_days (whole days), model_version (vX.Y.Z or dev-…) and, for drift, format=json or format=html; the message names the parameter.',
  },
  ROWS_REQUIRED: {
    http: 409,
    exit: EXIT.policy,
    title:
      'Outcomes from recorded predictions need per-student rows, which only the pseudonymised mode stores',
    hint: 'Re-score the earlier cohort with the version that was champion then (the default of `monitor outcomes`), or run with MONITOR_PRIVACY_MODE=pseudonymised.',
  },
  NO_CHAMPION_THEN: {
    http: 404,
    exit: EXIT.notFound,
    title: 'No model version was champion when the earlier cohort was scored',
    hint: 'The registry history has no promotion before that date: pass --scored-at with a date after the promotion, or name the version with --model-version.',
  },
  MODEL_SAW_OUTCOMES: {
    http: 409,
    exit: EXIT.policy,
    title: 'The model chosen to re-score the cohort was trained on the outcomes it would be judged on',
    hint: 'Its training label years include the outcome year, so its recall and precision would be in-sample: pass --scored-at with the date the cohort was really scored, or --model-version of the model in use then.',
  },
  OUTCOMES_NO_MATCH: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'No prediction could be joined to an outcome of the next year',
    hint: 'Check that the outcome source is the year after the predictions and that the same MONITOR_HMAC_SECRET was used for both.',
  },
});
