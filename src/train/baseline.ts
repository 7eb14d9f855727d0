/**
 * baseline_v1.json: the training distributions of every input field and of the model's score, saved
 * with the model so monitoring can measure drift (PSI over the same bins, category frequencies)
 * without the training data.
 */
import { type FieldSpec, STUDENT_FIELDS, type StudentRecord } from '../core/student.js';

/** Numeric field with many distinct values: quantile bins (edges from training, open-ended ends). */
export interface NumericBaseline {
  kind: 'numeric';
  n: number;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  quantiles: Record<'p01' | 'p05' | 'p25' | 'p50' | 'p75' | 'p95' | 'p99', number | null>;
  /** Inner bin edges; bin k holds edges[k-1] < v ≤ edges[k] (first bin: v ≤ edges[0], last: v > last edge). */
  bin_edges: number[];
  bin_counts: number[];
}

/** Category field or integer field with few values: frequency of each value seen in training. */
export interface CategoricalBaseline {
  kind: 'categorical';
  n: number;
  missing: number;
  /** Value (as string) → count. */
  counts: Record<string, number>;
}

export type FieldBaseline = NumericBaseline | CategoricalBaseline;

export interface BaselineFile {
  baseline_version: 1;
  created_at: string;
  /** Rows the distributions describe (the production model's training rows). */
  rows: number;
  label_years: number[];
  inputs: Record<string, FieldBaseline>;
  /** The calibrated risk score of the production model on those rows, in fixed 0.1-wide bins. */
  score: NumericBaseline & { fixed_bins: true };
  /** Share of rows at or above the model's threshold. */
  positive_rate_at_threshold: number;
}

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

export function numericBaseline(
  values: readonly number[],
  missing: number,
  edges?: number[],
): NumericBaseline {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const std = n ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n) : Number.NaN;
  const q = (p: number): number | null => (n ? round(quantileSorted(s, p)) : null);
  // Decile edges, deduplicated (ties collapse bins rather than creating empty ones).
  const binEdges = edges ?? [
    ...new Set(Array.from({ length: 9 }, (_, k) => (n ? round(quantileSorted(s, (k + 1) / 10)) : 0))),
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

export function buildBaseline(opts: {
  createdAt: string;
  records: readonly StudentRecord[];
  labelYears: number[];
  scores: Float64Array;
  threshold: number;
}): BaselineFile {
  const inputs: Record<string, FieldBaseline> = {};
  for (const f of STUDENT_FIELDS) inputs[f.name] = fieldBaseline(f, opts.records);
  const scoreEdges = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  let pos = 0;
  for (const s of opts.scores) if (s >= opts.threshold) pos++;
  return {
    baseline_version: 1,
    created_at: opts.createdAt,
    rows: opts.records.length,
    label_years: opts.labelYears,
    inputs,
    score: { ...numericBaseline(Array.from(opts.scores), 0, scoreEdges), fixed_bins: true },
    positive_rate_at_threshold: opts.scores.length ? round(pos / opts.scores.length) : 0,
  };
}
