/**
 * The registry's names: the design's, exactly. A version directory holds `model.json`,
 * `model_metadata.json`, `model_signature.json`, `metrics.json` and `manifest.json`, plus optional
 * extras. Each registry name is the development name without its `_v1` suffix, and is taken from the
 * training output `_v1` name first, the plain name as fallback.
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

/** The registry names of the files every version must have (the manifest must list them too). */
export const MODEL_FILE = 'model.json';
export const METADATA_FILE = 'model_metadata.json';
export const SIGNATURE_FILE = 'model_signature.json';
export const METRICS_FILE = 'metrics.json';
export const BASELINE_FILE = 'baseline.json';

/** `_v1` name first, plain name as fallback. */
const fromDev = (name: string): string[] => {
  const dot = name.lastIndexOf('.');
  return [`${name.slice(0, dot)}_v1${name.slice(dot)}`, name];
};

export const ARTIFACT_MAPPING: readonly ArtifactMapping[] = [
  {
    name: MODEL_FILE,
    sources: fromDev(MODEL_FILE),
    required: true,
    json: true,
    description: 'the trained model (ModelFileHeader + learner state)',
  },
  {
    name: METADATA_FILE,
    sources: fromDev(METADATA_FILE),
    required: true,
    json: true,
    description: 'training metadata (data, features, parameters)',
  },
  {
    name: SIGNATURE_FILE,
    sources: fromDev(SIGNATURE_FILE),
    required: true,
    json: true,
    description: 'input/output schema (ModelSignature)',
  },
  {
    name: METRICS_FILE,
    sources: fromDev(METRICS_FILE),
    required: true,
    json: true,
    description: 'validation and test metrics (MetricsFile), read by the guardrails',
  },
  {
    name: BASELINE_FILE,
    sources: fromDev(BASELINE_FILE),
    required: false,
    json: true,
    description: 'training baseline for drift monitoring',
  },
  {
    name: 'model_comparison.json',
    sources: fromDev('model_comparison.json'),
    required: false,
    json: true,
    description: 'candidate comparison from the training run',
  },
  {
    name: 'model_report.md',
    sources: fromDev('model_report.md'),
    required: false,
    json: false,
    description: 'human-readable training report',
  },
  {
    name: 'model_report.html',
    sources: fromDev('model_report.html'),
    required: false,
    json: false,
    description: 'the same report as a self-contained web page with its charts',
  },
];

/** Files a manifest must list: without them a version cannot be served (INTEGRITY_FAILED). */
export const REQUIRED_FILES: readonly string[] = ARTIFACT_MAPPING.filter((m) => m.required).map(
  (m) => m.name,
);

export const MANIFEST_FILE = 'manifest.json';
export const CHAMPION_FILE = 'champion.json';
export const HISTORY_FILE = 'history.jsonl';
export const LOCK_FILE = '.lock';
/** Staging directories and temp files (src/core/durable-fs.ts names); list and verify skip them, `gc` removes them. */
export { TEMP_PREFIX } from '../core/durable-fs.js';

/** A name that stays inside the directory it is joined to: no separators, no `..`, no leading dot. */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..');
}
