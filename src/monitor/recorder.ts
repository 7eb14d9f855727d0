/**
 * The event writer, off the request path. `observePrediction` / `observeRequest` only push a reference
 * onto a bounded in-memory queue and return: they never throw, never wait, never do I/O. A full queue
 * drops the event and counts the drop (written with the next batch). A timer (every flushIntervalMs)
 * and the queue reaching batchSize trigger a flush, which turns at most batchSize queued students and
 * requests into one transaction of hourly counters (plus pseudonymised rows in that mode), then yields
 * to the event loop before the next batch. A batch the store refuses is counted as `write_failed` and
 * not retried (monitoring must never grow without bound when the disk is full).
 *
 * Privacy: in aggregate_only mode the queue is the only place a student's values exist, until the next
 * flush; only counts on the baseline's bins reach the disk and RAs are never read. In pseudonymised mode
 * each student becomes a row keyed by HMAC-SHA256(secret, RA) with the contract's input fields only.
 */
import { STUDENT_FIELD_NAMES } from '../core/student.js';
import { Counts, countPrediction } from './aggregate.js';
import type { MonitorBaseline } from './baseline.js';
import { type BinSpec, binSpecFromBaseline, binSpecJson, defaultBinSpec } from './bins.js';
import { type DropKind, latencyBucket } from './health.js';
import { type Pseudonymiser, pseudonymiser } from './pseudonym.js';
import type { PrivacyMode } from './settings.js';
import { hourOf } from './store/schema.js';
import type { EventBatch, EventStore, PredictionRow, PruneResult } from './store/types.js';

/** What the server's one observation point hands over (references, not copies). */
export interface PredictionObservation {
  readonly modelVersion: string;
  /** Endpoint family, e.g. `predict`, `v2`, `score`. */
  readonly endpoint: string;
  readonly records: readonly object[];
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  /** `Date.now()` at scoring time. */
  readonly at: number;
  /** RA of each record when the caller has it: used (hashed) in pseudonymised mode only. */
  readonly ras?: readonly (string | null | undefined)[];
}

export interface RequestObservation {
  readonly endpoint: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly at: number;
}

export interface RecorderOptions {
  store: EventStore;
  mode: Exclude<PrivacyMode, 'off'>;
  /** Required in pseudonymised mode (checked: at least 32 characters). */
  hmacSecret?: string;
  queueMax: number;
  batchSize: number;
  flushIntervalMs: number;
  retentionDays: number;
  /** How often retention runs (default hourly); 0 = only on `prune()`. */
  pruneIntervalMs?: number;
  now?: () => number;
  /** Called (never on the request path) when a flush or a prune fails. */
  onError?: (err: unknown) => void;
}

export interface RecorderStats {
  mode: PrivacyMode;
  queued: number;
  accepted: number;
  written: number;
  batches: number;
  dropped: Record<DropKind, number>;
  lastFlushAt: number | null;
  lastError: string | null;
}

type Item =
  | { kind: 'prediction'; o: PredictionObservation; weight: number }
  | { kind: 'request'; o: RequestObservation; weight: 1 };

const DAY_MS = 86_400_000;

interface PredictionGroup {
  hour: number;
  modelVersion: string;
  endpoint: string;
  spec: BinSpec;
  counts: Counts;
}

function pickInputs(r: object): string {
  const out: Record<string, unknown> = {};
  for (const f of STUDENT_FIELD_NAMES) {
    const v = (r as Record<string, unknown>)[f];
    out[f] = v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
  }
  return JSON.stringify(out);
}

export class EventRecorder {
  private queue: Item[] = [];
  private queuedWeight = 0;
  private readonly specs = new Map<string, BinSpec>();
  private readonly defaultSpec = defaultBinSpec();
  private readonly specJson = new Map<string, string>();
  private pendingDrops = new Map<string, Map<DropKind, number>>();
  private readonly totals: RecorderStats;
  private flushing: Promise<void> | null = null;
  private scheduled = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly hmac: Pseudonymiser | null;
  private readonly now: () => number;

  constructor(private readonly opts: RecorderOptions) {
    this.hmac = opts.mode === 'pseudonymised' ? pseudonymiser(opts.hmacSecret ?? '') : null;
    this.now = opts.now ?? Date.now;
    this.totals = {
      mode: opts.mode,
      queued: 0,
      accepted: 0,
      written: 0,
      batches: 0,
      dropped: { prediction_calls: 0, prediction_records: 0, requests: 0, write_failed: 0, invalid: 0 },
      lastFlushAt: null,
      lastError: null,
    };
    const flushTimer = setInterval(() => {
      if (this.queue.length > 0 || this.pendingDrops.size > 0) void this.flush();
    }, opts.flushIntervalMs);
    flushTimer.unref();
    this.timers.push(flushTimer);
    const pruneEvery = opts.pruneIntervalMs ?? 3_600_000;
    if (pruneEvery > 0) {
      const pruneTimer = setInterval(() => void this.prune().catch(() => {}), pruneEvery);
      pruneTimer.unref();
      this.timers.push(pruneTimer);
    }
  }

  /** Counts of a model version go on its baseline's bins (default bins without a baseline). */
  registerModel(modelVersion: string, baseline: MonitorBaseline | null): void {
    this.specs.set(modelVersion, baseline ? binSpecFromBaseline(baseline) : this.defaultSpec);
  }

  /** Queues a prediction call. Never throws, never blocks; false when dropped. */
  observePrediction(o: PredictionObservation): boolean {
    try {
      if (typeof o !== 'object' || o === null || !Array.isArray(o.records)) {
        this.drop(String(o?.endpoint ?? 'unknown'), 'invalid', 1);
        return false;
      }
      const weight = Math.max(1, o.records.length);
      if (this.closed || this.queuedWeight + weight > this.opts.queueMax) {
        this.drop(o.endpoint, 'prediction_calls', 1);
        this.drop(o.endpoint, 'prediction_records', o.records.length);
        return false;
      }
      this.enqueue({ kind: 'prediction', o, weight });
      return true;
    } catch {
      return false;
    }
  }

  /** Queues a request's status and latency. Never throws, never blocks; false when dropped. */
  observeRequest(o: RequestObservation): boolean {
    try {
      if (typeof o !== 'object' || o === null) {
        this.drop('unknown', 'invalid', 1);
        return false;
      }
      if (this.closed || this.queuedWeight + 1 > this.opts.queueMax) {
        this.drop(o.endpoint, 'requests', 1);
        return false;
      }
      this.enqueue({ kind: 'request', o, weight: 1 });
      return true;
    } catch {
      return false;
    }
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    this.queuedWeight += item.weight;
    this.totals.accepted += item.weight;
    if (this.queuedWeight >= this.opts.batchSize && !this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  private drop(endpoint: string, kind: DropKind, n: number): void {
    if (n <= 0) return;
    this.totals.dropped[kind] += n;
    this.pendingCount(endpoint, kind, n);
  }

  private pendingCount(endpoint: string, kind: DropKind, n: number): void {
    let m = this.pendingDrops.get(endpoint);
    if (!m) this.pendingDrops.set(endpoint, (m = new Map()));
    m.set(kind, (m.get(kind) ?? 0) + n);
  }

  stats(): RecorderStats {
    return { ...this.totals, queued: this.queuedWeight, dropped: { ...this.totals.dropped } };
  }

  /** Writes everything queued so far (several transactions if needed). Resolves when committed. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.queue.length > 0 ? this.flush() : undefined));
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    do {
      const items = this.take();
      const drops = this.pendingDrops;
      this.pendingDrops = new Map();
      const batch = this.buildBatch(items, drops);
      if (items.length === 0 && batch.requestCounts.length === 0) return;
      const weight = items.reduce((s, i) => s + i.weight, 0);
      try {
        await this.opts.store.append(batch);
        this.totals.written += weight;
        this.totals.batches++;
        this.totals.lastFlushAt = this.now();
      } catch (err) {
        this.totals.lastError = (err as Error).message;
        // The drop counters go back for the next batch; the events themselves are lost and counted.
        for (const [endpoint, m] of drops) for (const [kind, n] of m) this.pendingCount(endpoint, kind, n);
        for (const i of items) this.drop(i.o.endpoint, 'write_failed', i.weight);
        this.report(err);
      }
      if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
    } while (this.queue.length > 0);
  }

  /** Up to batchSize of weight from the head of the queue (at least one item). */
  private take(): Item[] {
    let w = 0;
    let k = 0;
    while (k < this.queue.length && (k === 0 || w + this.queue[k]!.weight <= this.opts.batchSize)) {
      w += this.queue[k]!.weight;
      k++;
    }
    const items = this.queue.slice(0, k);
    this.queue = this.queue.slice(k);
    this.queuedWeight -= w;
    return items;
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // A failing error handler must not turn a lost batch into an unhandled rejection.
    }
  }

  private buildBatch(items: Item[], drops: Map<string, Map<DropKind, number>>): EventBatch {
    const batch: EventBatch = { predictionCounts: [], requestCounts: [], rows: [], binSpecs: [] };
    const pred = new Map<string, PredictionGroup>();
    const req = new Map<string, { hour: number; endpoint: string; counts: Counts }>();
    const now = this.now();
    for (const item of items) {
      try {
        if (item.kind === 'prediction') this.addPrediction(batch, pred, item.o, now);
        else this.addRequest(req, item.o, now);
      } catch {
        // Last resort: a malformed observation is counted, never allowed to sink the batch.
        this.drop(String(item.o?.endpoint), 'invalid', item.weight);
      }
    }
    for (const g of pred.values())
      for (const c of g.counts.entries())
        batch.predictionCounts.push({
          hour: g.hour,
          modelVersion: g.modelVersion,
          endpoint: g.endpoint,
          binsId: g.spec.id,
          ...c,
        });
    for (const g of req.values())
      for (const c of g.counts.entries())
        batch.requestCounts.push({ hour: g.hour, endpoint: g.endpoint, ...c });
    const dropHour = hourOf(now);
    for (const [endpoint, m] of drops)
      for (const [kind, n] of m)
        batch.requestCounts.push({ hour: dropHour, endpoint, series: 'dropped', bin: kind, n });
    batch.binSpecs = this.specsOf(pred.values());
    return batch;
  }

  private addPrediction(
    batch: EventBatch,
    pred: Map<string, PredictionGroup>,
    o: PredictionObservation,
    now: number,
  ): void {
    const at = Number.isFinite(o.at) ? o.at : now;
    const hour = hourOf(at);
    const endpoint = String(o.endpoint);
    const modelVersion = String(o.modelVersion);
    const spec = this.specs.get(modelVersion) ?? this.defaultSpec;
    const key = `${hour}\t${modelVersion}\t${endpoint}\t${spec.id}`;
    let g = pred.get(key);
    if (!g) pred.set(key, (g = { hour, modelVersion, endpoint, spec, counts: new Counts() }));
    countPrediction(g.counts, spec, o.records, o.scores, o.labels);
    if (this.hmac) this.addRows(batch.rows, o, { at, modelVersion, endpoint });
  }

  private addRequest(
    req: Map<string, { hour: number; endpoint: string; counts: Counts }>,
    o: RequestObservation,
    now: number,
  ): void {
    const hour = hourOf(Number.isFinite(o.at) ? o.at : now);
    const endpoint = String(o.endpoint);
    const key = `${hour}\t${endpoint}`;
    let g = req.get(key);
    if (!g) req.set(key, (g = { hour, endpoint, counts: new Counts() }));
    g.counts.add('requests', '');
    g.counts.add('status', String(Math.trunc(o.status)));
    g.counts.add('latency', String(latencyBucket(o.latencyMs)));
  }

  private specsOf(groups: Iterable<PredictionGroup>): EventBatch['binSpecs'] {
    const out = new Map<string, string>();
    for (const { spec } of groups) {
      let json = this.specJson.get(spec.id);
      if (!json) this.specJson.set(spec.id, (json = binSpecJson(spec)));
      out.set(spec.id, json);
    }
    return [...out].map(([id, json]) => ({ id, json }));
  }

  private addRows(
    rows: PredictionRow[],
    o: PredictionObservation,
    where: { at: number; modelVersion: string; endpoint: string },
  ): void {
    for (let i = 0; i < o.records.length; i++) {
      const ra = o.ras?.[i];
      const r = o.records[i];
      const score = Number(o.scores?.[i]);
      if (typeof r !== 'object' || r === null || !Number.isFinite(score)) continue;
      rows.push({
        ...where,
        subject: typeof ra === 'string' && ra.trim() !== '' ? this.hmac!(ra) : null,
        score,
        label: o.labels?.[i] === 1 ? 1 : 0,
        inputs: pickInputs(r),
      });
    }
  }

  /** Deletes events older than the retention period. */
  async prune(): Promise<PruneResult> {
    try {
      return await this.opts.store.prune(this.now() - this.opts.retentionDays * DAY_MS);
    } catch (err) {
      this.totals.lastError = (err as Error).message;
      this.report(err);
      throw err;
    }
  }

  /** Stops the timers, writes what is queued, and closes the store. Later observations are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.flush();
    await this.opts.store.close();
  }
}
