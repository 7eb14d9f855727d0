/**
 * Counting predictions on a BinSpec. The same code fills the hourly aggregates the store keeps and the
 * histograms a replay (tests, outcomes) builds from records, so drift reads one representation.
 *
 * Series (stored as `series`, `bin`, `n`):
 *   calls ''                 prediction calls (a batch is one call)
 *   records ''               scored students
 *   label '0' | '1'          the label given (score ≥ threshold)
 *   score '<bin>' | missing  score histogram on the spec's score edges
 *   f:<field> '<bin>'        numeric field: bin index on the spec's edges
 *   f:<field> 'v:<value>'    categorical field: the value (a number, or an allowed category)
 *   f:<field> 'missing'      the field had no value
 */
import { type BinSpec, categoryKey, MISSING, numericBin } from './bins.js';

export interface CountEntry {
  series: string;
  bin: string;
  n: number;
}

/** A sparse counter of (series, bin) → n. */
export class Counts {
  private readonly map = new Map<string, number>();

  add(series: string, bin: string, n = 1): void {
    const k = `${series}\t${bin}`;
    this.map.set(k, (this.map.get(k) ?? 0) + n);
  }

  get size(): number {
    return this.map.size;
  }

  *entries(): IterableIterator<CountEntry> {
    for (const [k, n] of this.map) {
      const tab = k.indexOf('\t');
      yield { series: k.slice(0, tab), bin: k.slice(tab + 1), n };
    }
  }
}

export const fieldSeries = (field: string): string => `f:${field}`;

/**
 * Adds one prediction call (any number of records) to `counts`. Reads the records, keeps nothing, and
 * tolerates malformed input (a missing score or record counts as missing), so one bad observation
 * cannot make a whole batch fail.
 */
export function countPrediction(
  counts: Counts,
  spec: BinSpec,
  records: readonly object[],
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): void {
  counts.add('calls', '');
  counts.add('records', '', records.length);
  for (let i = 0; i < records.length; i++) {
    const s = scores?.[i];
    counts.add(
      'score',
      typeof s === 'number' && Number.isFinite(s) ? String(numericBin(spec.score, s)) : MISSING,
    );
    counts.add('label', labels?.[i] === 1 ? '1' : '0');
  }
  for (const f of spec.fields) {
    const series = fieldSeries(f.field);
    for (const r of records) {
      const v = (r as Record<string, unknown> | null)?.[f.field];
      if (f.kind === 'numeric') {
        counts.add(
          series,
          typeof v === 'number' && Number.isFinite(v) ? String(numericBin(f.edges, v)) : MISSING,
        );
      } else {
        const key = categoryKey(f, v);
        counts.add(series, key === MISSING ? MISSING : `v:${key}`);
      }
    }
  }
}

export interface NumericHistogram {
  kind: 'numeric';
  counts: Float64Array;
  missing: number;
}

export interface CategoricalHistogram {
  kind: 'categorical';
  counts: Map<string, number>;
  missing: number;
}

export type FieldHistogram = NumericHistogram | CategoricalHistogram;

/** Everything drift needs about a window of predictions, on one BinSpec. */
export interface WindowHistograms {
  binsId: string;
  calls: number;
  records: number;
  positives: number;
  score: NumericHistogram;
  fields: Map<string, FieldHistogram>;
}

/** Folds (series, bin, n) rows (already summed or not) into histograms on `spec`. */
export function histogramsFromCounts(spec: BinSpec, rows: Iterable<CountEntry>): WindowHistograms {
  const fields = new Map<string, FieldHistogram>();
  const byName = new Map<string, FieldHistogram>();
  for (const f of spec.fields) {
    const h: FieldHistogram =
      f.kind === 'numeric'
        ? { kind: 'numeric', counts: new Float64Array(f.edges.length + 1), missing: 0 }
        : { kind: 'categorical', counts: new Map(), missing: 0 };
    fields.set(f.field, h);
    byName.set(fieldSeries(f.field), h);
  }
  const out: WindowHistograms = {
    binsId: spec.id,
    calls: 0,
    records: 0,
    positives: 0,
    score: { kind: 'numeric', counts: new Float64Array(spec.score.length + 1), missing: 0 },
    fields,
  };
  for (const { series, bin, n } of rows) {
    if (series === 'calls') out.calls += n;
    else if (series === 'records') out.records += n;
    else if (series === 'label') out.positives += bin === '1' ? n : 0;
    else addToHistogram(series === 'score' ? out.score : byName.get(series), bin, n);
  }
  return out;
}

function addToHistogram(h: FieldHistogram | undefined, bin: string, n: number): void {
  if (!h) return;
  if (bin === MISSING) h.missing += n;
  else if (h.kind === 'numeric') {
    const j = Number(bin);
    if (Number.isInteger(j) && j >= 0 && j < h.counts.length) h.counts[j]! += n;
  } else if (bin.startsWith('v:')) {
    const key = bin.slice(2);
    h.counts.set(key, (h.counts.get(key) ?? 0) + n);
  }
}

/** Histograms of records scored now (a replay): the same counting the store does, without a store. */
export function histogramsFromRecords(
  spec: BinSpec,
  records: readonly object[],
  scores: ArrayLike<number>,
  labels?: ArrayLike<number>,
): WindowHistograms {
  const counts = new Counts();
  countPrediction(counts, spec, records, scores, labels ?? new Uint8Array(records.length));
  return histogramsFromCounts(spec, counts.entries());
}
