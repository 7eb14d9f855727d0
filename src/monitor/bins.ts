/**
 * The bins events are counted on. In aggregate_only mode nothing but these counts reaches the disk, so
 * they are the training baseline's own bins: drift is then exact (same edges, same rule), not an
 * approximation from re-binned histograms. A model version without a baseline gets a default spec
 * (whole-point bins for the 0–10 indicators) so its volumes and scores are still recorded.
 */
import { createHash } from 'node:crypto';
import { STUDENT_FIELDS } from '../core/student.js';
import type { MonitorBaseline } from './baseline.js';

export interface NumericBins {
  readonly field: string;
  readonly kind: 'numeric';
  /** Inner edges; bin j holds e_{j−1} < v ≤ e_j (the baseline's rule). */
  readonly edges: Float64Array;
}

export interface CategoricalBins {
  readonly field: string;
  readonly kind: 'categorical';
  /** Values a string may take and still be stored (the field's categories and the baseline's keys). */
  readonly allowed: ReadonlySet<string>;
}

export type FieldBins = NumericBins | CategoricalBins;

export interface BinSpec {
  /** sha256 (16 hex) of the edges and kinds: aggregates and baselines match when their ids match. */
  readonly id: string;
  readonly fields: readonly FieldBins[];
  readonly score: Float64Array;
}

/** Bin key of a missing value, and of a category string we refuse to store (never free text). */
export const MISSING = 'missing';
export const OTHER_CATEGORY = '__outro__';

/** Index of the bin holding v: the number of inner edges strictly below v (binary search). */
export function numericBin(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v > edges[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Stored key of a categorical value: a finite number as written by String() (the baseline's keys), an
 * allowed category string, MISSING, or OTHER_CATEGORY for anything else.
 */
export function categoryKey(bins: CategoricalBins, v: unknown): string {
  if (v === null || v === undefined) return MISSING;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : MISSING;
  if (typeof v === 'string' && bins.allowed.has(v)) return v;
  return OTHER_CATEGORY;
}

function specId(fields: readonly FieldBins[], score: Float64Array): string {
  const canon = JSON.stringify({
    fields: fields.map((f) => (f.kind === 'numeric' ? [f.field, f.kind, [...f.edges]] : [f.field, f.kind])),
    score: [...score],
  });
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

const FIELD_CATEGORIES = new Map(STUDENT_FIELDS.map((f) => [f.name as string, f.categories ?? []]));

function categorical(field: string, keys: Iterable<string>): CategoricalBins {
  const allowed = new Set<string>(FIELD_CATEGORIES.get(field) ?? []);
  for (const k of keys) if (Number.isNaN(Number(k))) allowed.add(k);
  return { field, kind: 'categorical', allowed };
}

function build(fields: FieldBins[], score: Float64Array): BinSpec {
  return { id: specId(fields, score), fields, score };
}

/** The baseline's own bins, field by field, in the baseline's field order. */
export function binSpecFromBaseline(b: MonitorBaseline): BinSpec {
  const fields: FieldBins[] = Object.entries(b.inputs).map(([field, f]) =>
    f.kind === 'numeric'
      ? { field, kind: 'numeric', edges: Float64Array.from(f.bin_edges) }
      : categorical(field, Object.keys(f.counts)),
  );
  return build(fields, Float64Array.from(b.score.bin_edges));
}

/** Score bins of every model: ten 0.1-wide bins (the baseline's fixed score bins). */
export const SCORE_EDGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** For a model version served without a baseline: whole-point bins on numbers, values on the rest. */
export function defaultBinSpec(): BinSpec {
  const fields: FieldBins[] = STUDENT_FIELDS.map((f) =>
    f.type === 'number'
      ? {
          field: f.name,
          kind: 'numeric',
          edges: Float64Array.from(
            { length: 9 },
            (_, i) => (f.min ?? 0) + ((i + 1) * ((f.max ?? 10) - (f.min ?? 0))) / 10,
          ),
        }
      : categorical(f.name, []),
  );
  return build(fields, Float64Array.from(SCORE_EDGES));
}

/** JSON form of a spec (stored once per id, so an aggregate row can always be read back). */
export function binSpecJson(spec: BinSpec): string {
  return JSON.stringify({
    id: spec.id,
    fields: spec.fields.map((f) =>
      f.kind === 'numeric'
        ? { field: f.field, kind: f.kind, edges: [...f.edges] }
        : { field: f.field, kind: f.kind, allowed: [...f.allowed].sort() },
    ),
    score: [...spec.score],
  });
}
