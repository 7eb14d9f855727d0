import { CORE_ERRORS } from '../core/core-errors.js';
import type { ErrorSpec } from '../core/error-base.js';
import { DATA_ERRORS } from '../data/errors.js';
import { FEATURES_ERRORS } from '../features/errors.js';
import { ML_ERRORS } from '../ml/errors.js';
import { MODEL_ERRORS } from '../model/errors.js';
import { MONITOR_ERRORS } from '../monitor/errors.js';
import { REGISTRY_ERRORS } from '../registry/errors.js';
import { SCORE_ERRORS } from '../score/errors.js';
import { SERVE_ERRORS } from '../serve/errors.js';
import { OIP_ERRORS } from '../serve/oip/errors.js';
import { TRAIN_ERRORS } from '../train/errors.js';
import { RETRAIN_ERRORS } from '../train/retrain-errors.js';

/**
 * Every error a user can meet, by module: the composition layer gathers them because it is the one
 * layer that may import every module. docs/errors.md is generated from this (npm run docs:errors).
 */
export const CATALOGUE: ReadonlyArray<{ module: string; errors: Readonly<Record<string, ErrorSpec>> }> = [
  { module: 'core', errors: CORE_ERRORS },
  { module: 'data (ingest, synth)', errors: DATA_ERRORS },
  { module: 'ml (learners, metrics)', errors: ML_ERRORS },
  { module: 'features (feature pipeline)', errors: FEATURES_ERRORS },
  { module: 'train', errors: TRAIN_ERRORS },
  { module: 'retrain (champion vs challenger)', errors: RETRAIN_ERRORS },
  { module: 'model', errors: MODEL_ERRORS },
  { module: 'registry', errors: REGISTRY_ERRORS },
  { module: 'monitor (inference events, drift, outcomes)', errors: MONITOR_ERRORS },
  { module: 'score (cohort scoring: `defasagem score`, POST /score)', errors: SCORE_ERRORS },
  { module: 'serve (HTTP API)', errors: SERVE_ERRORS },
  { module: 'serve: Open Inference Protocol v2 (/v2)', errors: OIP_ERRORS },
];

export function allErrorSpecs(): ErrorSpec[] {
  return CATALOGUE.flatMap((m) => Object.values(m.errors));
}

/** The Markdown of docs/errors.md; a test keeps the committed file equal to this. */
export function renderErrorsMarkdown(): string {
  const lines = [
    '# Error catalogue',
    '',
    '<!-- Generated from src/app/catalogue.ts by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    'Every failure a user can meet has a stable code. The CLI prints `error <code>: <message>` and exits',
    'with the exit code below (`--json` prints the error object); the HTTP API answers with the status',
    'below and a JSON body `{ "error": { "code", "message", "hint", "details" } }`.',
    '',
    'Exit codes: 0 ok · 2 invalid input · 3 conflict · 4 not found · 5 integrity · 6 refused by policy ·',
    '7 environment (disk, lock, port) · 70 internal bug. `defasagem retrain` also ends with 10 (challenger',
    'registered, not better), 11 (registered, rejected) or 12 (registered, passes, no --promote); 0 there means',
    'promoted.',
    '',
  ];
  for (const m of CATALOGUE) {
    lines.push(
      `## ${m.module}`,
      '',
      '| code | HTTP | exit | meaning | what to do |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const e of Object.values(m.errors)) {
      lines.push(`| \`${e.code}\` | ${e.http} | ${e.exit} | ${e.title} | ${e.hint} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
