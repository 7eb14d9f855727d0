/**
 * Service health from the hourly request counters: p50/p95/p99 latency, error rate and dropped
 * monitoring events per endpoint over a window.
 *
 * Latency is counted in log-spaced buckets: bucket k ≥ 1 holds (L·2^((k−1)/8), L·2^(k/8)] ms with
 * L = 0.01 ms, bucket 0 everything ≤ L, the last bucket everything above ~2 minutes. A percentile is
 * interpolated geometrically inside its bucket, so it is within one bucket width (±9%) of the exact
 * value; exact per-request latencies are never stored.
 *
 * Request series (request_counts): requests '' · status '<code>' · latency '<bucket>' ·
 * dropped '<DropKind>'.
 */
import type { RequestCount } from './store/types.js';

const LOWEST_MS = 0.01;
const PER_OCTAVE = 8;
export const LATENCY_BUCKETS = 1 + PER_OCTAVE * 24; // up to 0.01·2^24 ms ≈ 168 s

export function latencyBucket(ms: number): number {
  if (!(ms > LOWEST_MS)) return 0;
  const k = Math.ceil(Math.log2(ms / LOWEST_MS) * PER_OCTAVE - 1e-9);
  return Math.min(LATENCY_BUCKETS - 1, Math.max(1, k));
}

/** Upper bound (ms) of bucket k. */
export function bucketUpper(k: number): number {
  return LOWEST_MS * 2 ** (k / PER_OCTAVE);
}

/** The q-quantile (0 < q ≤ 1) of a bucket histogram, interpolated geometrically in its bucket; null if empty. */
export function quantileFromBuckets(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  if (total === 0) return null;
  const target = q * total;
  let cum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k]!;
    if (c === 0) continue;
    if (cum + c >= target) {
      if (k === 0) return LOWEST_MS;
      const frac = Math.min(1, Math.max(0, (target - cum) / c));
      return bucketUpper(k - 1) * 2 ** (frac / PER_OCTAVE);
    }
    cum += c;
  }
  return bucketUpper(counts.length - 1);
}

/**
 * Why events were not recorded: the queue was full (prediction_calls / prediction_records / requests),
 * the store refused the batch (write_failed), or the observation was malformed (invalid).
 */
/** Counts requests of one endpoint and hour with typed arrays; strings are built only in entries(). */
export class RequestCounter {
  private requests = 0;
  private readonly status = new Map<number, number>();
  private readonly latency = new Float64Array(LATENCY_BUCKETS);

  add(status: number, latencyMs: number): void {
    this.requests++;
    const code = Math.trunc(status);
    this.status.set(code, (this.status.get(code) ?? 0) + 1);
    this.latency[latencyBucket(latencyMs)]! += 1;
  }

  *entries(): IterableIterator<{ series: string; bin: string; n: number }> {
    if (this.requests) yield { series: 'requests', bin: '', n: this.requests };
    for (const [code, n] of this.status) yield { series: 'status', bin: String(code), n };
    for (let k = 0; k < LATENCY_BUCKETS; k++) {
      const n = this.latency[k]!;
      if (n) yield { series: 'latency', bin: String(k), n };
    }
  }
}

export const DROP_KINDS = [
  'prediction_calls',
  'prediction_records',
  'requests',
  'write_failed',
  'invalid',
] as const;
export type DropKind = (typeof DROP_KINDS)[number];

/** Every drop kind at zero. */
export function noDrops(): Record<DropKind, number> {
  return Object.fromEntries(DROP_KINDS.map((k) => [k, 0])) as Record<DropKind, number>;
}

export interface EndpointHealth {
  endpoint: string;
  requests: number;
  /** Responses by status class. */
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** 5xx / requests (client errors are not service errors); null without requests. */
  error_rate: number | null;
  /** 4xx / requests. */
  client_error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  dropped: Record<DropKind, number>;
}

export interface ServiceHealth {
  health_version: 1;
  window: { from: string; to: string };
  method: string;
  endpoints: EndpointHealth[];
  total: EndpointHealth;
}

const round3 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);

interface Acc {
  requests: number;
  status: EndpointHealth['status'];
  latency: Float64Array;
  dropped: Record<DropKind, number>;
}

function emptyAcc(): Acc {
  return {
    requests: 0,
    status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    latency: new Float64Array(LATENCY_BUCKETS),
    dropped: noDrops(),
  };
}

function addRow(a: Acc, r: Omit<RequestCount, 'hour' | 'endpoint'>): void {
  if (r.series === 'requests') a.requests += r.n;
  else if (r.series === 'status') {
    const cls = `${String(r.bin)[0]}xx` as keyof Acc['status'];
    if (cls in a.status) a.status[cls] += r.n;
  } else if (r.series === 'latency') {
    const k = Number(r.bin);
    if (Number.isInteger(k) && k >= 0 && k < LATENCY_BUCKETS) a.latency[k]! += r.n;
  } else if (r.series === 'dropped' && (DROP_KINDS as readonly string[]).includes(r.bin)) {
    a.dropped[r.bin as DropKind] += r.n;
  }
}

function finish(endpoint: string, a: Acc): EndpointHealth {
  return {
    endpoint,
    requests: a.requests,
    status: a.status,
    error_rate: a.requests > 0 ? a.status['5xx'] / a.requests : null,
    client_error_rate: a.requests > 0 ? a.status['4xx'] / a.requests : null,
    latency_ms: {
      p50: round3(quantileFromBuckets(a.latency, 0.5)),
      p95: round3(quantileFromBuckets(a.latency, 0.95)),
      p99: round3(quantileFromBuckets(a.latency, 0.99)),
    },
    dropped: a.dropped,
  };
}

export const HEALTH_METHOD =
  'Latency percentiles from log-spaced buckets (8 per doubling, from 0.01 ms), geometric interpolation inside a bucket: within ±9% of the exact value. error_rate = 5xx responses / requests.';

/** Health per endpoint and in total from request counters summed over a window. */
export function healthFromCounts(
  rows: Iterable<Omit<RequestCount, 'hour'>>,
  window: { from: number; to: number },
): ServiceHealth {
  const per = new Map<string, Acc>();
  const total = emptyAcc();
  for (const r of rows) {
    let a = per.get(r.endpoint);
    if (!a) per.set(r.endpoint, (a = emptyAcc()));
    addRow(a, r);
    addRow(total, r);
  }
  return {
    health_version: 1,
    window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
    method: HEALTH_METHOD,
    endpoints: [...per.keys()].sort().map((e) => finish(e, per.get(e)!)),
    total: finish('*', total),
  };
}
