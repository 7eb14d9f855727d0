/**
 * Hourly series for charts over time (the dashboard's Monitoramento page): per hour of the window,
 * requests, server and client errors, latency percentiles, dropped events, scored students, students
 * flagged, the bands given and the score histogram. Read from the same hourly counters as drift and
 * service health; every hour of the window is present (zeros when nothing happened), oldest first.
 */
import { RISK_BANDS } from './aggregate.js';
import { SCORE_EDGES } from './bins.js';
import { LATENCY_BUCKETS, quantileFromBuckets } from './health.js';
import { hourOf } from './store/schema.js';
import type { PredictionCount, RequestCount, TimeWindow } from './store/types.js';

export interface HourPoint {
  /** Start of the hour (ISO 8601, UTC). */
  t: string;
  requests: number;
  /** 5xx responses. */
  errors: number;
  /** 4xx responses. */
  client_errors: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  /** Monitoring events dropped (queue full, store failure, malformed). */
  dropped: number;
  /** Prediction calls and scored students (every endpoint family and model version). */
  calls: number;
  students: number;
  /** Students given label 1 (score ≥ the model's threshold). */
  flagged: number;
  /** Students per risk band given (counted since the server passes its cut-offs). */
  bands: Record<(typeof RISK_BANDS)[number], number>;
  /** Students per score bin (the ten 0.1-wide bins of `score_edges`). */
  score_bins: number[];
}

export interface MonitoringSeries {
  series_version: 1;
  window: { from: string; to: string };
  /** Inner edges of the score bins: bin 0 holds scores ≤ 0.1, bin 9 scores > 0.9. */
  score_edges: number[];
  /** Model versions and endpoint families that scored students in the window. */
  model_versions: string[];
  endpoints: string[];
  hours: HourPoint[];
}

const HOUR_S = 3600;
const round3 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);

interface Acc {
  point: HourPoint;
  latency: Float64Array;
}

function emptyHour(hour: number): Acc {
  return {
    point: {
      t: new Date(hour * 1000).toISOString(),
      requests: 0,
      errors: 0,
      client_errors: 0,
      latency_ms: { p50: null, p95: null, p99: null },
      dropped: 0,
      calls: 0,
      students: 0,
      flagged: 0,
      bands: { alto: 0, medio: 0, baixo: 0 },
      score_bins: new Array<number>(SCORE_EDGES.length + 1).fill(0),
    },
    latency: new Float64Array(LATENCY_BUCKETS),
  };
}

function addPrediction(p: HourPoint, r: PredictionCount): void {
  if (r.series === 'calls') p.calls += r.n;
  else if (r.series === 'records') p.students += r.n;
  else if (r.series === 'label' && r.bin === '1') p.flagged += r.n;
  else if (r.series === 'band' && (RISK_BANDS as readonly string[]).includes(r.bin))
    p.bands[r.bin as keyof HourPoint['bands']] += r.n;
  else if (r.series === 'score') {
    const j = Number(r.bin);
    if (Number.isInteger(j) && j >= 0 && j < p.score_bins.length) p.score_bins[j]! += r.n;
  }
}

function addRequest(a: Acc, r: RequestCount): void {
  const p = a.point;
  if (r.series === 'requests') p.requests += r.n;
  else if (r.series === 'status') {
    if (r.bin.startsWith('5')) p.errors += r.n;
    else if (r.bin.startsWith('4')) p.client_errors += r.n;
  } else if (r.series === 'latency') {
    const k = Number(r.bin);
    if (Number.isInteger(k) && k >= 0 && k < LATENCY_BUCKETS) a.latency[k]! += r.n;
  } else if (r.series === 'dropped') p.dropped += r.n;
}

/** The hourly series of a window from the store's per-hour counters. */
export function seriesFromCounts(
  predictions: readonly PredictionCount[],
  requests: readonly RequestCount[],
  window: TimeWindow,
): MonitoringSeries {
  const first = hourOf(window.from);
  const last = hourOf(window.to - 1);
  const hours = new Map<number, Acc>();
  for (let h = first; h <= last; h += HOUR_S) hours.set(h, emptyHour(h));
  const versions = new Set<string>();
  const endpoints = new Set<string>();
  for (const r of predictions) {
    const a = hours.get(r.hour);
    if (!a) continue;
    addPrediction(a.point, r);
    if (r.series === 'records') {
      versions.add(r.modelVersion);
      endpoints.add(r.endpoint);
    }
  }
  for (const r of requests) {
    const a = hours.get(r.hour);
    if (a) addRequest(a, r);
  }
  const points = [...hours.values()].map(({ point, latency }) => ({
    ...point,
    latency_ms: {
      p50: round3(quantileFromBuckets(latency, 0.5)),
      p95: round3(quantileFromBuckets(latency, 0.95)),
      p99: round3(quantileFromBuckets(latency, 0.99)),
    },
  }));
  return {
    series_version: 1,
    window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
    score_edges: [...SCORE_EDGES],
    model_versions: [...versions].sort(),
    endpoints: [...endpoints].sort(),
    hours: points,
  };
}
