/**
 * One pending EventBatch, filled as observations arrive: hourly counters per (hour, model version,
 * endpoint, bins) and per (hour, endpoint), the drop counters, the bin specs they use, and — in
 * pseudonymised mode — one row per student given with an RA, keyed by the HMAC of the RA, with the
 * contract's input fields only (students without an RA are counted in the aggregates and never become
 * a row).
 *
 * Counting happens when the observation is added (typed-array counters: about a microsecond per
 * student, and the records are not kept: in aggregate_only mode no student's values outlive the call
 * that observed them). Rows, which need an HMAC per student, are built later, off the request path, by
 * `buildRows` a slice at a time; until then the batch holds references to the calls that carry RAs.
 */
import { STUDENT_FIELD_NAMES } from '../core/student.js';
import { PredictionCounter } from './aggregate.js';
import { type BinSpec, binSpecJson } from './bins.js';
import { type DropKind, RequestCounter } from './health.js';
import { endpointOf, type PredictionObservation, type RequestObservation } from './observation.js';
import type { Pseudonymiser } from './pseudonym.js';
import { hourOf } from './store/schema.js';
import type { EventBatch, PredictionRow } from './store/types.js';

interface PredictionGroup {
  hour: number;
  modelVersion: string;
  endpoint: string;
  counts: PredictionCounter;
}

/** Only the student record contract's fields, missing as null: never RA, name or anything extra. */
function pickInputs(r: object): string {
  const out: Record<string, unknown> = {};
  for (const f of STUDENT_FIELD_NAMES) {
    const v = (r as Record<string, unknown>)[f];
    out[f] = v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
  }
  return JSON.stringify(out);
}

interface RequestGroup {
  hour: number;
  endpoint: string;
  counts: RequestCounter;
}

/** A call whose students become rows at flush (pseudonymised mode, RAs given). */
interface RowSource {
  o: PredictionObservation;
  where: { at: number; modelVersion: string; endpoint: string };
  /** Students of `o` already turned into rows. */
  done: number;
}

export class BatchBuilder {
  private readonly pred = new Map<string, PredictionGroup>();
  private readonly req = new Map<string, RequestGroup>();
  private readonly rows: PredictionRow[] = [];
  private readonly rowSources: RowSource[] = [];
  /** The groups the previous prediction and request went to (most calls share one). */
  private last: PredictionGroup | null = null;
  private lastReq: RequestGroup | null = null;

  constructor(
    private readonly ctx: {
      specFor: (modelVersion: string) => BinSpec;
      /** Cache of spec JSON by id, shared across batches. */
      specJson: Map<string, string>;
      hmac: Pseudonymiser | null;
      now: () => number;
    },
  ) {}

  addPrediction(o: PredictionObservation): void {
    const at = Number.isFinite(o.at) ? o.at : this.ctx.now();
    const hour = hourOf(at);
    const endpoint = endpointOf(o);
    const modelVersion = String(o.modelVersion);
    const spec = this.ctx.specFor(modelVersion);
    let g = this.last;
    if (
      !g ||
      g.hour !== hour ||
      g.modelVersion !== modelVersion ||
      g.endpoint !== endpoint ||
      g.counts.spec !== spec
    ) {
      const key = `${hour}\t${modelVersion}\t${endpoint}\t${spec.id}`;
      let found = this.pred.get(key);
      if (!found)
        this.pred.set(key, (found = { hour, modelVersion, endpoint, counts: new PredictionCounter(spec) }));
      this.last = g = found;
    }
    g.counts.add(o.records, o.scores, o.labels, o.bandCuts);
    // Only students given with their RA become rows: a row nobody can join to an outcome would keep
    // the student's fields for nothing (/predict and /v2 never carry an RA: aggregates only).
    if (this.ctx.hmac && o.ras) this.rowSources.push({ o, where: { at, modelVersion, endpoint }, done: 0 });
  }

  addRequest(o: RequestObservation): void {
    const hour = hourOf(Number.isFinite(o.at) ? o.at : this.ctx.now());
    const endpoint = endpointOf(o);
    let g = this.lastReq;
    if (!g || g.hour !== hour || g.endpoint !== endpoint) {
      const key = `${hour}\t${endpoint}`;
      let found = this.req.get(key);
      if (!found) this.req.set(key, (found = { hour, endpoint, counts: new RequestCounter() }));
      this.lastReq = g = found;
    }
    g.counts.add(o.status, o.latencyMs);
  }

  /**
   * Turns up to `max` more students given with an RA into pseudonymised rows; true while some are
   * left (the caller yields to the event loop between slices).
   */
  buildRows(max: number): boolean {
    const hmac = this.ctx.hmac;
    let budget = max;
    while (hmac && this.rowSources.length > 0 && budget > 0) {
      const src = this.rowSources[0]!;
      const { o, where } = src;
      const ras = o.ras ?? [];
      const end = Math.min(o.records.length, src.done + budget);
      for (let i = src.done; i < end; i++) {
        const ra = ras[i];
        const r = o.records[i];
        const score = Number(o.scores?.[i]);
        if (typeof ra !== 'string' || ra.trim() === '') continue;
        if (typeof r !== 'object' || r === null || !Number.isFinite(score)) continue;
        this.rows.push({
          ...where,
          subject: hmac(ra),
          score,
          label: o.labels?.[i] === 1 ? 1 : 0,
          inputs: pickInputs(r),
        });
      }
      budget -= Math.max(1, end - src.done);
      src.done = end;
      if (end >= o.records.length) this.rowSources.shift();
    }
    return hmac !== null && this.rowSources.length > 0;
  }

  /** The batch (rows built first: see buildRows), with the drop counters (written in the current hour). */
  finish(drops: ReadonlyMap<string, ReadonlyMap<DropKind, number>>): EventBatch {
    while (this.buildRows(Number.POSITIVE_INFINITY)) {}
    const batch: EventBatch = { predictionCounts: [], requestCounts: [], rows: this.rows, binSpecs: [] };
    for (const g of this.pred.values())
      for (const c of g.counts.entries())
        batch.predictionCounts.push({
          hour: g.hour,
          modelVersion: g.modelVersion,
          endpoint: g.endpoint,
          binsId: g.counts.spec.id,
          ...c,
        });
    for (const g of this.req.values())
      for (const c of g.counts.entries())
        batch.requestCounts.push({ hour: g.hour, endpoint: g.endpoint, ...c });
    const dropHour = hourOf(this.ctx.now());
    for (const [endpoint, m] of drops)
      for (const [kind, n] of m)
        batch.requestCounts.push({ hour: dropHour, endpoint, series: 'dropped', bin: kind, n });
    const specs = new Map<string, string>();
    for (const { counts } of this.pred.values()) {
      const spec = counts.spec;
      let json = this.ctx.specJson.get(spec.id);
      if (!json) this.ctx.specJson.set(spec.id, (json = binSpecJson(spec)));
      specs.set(spec.id, json);
    }
    batch.binSpecs = [...specs].map(([id, json]) => ({ id, json }));
    return batch;
  }
}
