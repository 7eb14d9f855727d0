/**
 * Turns queued observations into one EventBatch: hourly counters per (hour, model version, endpoint,
 * bins) and per (hour, endpoint), the drop counters, the bin specs they use, and — in pseudonymised
 * mode — one row per student given with an RA, keyed by the HMAC of the RA, with the contract's input
 * fields only (students without an RA are counted in the aggregates and never become a row).
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

export class BatchBuilder {
  private readonly pred = new Map<string, PredictionGroup>();
  private readonly req = new Map<string, { hour: number; endpoint: string; counts: RequestCounter }>();
  private readonly rows: PredictionRow[] = [];
  /** The group the previous prediction went to (most calls share one). */
  private last: PredictionGroup | null = null;

  constructor(
    private readonly ctx: {
      specFor: (modelVersion: string) => BinSpec;
      /** Cache of spec JSON by id, shared across batches. */
      specJson: Map<string, string>;
      hmac: Pseudonymiser | null;
      now: number;
    },
  ) {}

  addPrediction(o: PredictionObservation): void {
    const at = Number.isFinite(o.at) ? o.at : this.ctx.now;
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
    if (this.ctx.hmac) this.addRows(o, { at, modelVersion, endpoint }, this.ctx.hmac);
  }

  addRequest(o: RequestObservation): void {
    const hour = hourOf(Number.isFinite(o.at) ? o.at : this.ctx.now);
    const endpoint = endpointOf(o);
    const key = `${hour}\t${endpoint}`;
    let g = this.req.get(key);
    if (!g) this.req.set(key, (g = { hour, endpoint, counts: new RequestCounter() }));
    g.counts.add(o.status, o.latencyMs);
  }

  private addRows(
    o: PredictionObservation,
    where: { at: number; modelVersion: string; endpoint: string },
    hmac: Pseudonymiser,
  ): void {
    const ras = o.ras;
    // Only students given with their RA become rows: a row nobody can join to an outcome would keep
    // the student's fields for nothing (/predict and /v2 never carry an RA: aggregates only).
    if (!ras) return;
    for (let i = 0; i < o.records.length; i++) {
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
  }

  /** The batch, with the drop counters (written in the current hour). */
  finish(drops: ReadonlyMap<string, ReadonlyMap<DropKind, number>>): EventBatch {
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
    const dropHour = hourOf(this.ctx.now);
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
