/**
 * The event writer, off the request path. `observePrediction` / `observeRequest` only push a reference
 * onto a bounded in-memory queue and return: they never throw, never wait, never do I/O. A full queue
 * drops the event and counts the drop (written with the next batch). A timer (every flushIntervalMs)
 * and the queue reaching batchSize trigger a flush, which counts at most batchSize queued students and
 * requests into hourly counters (plus pseudonymised rows in that mode), yielding to the event loop every
 * SLICE students, and hands the batch to the store as one transaction (the SQLite store commits it in
 * its writer thread), then yields again before the next batch. A batch the store refuses is counted as
 * `write_failed` and not retried (monitoring must never grow without bound when the disk is full).
 *
 * Privacy: in aggregate_only mode the queue is the only place a student's values exist, until the next
 * flush; only counts on the baseline's bins reach the disk and RAs are never read. In pseudonymised mode
 * each student becomes a row keyed by HMAC-SHA256(secret, RA) with the contract's input fields only.
 */

import type { MonitorBaseline } from './baseline.js';
import { BatchBuilder } from './batch.js';
import { type BinSpec, binSpecFromBaseline, defaultBinSpec } from './bins.js';
import { type DropKind, noDrops } from './health.js';
import { endpointOf, type PredictionObservation, type RequestObservation } from './observation.js';
import { type Pseudonymiser, pseudonymiser } from './pseudonym.js';
import type { PrivacyMode } from './settings.js';
import type { EventBatch, EventStore, PruneResult } from './store/types.js';

export type { PredictionObservation, RequestObservation } from './observation.js';

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
/** Students (or requests) counted between two yields to the event loop during a flush. */
const SLICE = 128;

/** Stats of a recorder that has seen nothing (also what monitoring reports when it is off). */
export function emptyRecorderStats(mode: PrivacyMode): RecorderStats {
  return {
    mode,
    queued: 0,
    accepted: 0,
    written: 0,
    batches: 0,
    dropped: noDrops(),
    lastFlushAt: null,
    lastError: null,
  };
}

export class EventRecorder {
  /** Queued items are queue[head…]; taken items are skipped by moving head (no copying per batch). */
  private queue: Item[] = [];
  private head = 0;
  private queuedWeight = 0;
  private readonly specs = new Map<string, BinSpec>();
  private readonly defaultSpec = defaultBinSpec();
  private readonly specJson = new Map<string, string>();
  private readonly specFor = (modelVersion: string): BinSpec =>
    this.specs.get(modelVersion) ?? this.defaultSpec;
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
    this.totals = emptyRecorderStats(opts.mode);
    const flushTimer = setInterval(() => {
      if (this.pending() > 0 || this.pendingDrops.size > 0) void this.flush();
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
        this.drop(endpointOf(o), 'invalid', 1);
        return false;
      }
      const weight = Math.max(1, o.records.length);
      if (this.closed || this.queuedWeight + weight > this.opts.queueMax) {
        this.drop(endpointOf(o), 'prediction_calls', 1);
        this.drop(endpointOf(o), 'prediction_records', o.records.length);
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
        this.drop(endpointOf(o), 'requests', 1);
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
    if (this.flushing) return this.flushing.then(() => (this.pending() > 0 ? this.flush() : undefined));
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
      const batch = await this.buildBatch(items, drops);
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
        for (const i of items) this.drop(endpointOf(i.o), 'write_failed', i.weight);
        this.report(err);
      }
      if (this.pending() > 0) await new Promise<void>((r) => setImmediate(r));
    } while (this.pending() > 0);
  }

  private pending(): number {
    return this.queue.length - this.head;
  }

  /** Up to batchSize of weight from the head of the queue (at least one item). */
  private take(): Item[] {
    const q = this.queue;
    let w = 0;
    let k = this.head;
    while (k < q.length && (k === this.head || w + q[k]!.weight <= this.opts.batchSize)) {
      w += q[k]!.weight;
      k++;
    }
    const items = q.slice(this.head, k);
    this.head = k;
    if (this.head === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head > q.length / 2) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
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

  /**
   * Counts the items into one batch, yielding to the event loop every SLICE students so that a flush
   * never holds the loop for more than a slice.
   */
  private async buildBatch(items: Item[], drops: Map<string, Map<DropKind, number>>): Promise<EventBatch> {
    const builder = new BatchBuilder({
      specFor: this.specFor,
      specJson: this.specJson,
      hmac: this.hmac,
      now: this.now(),
    });
    let sinceYield = 0;
    for (const item of items) {
      try {
        if (item.kind === 'prediction') builder.addPrediction(item.o);
        else builder.addRequest(item.o);
      } catch {
        // Last resort: a malformed observation is counted, never allowed to sink the batch.
        this.drop(endpointOf(item.o), 'invalid', item.weight);
      }
      sinceYield += item.weight;
      if (sinceYield >= SLICE) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    return builder.finish(drops);
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
