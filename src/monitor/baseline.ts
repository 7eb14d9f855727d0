/**
 * The training baseline (baseline_v1.json beside a development model, baseline.json in a registered
 * version): the one contract between training, which writes it (src/train/baseline.ts builds these
 * types), and monitoring, which reads it strictly here, so drift never meets a NaN or a bin without a
 * mass.
 *
 * Numeric fields: inner edges e₀ < … < e_{k−1} and k + 1 bin counts; bin 0 holds v ≤ e₀, bin j holds
 * e_{j−1} < v ≤ e_j, the last bin v > e_{k−1}. Counts are the real training counts (deciles collapse on
 * ties, so masses are unequal). A field training never saw a value of says so explicitly: n = 0,
 * `bin_edges: []`, `bin_counts: [0]` (and null statistics). Categorical fields: count per value (as a
 * string). `missing` counts the rows without a value; `n` the rows with one.
 *
 * Version 2 (written by training since the monitoring wiring) adds `model.sha256`, the sha256 of the
 * model file the baseline belongs to (model_v1.json, byte-identical to a registered model.json), and
 * `score.source`: `out_of_fold` when the score distribution is the cross-fitted calibrated scores of the
 * production model's own development (what a fresh cohort looks like to the model), `in_sample` when it
 * is the model's scores on its own training rows (version 1 files). Version 1 files stay readable: they
 * cannot be checked against the served model.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { MONITOR_ERRORS } from './errors.js';

/** Quantiles training records for a numeric field (descriptive; drift reads the bins). */
export type BaselineQuantiles = Record<'p01' | 'p05' | 'p25' | 'p50' | 'p75' | 'p95' | 'p99', number | null>;

export interface NumericFieldBaseline {
  kind: 'numeric';
  n: number;
  missing: number;
  /** Inner bin edges; [] when training saw no value (then bin_counts is [0]). */
  bin_edges: number[];
  bin_counts: number[];
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  std?: number | null;
  quantiles?: BaselineQuantiles;
}

export interface CategoricalFieldBaseline {
  kind: 'categorical';
  n: number;
  missing: number;
  /** Value (as a string) → count. */
  counts: Record<string, number>;
}

export type FieldBaseline = NumericFieldBaseline | CategoricalFieldBaseline;

/** Where the baseline's score distribution comes from. */
export const SCORE_SOURCES = ['out_of_fold', 'in_sample'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];

/** The score distribution: fixed 0.1-wide bins of the calibrated risk score. */
export interface ScoreBaseline extends NumericFieldBaseline {
  fixed_bins?: true;
  /** Version 2: out_of_fold or in_sample (version 1 files are in_sample). */
  source?: ScoreSource;
}

export const BASELINE_VERSION = 2;

export interface MonitorBaseline {
  baseline_version: 1 | 2;
  created_at: string;
  /** Rows the distributions describe (the production model's training rows). */
  rows: number;
  label_years: number[];
  /** Version 2: the model file the baseline belongs to. */
  model?: { sha256: string };
  inputs: Record<string, FieldBaseline>;
  score: ScoreBaseline;
  /** Share of the score distribution at or above the model's threshold. */
  positive_rate_at_threshold: number;
}

/** What training writes now: a version 2 baseline, naming its model and its score source. */
export interface BaselineFile extends MonitorBaseline {
  baseline_version: 2;
  model: { sha256: string };
  score: ScoreBaseline & { fixed_bins: true; source: ScoreSource };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function invalid(where: string, message: string): AppError {
  return new AppError(MONITOR_ERRORS.BASELINE_INVALID, `Invalid baseline (${where}): ${message}.`, {
    field: where,
  });
}

function checkNumeric(where: string, f: Record<string, unknown>): NumericFieldBaseline {
  const { bin_edges: edges, bin_counts: counts } = f;
  if (!Array.isArray(edges) || !Array.isArray(counts))
    throw invalid(where, 'bin_edges and bin_counts are required');
  if (counts.length !== edges.length + 1)
    throw invalid(where, `${counts.length} bin counts for ${edges.length} inner edges (expected edges + 1)`);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (typeof e !== 'number' || !Number.isFinite(e))
      throw invalid(where, `edge ${i} is not a finite number`);
    if (i > 0 && !(e > (edges[i - 1] as number))) throw invalid(where, 'bin edges must increase strictly');
  }
  if (!counts.every(isCount)) throw invalid(where, 'bin counts must be whole numbers ≥ 0');
  const total = (counts as number[]).reduce((a, b) => a + b, 0);
  if (total !== f.n) throw invalid(where, `bin counts add up to ${total}, not n = ${String(f.n)}`);
  return f as unknown as NumericFieldBaseline;
}

function checkCategorical(where: string, f: Record<string, unknown>): CategoricalFieldBaseline {
  if (!isObj(f.counts)) throw invalid(where, 'counts is required');
  const values = Object.values(f.counts);
  if (!values.every(isCount)) throw invalid(where, 'category counts must be whole numbers ≥ 0');
  const total = (values as number[]).reduce((a, b) => a + b, 0);
  if (total !== f.n) throw invalid(where, `category counts add up to ${total}, not n = ${String(f.n)}`);
  return f as unknown as CategoricalFieldBaseline;
}

function checkField(where: string, f: unknown): FieldBaseline {
  if (!isObj(f)) throw invalid(where, 'not an object');
  if (!isCount(f.n) || !isCount(f.missing)) throw invalid(where, 'n and missing must be whole numbers ≥ 0');
  if (f.kind === 'numeric') return checkNumeric(where, f);
  if (f.kind === 'categorical') return checkCategorical(where, f);
  throw invalid(where, `unknown kind "${String(f.kind)}" (expected numeric or categorical)`);
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Version 2 names its model and says where its score distribution comes from. */
function checkVersion2(json: Record<string, unknown>): void {
  const model = json.model;
  if (!isObj(model) || typeof model.sha256 !== 'string' || !SHA256.test(model.sha256))
    throw invalid('model.sha256', 'must be the sha256 (64 lowercase hex) of the model file');
  const source = (json.score as Record<string, unknown>).source;
  if (!SCORE_SOURCES.includes(source as ScoreSource))
    throw invalid('score.source', `must be one of ${SCORE_SOURCES.join(', ')}`);
}

/** Validates a parsed baseline document. Throws MONITOR_BASELINE_INVALID naming the field. */
export function parseBaseline(json: unknown): MonitorBaseline {
  if (!isObj(json)) throw invalid('document', 'not a JSON object');
  if (json.baseline_version !== 1 && json.baseline_version !== BASELINE_VERSION)
    throw invalid(
      'baseline_version',
      `version ${String(json.baseline_version)} is not supported (expected 1 or ${BASELINE_VERSION})`,
    );
  if (typeof json.created_at !== 'string') throw invalid('created_at', 'must be a date-time string');
  if (!isCount(json.rows)) throw invalid('rows', 'must be a whole number');
  if (!Array.isArray(json.label_years) || !json.label_years.every((y) => Number.isInteger(y)))
    throw invalid('label_years', 'must be a list of years');
  if (!isObj(json.inputs) || Object.keys(json.inputs).length === 0)
    throw invalid('inputs', 'must describe at least one input field');
  for (const [name, f] of Object.entries(json.inputs)) checkField(`inputs.${name}`, f);
  const score = checkField('score', json.score);
  if (score.kind !== 'numeric') throw invalid('score', 'must be numeric');
  if (json.baseline_version === BASELINE_VERSION) checkVersion2(json);
  const rate = json.positive_rate_at_threshold;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
    throw invalid('positive_rate_at_threshold', 'must be a share from 0 to 1');
  return json as unknown as MonitorBaseline;
}

/** Reads and validates a baseline file. BASELINE_NOT_FOUND when absent, BASELINE_INVALID when malformed. */
export function readBaseline(file: string): MonitorBaseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError(MONITOR_ERRORS.BASELINE_NOT_FOUND, `No baseline file at ${file}.`, { path: file });
    }
    throw new AppError(MONITOR_ERRORS.BASELINE_INVALID, `Cannot read the baseline file ${file}.`, {
      path: file,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('document', `${file} is not valid JSON`);
  }
  return parseBaseline(json);
}
