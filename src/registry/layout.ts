/**
 * The registry's names. Development artifacts (training output, `_v1` suffix) are copied into a
 * version directory under normalised names; each registry name lists the development names it is
 * taken from, in priority order (`_v1` first, plain name as fallback).
 */

export interface ArtifactMapping {
  /** Name inside the version directory. */
  readonly name: string;
  /** Development names, first match wins. */
  readonly sources: readonly string[];
  readonly required: boolean;
  readonly json: boolean;
  readonly description: string;
}

export const ARTIFACT_MAPPING: readonly ArtifactMapping[] = [
  {
    name: 'model.json',
    sources: ['model_v1.json', 'model.json'],
    required: true,
    json: true,
    description: 'the trained model (ModelFileHeader + learner state)',
  },
  {
    name: 'metadata.json',
    sources: ['model_metadata_v1.json', 'model_metadata.json', 'metadata.json'],
    required: true,
    json: true,
    description: 'training metadata (data, features, parameters)',
  },
  {
    name: 'signature.json',
    sources: ['model_signature_v1.json', 'model_signature.json', 'signature.json'],
    required: true,
    json: true,
    description: 'input/output schema (ModelSignature)',
  },
  {
    name: 'metrics.json',
    sources: ['metrics_v1.json', 'metrics.json'],
    required: true,
    json: true,
    description: 'validation and test metrics (MetricsFile), read by the guardrails',
  },
  {
    name: 'baseline.json',
    sources: ['baseline_v1.json', 'baseline.json'],
    required: false,
    json: true,
    description: 'training baseline for drift monitoring',
  },
  {
    name: 'comparison.json',
    sources: ['model_comparison_v1.json', 'model_comparison.json'],
    required: false,
    json: true,
    description: 'candidate comparison from the training run',
  },
  {
    name: 'report.md',
    sources: ['model_report_v1.md', 'model_report.md'],
    required: false,
    json: false,
    description: 'human-readable training report',
  },
];

export const MANIFEST_FILE = 'manifest.json';
export const CHAMPION_FILE = 'champion.json';
export const HISTORY_FILE = 'history.jsonl';
export const LOCK_FILE = '.lock';
/** Staging directories and temp files start with this; list and verify ignore them, `gc` removes them. */
export const TEMP_PREFIX = '.tmp-';

/** A name that stays inside the directory it is joined to: no separators, no `..`, no leading dot. */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..');
}
