/**
 * baseline_v1.json: the training distributions of every input field and of the model's score, saved
 * with the model so monitoring can measure drift (PSI over the same bins, category frequencies)
 * without the training data. The contract (types, reader) is monitoring's: src/monitor/baseline.ts.
 *
 * The score distribution is out-of-fold: the calibrated cross-fitted scores of the production model's
 * own development (each row scored by a fold model that never saw it, through the calibrator the model
 * ships with). Scores of the final model on its own training rows would be more confident than on any
 * fresh cohort, so a new year would show score drift without any population change. The baseline names
 * its model by the sha256 of the model file, so a baseline beside the wrong model is detected.
 */
import { createHash } from 'node:crypto';
import { type FieldSpec, STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import type { BaselineFile, FieldBaseline, NumericFieldBaseline } from '../monitor/baseline.js';

/** A numeric field's baseline as training writes it: every descriptive statistic set. */
export type NumericBaseline = Required<NumericFieldBaseline>;

const MAX_DISCRETE = 20;
const QS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6;

function countIntoBins(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let k = 0;
    while (k < edges.length && v > edges[k]!) k++;
    counts[k]!++;
  }
  return counts;
}

function emptyNumeric(missing: number): NumericBaseline {
  const quantiles = { p01: null, p05: null, p25: null, p50: null, p75: null, p95: null, p99: null };
  return {
    kind: 'numeric',
    n: 0,
    missing,
    min: null,
    max: null,
    mean: null,
    std: null,
    quantiles,
    bin_edges: [],
    bin_counts: [0],
  };
}

export function numericBaseline(
  values: readonly number[],
  missing: number,
  edges?: number[],
): NumericBaseline {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  // No value at all (IPP when training on 2022): said explicitly, no placeholder edge.
  if (n === 0 && !edges) return emptyNumeric(missing);
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const std = n ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : Number.NaN;
  const q = (p: number): number | null => (n ? round(quantileSorted(s, p)) : null);
  // Decile edges, deduplicated (ties collapse bins rather than creating empty ones).
  const binEdges = edges ?? [
    ...new Set(Array.from({ length: 9 }, (_, k) => round(quantileSorted(s, (k + 1) / 10)))),
  ];
  return {
    kind: 'numeric',
    n,
    missing,
    min: n ? s[0]! : null,
    max: n ? s[n - 1]! : null,
    mean: n ? round(mean) : null,
    std: n ? round(std) : null,
    quantiles: {
      p01: q(QS[0]),
      p05: q(QS[1]),
      p25: q(QS[2]),
      p50: q(QS[3]),
      p75: q(QS[4]),
      p95: q(QS[5]),
      p99: q(QS[6]),
    },
    bin_edges: binEdges,
    bin_counts: countIntoBins(values, binEdges),
  };
}

function fieldBaseline(field: FieldSpec, records: readonly StudentRecord[]): FieldBaseline {
  let missing = 0;
  const values: Array<number | string> = [];
  for (const r of records) {
    const v = r[field.name];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) missing++;
    else values.push(v);
  }
  const distinct = new Set(values);
  if (field.type === 'category' || (field.type === 'integer' && distinct.size <= MAX_DISCRETE)) {
    const counts: Record<string, number> = {};
    for (const c of field.categories ?? []) counts[c] = 0;
    const keys = [...distinct].sort((a, b) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
    );
    for (const k of keys) counts[String(k)] = 0;
    for (const v of values) counts[String(v)]!++;
    return { kind: 'categorical', n: values.length, missing, counts };
  }
  return numericBaseline(values as number[], missing);
}

/** sha256 of the model file's bytes (what the registry's manifest records for model.json). */
export const modelFileSha256 = (modelFileText: string): string =>
  createHash('sha256').update(modelFileText, 'utf8').digest('hex');

export function buildBaseline(opts: {
  createdAt: string;
  records: readonly StudentRecord[];
  labelYears: number[];
  /** Out-of-fold calibrated scores of `records` (same order), from the production model's development. */
  oofScores: Float64Array;
  threshold: number;
  /** The model file exactly as written (model_v1.json): the baseline names it by its sha256. */
  modelFileText: string;
}): BaselineFile {
  if (opts.oofScores.length !== opts.records.length)
    throw new Error(`baseline: ${opts.oofScores.length} scores for ${opts.records.length} rows`);
  const inputs: Record<string, FieldBaseline> = {};
  for (const f of STUDENT_FIELDS) inputs[f.name] = fieldBaseline(f, opts.records);
  const scoreEdges = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  let pos = 0;
  for (const s of opts.oofScores) if (s >= opts.threshold) pos++;
  return {
    baseline_version: 2,
    created_at: opts.createdAt,
    rows: opts.records.length,
    label_years: opts.labelYears,
    model: { sha256: modelFileSha256(opts.modelFileText) },
    inputs,
    score: {
      ...numericBaseline(Array.from(opts.oofScores), 0, scoreEdges),
      fixed_bins: true,
      source: 'out_of_fold',
    },
    positive_rate_at_threshold: opts.oofScores.length ? round(pos / opts.oofScores.length) : 0,
  };
}
