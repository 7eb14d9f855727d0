/**
 * The event writer, off the request path. `observePrediction` / `observeRequest` count the observation
 * into the pending batch's typed-array counters (about a microsecond per student; nothing is queued per
 * event and no record is kept) and return: they never throw, never wait, never do I/O. The queue bound
 * is on what is counted but not yet handed to the store: an observation that would take it above
 * queueMax is dropped and the drop counted (written with the next batch). The pending batch is sealed
 * at batchSize students and requests (one transaction each, as when events were queued one by one); a
 * timer (every flushIntervalMs) and a sealed batch trigger a flush, which builds the pseudonymised rows
 * (HMAC per student, yielding to the event loop every SLICE students), turns the counters into the
 * store's rows and hands the batch to the store as one transaction (the SQLite store commits it in its
 * writer thread). A batch the store refuses is counted as `write_failed` and not retried (monitoring
 * must never grow without bound when the disk is full).
 *
 * Why counters and not a queue of events: a queued event keeps the request's records alive until the
 * flush, which promotes them to the old generation and makes every garbage collection dearer, and the
 * flush then re-walks them; a batch's cost is now the number of distinct counters, not of events.
 *
 * Privacy: in aggregate_only mode a student's values are read once, to count them, and never kept; only
 * counts on the baseline's bins reach the disk and RAs are never read. In pseudonymised mode each
 * student given with an RA becomes a row keyed by HMAC-SHA256(secret, RA) with the contract's input
 * fields only; its call is referenced until its batch is written.
 */

import type { MonitorBaseline } from './baseline.js';
import { BatchBuilder } from './batch.js';
import { type BinSpec, binSpecFromBaseline, defaultBinSpec } from './bins.js';
import { type DropKind, noDrops } from './health.js';
import { endpointOf, type PredictionObservation, type RequestObservation } from './observation.js';
import { type Pseudonymiser, pseudonymiser } from './pseudonym.js';
import type { PrivacyMode } from './settings.js';
import type { EventStore, PruneResult } from './store/types.js';

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

/** Observations counted but not yet handed to the store: one future transaction. */
interface Pending {
  builder: BatchBuilder;
  /** Students (at least 1 per call) and requests counted. */
  weight: number;
  /** The weight per endpoint (a refused batch is counted as write_failed under these). */
  byEndpoint: Map<string, number>;
}

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
  /** The batch being filled, and the sealed ones waiting for the writer (oldest first). */
  private current: Pending;
  private sealed: Pending[] = [];
  /** Weight of `current` and `sealed` (the batch being written is no longer counted). */
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
    this.current = this.newPending();
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

  private newPending(): Pending {
    const builder = new BatchBuilder({
      specFor: this.specFor,
      specJson: this.specJson,
      hmac: this.hmac,
      now: this.now,
    });
    return { builder, weight: 0, byEndpoint: new Map() };
  }

  /** Counts of a model version go on its baseline's bins (default bins without a baseline). */
  registerModel(modelVersion: string, baseline: MonitorBaseline | null): void {
    this.specs.set(modelVersion, baseline ? binSpecFromBaseline(baseline) : this.defaultSpec);
  }

  /** Counts a prediction call. Never throws, never blocks; false when dropped. */
  observePrediction(o: PredictionObservation): boolean {
    try {
      if (typeof o !== 'object' || o === null || !Array.isArray(o.records)) {
        this.drop(endpointOf(o), 'invalid', 1);
        return false;
      }
      const endpoint = endpointOf(o);
      const weight = Math.max(1, o.records.length);
      if (this.closed || this.queuedWeight + weight > this.opts.queueMax) {
        this.drop(endpoint, 'prediction_calls', 1);
        this.drop(endpoint, 'prediction_records', o.records.length);
        return false;
      }
      const p = this.batchFor(weight);
      try {
        p.builder.addPrediction(o);
      } catch {
        // Last resort: a malformed observation is counted as such, never allowed to fail the caller.
        this.drop(endpoint, 'invalid', weight);
        return false;
      }
      this.accept(p, endpoint, weight);
      return true;
    } catch {
      return false;
    }
  }

  /** Counts a request's status and latency. Never throws, never blocks; false when dropped. */
  observeRequest(o: RequestObservation): boolean {
    try {
      if (typeof o !== 'object' || o === null) {
        this.drop('unknown', 'invalid', 1);
        return false;
      }
      const endpoint = endpointOf(o);
      if (this.closed || this.queuedWeight + 1 > this.opts.queueMax) {
        this.drop(endpoint, 'requests', 1);
        return false;
      }
      const p = this.batchFor(1);
      try {
        p.builder.addRequest(o);
      } catch {
        this.drop(endpoint, 'invalid', 1);
        return false;
      }
      this.accept(p, endpoint, 1);
      return true;
    } catch {
      return false;
    }
  }

  /** The batch `weight` more goes to: a new one when it would take the current past batchSize. */
  private batchFor(weight: number): Pending {
    const p = this.current;
    if (p.weight > 0 && p.weight + weight > this.opts.batchSize) this.seal();
    return this.current;
  }

  private accept(p: Pending, endpoint: string, weight: number): void {
    p.weight += weight;
    p.byEndpoint.set(endpoint, (p.byEndpoint.get(endpoint) ?? 0) + weight);
    this.queuedWeight += weight;
    this.totals.accepted += weight;
    if (p.weight >= this.opts.batchSize) this.seal();
  }

  /** Closes the current batch (waiting for the writer) and starts a new one; schedules a flush. */
  private seal(): void {
    this.sealed.push(this.current);
    this.current = this.newPending();
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        // The sealed batches only: the batch just started waits for its own turn.
        if (!this.flushing) this.flushing = this.drainOnce(false);
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

  /** Writes everything counted so far (one transaction per batch). Resolves when committed. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.pending() > 0 ? this.flush() : undefined));
    this.flushing = this.drainOnce(true);
    return this.flushing;
  }

  private drainOnce(all: boolean): Promise<void> {
    return this.drain(all).finally(() => {
      this.flushing = null;
    });
  }

  /**
   * Writes the sealed batches and (`all`) what is counted now. What is counted while it writes waits for the
   * next timer tick or sealed batch: chasing it would commit a small transaction after every commit,
   * keeping the writer (and the CPU it shares with the requests) busy under load for nothing.
   */
  private async drain(all: boolean): Promise<void> {
    if (all && this.current.weight > 0) {
      this.sealed.push(this.current);
      this.current = this.newPending();
    }
    do {
      const p = this.sealed.shift() ?? this.newPending();
      this.queuedWeight -= p.weight;
      const drops = this.pendingDrops;
      this.pendingDrops = new Map();
      if (p.weight === 0 && drops.size === 0) return;
      // Pseudonymised rows (an HMAC each) are built a slice at a time, yielding in between.
      while (p.builder.buildRows(SLICE)) await new Promise<void>((r) => setImmediate(r));
      const batch = p.builder.finish(drops);
      try {
        await this.opts.store.append(batch);
        this.totals.written += p.weight;
        this.totals.batches++;
        this.totals.lastFlushAt = this.now();
      } catch (err) {
        this.totals.lastError = (err as Error).message;
        // The drop counters go back for the next batch; the events themselves are lost and counted.
        for (const [endpoint, m] of drops) for (const [kind, n] of m) this.pendingCount(endpoint, kind, n);
        for (const [endpoint, n] of p.byEndpoint) this.drop(endpoint, 'write_failed', n);
        this.report(err);
      }
      if (this.sealed.length > 0) await new Promise<void>((r) => setImmediate(r));
    } while (this.sealed.length > 0);
  }

  /** Weight counted and not yet taken by the writer. */
  private pending(): number {
    return this.queuedWeight;
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // A failing error handler must not turn a lost batch into an unhandled rejection.
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
