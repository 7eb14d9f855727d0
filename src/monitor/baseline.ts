/**
 * The training baseline (baseline_v1.json beside a development model, baseline.json in a registered
 * version), read strictly. Training writes it (src/train/baseline.ts); this is the reader's contract:
 * every field drift needs is checked here once, so drift never meets a NaN or a bin without a mass.
 *
 * Numeric fields: inner edges e₀ < … < e_{k−1} and k + 1 bin counts; bin 0 holds v ≤ e₀, bin j holds
 * e_{j−1} < v ≤ e_j, the last bin v > e_{k−1}. Counts are the real training counts (deciles collapse on
 * ties, so masses are unequal). Categorical fields: count per value (as a string). `missing` counts the
 * rows without a value; `n` the rows with one.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../core/error-base.js';
import { MONITOR_ERRORS } from './errors.js';

export interface NumericFieldBaseline {
  kind: 'numeric';
  n: number;
  missing: number;
  bin_edges: number[];
  bin_counts: number[];
  mean?: number | null;
  quantiles?: Record<string, number | null>;
}

export interface CategoricalFieldBaseline {
  kind: 'categorical';
  n: number;
  missing: number;
  counts: Record<string, number>;
}

export type FieldBaseline = NumericFieldBaseline | CategoricalFieldBaseline;

export interface MonitorBaseline {
  baseline_version: 1;
  created_at: string;
  rows: number;
  label_years: number[];
  inputs: Record<string, FieldBaseline>;
  score: NumericFieldBaseline;
  positive_rate_at_threshold: number;
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

/** Validates a parsed baseline document. Throws MONITOR_BASELINE_INVALID naming the field. */
export function parseBaseline(json: unknown): MonitorBaseline {
  if (!isObj(json)) throw invalid('document', 'not a JSON object');
  if (json.baseline_version !== 1)
    throw invalid(
      'baseline_version',
      `version ${String(json.baseline_version)} is not supported (expected 1)`,
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
