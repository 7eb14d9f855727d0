/**
 * Counting predictions on a BinSpec. The same code fills the hourly aggregates the store keeps and the
 * histograms a replay (tests, outcomes) builds from records, so drift reads one representation.
 *
 * Series (stored as `series`, `bin`, `n`):
 *   calls ''                 prediction calls (a batch is one call)
 *   records ''               scored students
 *   label '0' | '1'          the label given (score ≥ threshold)
 *   band alto|medio|baixo    the risk band given (when the caller passes the served band cut-offs)
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

/** The served risk bands' cut-offs (absolute probabilities), as the server's bundle holds them. */
export interface BandCuts {
  readonly alto: number;
  readonly medio: number;
}

export const RISK_BANDS = ['alto', 'medio', 'baixo'] as const;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Counts prediction calls on one BinSpec with typed arrays: fixed slots for calls, records, labels, the
 * score bins and every numeric field's bins (missing last), and per categorical field a map from the raw
 * value to its count. Keys are turned into stored strings only in `entries()` (categoryKey: numbers as
 * written, allowed categories, anything else OTHER_CATEGORY), so the hot loop builds no string.
 * Tolerates malformed input (a missing score or record counts as missing): one bad observation cannot
 * make a whole batch fail.
 */
export class PredictionCounter {
  /**
   * [calls, records, label0, label1, alto, medio, baixo, score bins…, score missing, per numeric field:
   * bins…, missing].
   */
  private readonly fixed: Float64Array;
  private readonly offsets: Int32Array;
  private readonly scoreAt = 7;
  /** Per categorical field, its count per raw value (in a box: one Map lookup per student, not two). */
  private readonly categorical: (Map<unknown, { n: number }> | null)[];

  constructor(readonly spec: BinSpec) {
    this.offsets = new Int32Array(spec.fields.length);
    let at = this.scoreAt + spec.score.length + 2;
    spec.fields.forEach((f, k) => {
      this.offsets[k] = at;
      if (f.kind === 'numeric') at += f.edges.length + 2;
    });
    this.fixed = new Float64Array(at);
    this.categorical = spec.fields.map((f) => (f.kind === 'categorical' ? new Map() : null));
  }

  /**
   * Adds one prediction call (any number of records). Reads the records; keeps nothing. With `bands`
   * (the served cut-offs: score ≥ alto → alto, ≥ medio → medio, else baixo) the bands given are counted.
   */
  add(
    records: readonly object[],
    scores: ArrayLike<number>,
    labels: ArrayLike<number>,
    bands?: BandCuts | null,
  ): void {
    const fx = this.fixed;
    const n = records.length;
    fx[0]! += 1;
    fx[1]! += n;
    const scoreMissing = this.scoreAt + this.spec.score.length + 1;
    const alto = bands && isNum(bands.alto) ? bands.alto : null;
    const medio = bands && isNum(bands.medio) ? bands.medio : null;
    for (let i = 0; i < n; i++) {
      const s = scores?.[i];
      fx[isNum(s) ? this.scoreAt + numericBin(this.spec.score, s) : scoreMissing]! += 1;
      fx[labels?.[i] === 1 ? 3 : 2]! += 1;
      if (alto !== null && medio !== null && isNum(s)) fx[s >= alto ? 4 : s >= medio ? 5 : 6]! += 1;
    }
    const fields = this.spec.fields;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      const name = f.field;
      const cat = this.categorical[k];
      if (cat) {
        for (let i = 0; i < n; i++) {
          const v = (records[i] as Record<string, unknown> | null)?.[name] ?? null;
          const box = cat.get(v);
          if (box === undefined) cat.set(v, { n: 1 });
          else box.n++;
        }
      } else if (f.kind === 'numeric') {
        const base = this.offsets[k]!;
        const missing = base + f.edges.length + 1;
        for (let i = 0; i < n; i++) {
          const v = (records[i] as Record<string, unknown> | null)?.[name];
          fx[isNum(v) ? base + numericBin(f.edges, v) : missing]! += 1;
        }
      }
    }
  }

  /** The non-zero counters as (series, bin, n). */
  *entries(): IterableIterator<CountEntry> {
    const fx = this.fixed;
    if (fx[0]) yield { series: 'calls', bin: '', n: fx[0] };
    if (fx[1]) yield { series: 'records', bin: '', n: fx[1] };
    if (fx[2]) yield { series: 'label', bin: '0', n: fx[2] };
    if (fx[3]) yield { series: 'label', bin: '1', n: fx[3] };
    for (let b = 0; b < RISK_BANDS.length; b++)
      if (fx[4 + b]) yield { series: 'band', bin: RISK_BANDS[b]!, n: fx[4 + b]! };
    yield* this.bins('score', this.scoreAt, this.spec.score.length + 1);
    for (let k = 0; k < this.spec.fields.length; k++) {
      const f = this.spec.fields[k]!;
      if (f.kind === 'numeric') {
        yield* this.bins(fieldSeries(f.field), this.offsets[k]!, f.edges.length + 1);
        continue;
      }
      const merged = new Counts();
      for (const [v, { n }] of this.categorical[k]!) {
        const key = categoryKey(f, v);
        merged.add(fieldSeries(f.field), key === MISSING ? MISSING : `v:${key}`, n);
      }
      yield* merged.entries();
    }
  }

  private *bins(series: string, base: number, nBins: number): IterableIterator<CountEntry> {
    for (let j = 0; j < nBins; j++) {
      const n = this.fixed[base + j]!;
      if (n) yield { series, bin: String(j), n };
    }
    const missing = this.fixed[base + nBins]!;
    if (missing) yield { series, bin: MISSING, n: missing };
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
  const counter = new PredictionCounter(spec);
  counter.add(records, scores, labels ?? new Uint8Array(records.length));
  return histogramsFromCounts(spec, counter.entries());
}
