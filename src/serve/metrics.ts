/**
 * Prometheus metrics on a registry of our own (two apps in one process, as in tests, never collide).
 * What every request touches costs a few additions: the latency histogram is our own (see
 * latency-histogram.ts) and its series are found by route, method and status without building a key;
 * the predictions per band are plain counts handed to prom-client's counter when /metrics is read
 * (its `collect`), which exposes exactly what incrementing it on every request would.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LatencyHistogram, type LatencySeries } from './latency-histogram.js';

export interface ServeMetrics {
  readonly registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  countPredictions(alto: number, medio: number, baixo: number): void;
  setModel(version: string | null, learner: string | null): void;
  reload(result: 'success' | 'failure'): void;
  rejected(code: string): void;
}

const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The instruments, registered on `registry`; `collectPredictions` runs before the counter is read. */
function instruments(registry: Registry, collectPredictions: () => void) {
  return {
    // Observed on every request: a histogram of our own, read by /metrics as prom-client's would be.
    latency: new LatencyHistogram(
      'defasagem_http_request_duration_seconds',
      'HTTP request latency by route template, method and status.',
      ['route', 'method', 'status_code'],
      LATENCY_BUCKETS,
      registry,
    ),
    predictions: new Counter({
      name: 'defasagem_predictions_total',
      help: 'Students scored, by risk band.',
      labelNames: ['band'] as const,
      registers: [registry],
      collect: collectPredictions,
    }),
    modelInfo: new Gauge({
      name: 'defasagem_model_info',
      help: 'The model version being served (value 1), by version and learner.',
      labelNames: ['version', 'learner'] as const,
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'defasagem_model_ready',
      help: '1 when a model is loaded and the server answers predictions.',
      registers: [registry],
    }),
    reloads: new Counter({
      name: 'defasagem_model_reloads_total',
      help: 'Model loads (start-up, hot swaps, manual reloads) by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'defasagem_requests_rejected_total',
      help: 'Requests answered with an error, by catalogue code.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
  };
}

const PREFIX = 'defasagem_';

/**
 * prom-client's process metrics, minus the three gauges named `…_total` (active handles, requests,
 * resources): only counters may end in `_total`, and `promtool check metrics` rejects the scrape.
 * The same numbers remain as the sum of `…nodejs_active_handles{type}` and its siblings.
 */
export const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

function defaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(PREFIX + name);
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ServeMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) defaultMetrics(registry);
  // Students scored per band since /metrics was last read.
  const banded = { alto: 0, medio: 0, baixo: 0 };
  const collectPredictions = () => {
    for (const band of ['alto', 'medio', 'baixo'] as const) {
      if (banded[band] > 0) predictions.labels(band).inc(banded[band]);
      banded[band] = 0;
    }
  };
  const { latency, predictions, modelInfo, ready, reloads, rejections } = instruments(
    registry,
    collectPredictions,
  );
  ready.set(0);
  reloads.labels('success').inc(0);
  reloads.labels('failure').inc(0);

  // route → method → status → series: the route and method strings are fastify's own (the same
  // string every time), the status a number, so no key is built per request.
  const latencySeries = new Map<string, Map<string, Map<number, LatencySeries>>>();
  // The last series observed: under load nearly every request repeats its predecessor's labels.
  let last: { route: string; method: string; status: number; series: LatencySeries } | null = null;
  const seriesOf = (route: string, method: string, status: number): LatencySeries => {
    if (last !== null && last.status === status && last.route === route && last.method === method)
      return last.series;
    let byMethod = latencySeries.get(route);
    if (!byMethod) latencySeries.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (!series) byStatus.set(status, (series = latency.seriesOf([route, method, String(status)])));
    last = { route, method, status, series };
    return series;
  };

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      latency.observe(seriesOf(route, method, status), seconds);
    },
    countPredictions(a, m, b) {
      banded.alto += a;
      banded.medio += m;
      banded.baixo += b;
    },
    setModel(version, learner) {
      modelInfo.reset();
      if (version) modelInfo.labels(version, learner ?? 'unknown').set(1);
      ready.set(version ? 1 : 0);
    },
    reload(result) {
      reloads.labels(result).inc();
    },
    rejected(code) {
      rejections.labels(code).inc();
    },
  };
}
