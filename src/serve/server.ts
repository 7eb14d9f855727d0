/**
 * Runs the API: settings → auth policy → monitoring (refuses a bad privacy setup before anything) →
 * model source → first load (per ON_MODEL_ERROR) → listen → follow the champion → graceful shutdown,
 * which writes the monitoring events still queued (the steps' details are in runner/). `defasagem
 * serve` and `defasagem start` are thin shells.
 */
import type { FastifyInstance } from 'fastify';
import { CORE_SETTINGS, type CoreSettings, loadSettings } from '../core/config.js';
import { AppError } from '../core/error-base.js';
import { createLogger, type Logger } from '../core/logger.js';
import type { MonitorSettings, OpenMonitorOptions } from '../monitor/index.js';
import {
  openRegistry,
  type RegistryContext,
  registryLocation,
  registrySettingsFromEnv,
} from '../registry/index.js';
import { buildApp } from './app.js';
import { isLoopbackHost } from './auth.js';
import { SERVE_ERRORS } from './errors.js';
import { ModelHolder } from './holder.js';
import { modelSource } from './loader.js';
import { createMetrics, type ServeMetrics } from './metrics.js';
import type { PredictionObserver } from './observe.js';
import { followSource } from './runner/follow.js';
import { holderEvents } from './runner/holder-events.js';
import { listenOn } from './runner/listen.js';
import { openServerMonitoring, type ServerMonitoring } from './runner/monitoring.js';
import { type Closer, closeOnSignals, gracefulCloser } from './runner/shutdown.js';
import { SERVE_SETTINGS, type ServeSettings } from './settings.js';

/** Core settings' defaults are literal types (`''`, `'info'`); widen them so any valid value fits. */
type Widen<T> = { [K in keyof T]: T[K] extends string ? string : T[K] };
export type ServerSettings = Widen<CoreSettings> & ServeSettings;

export function loadServerSettings(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return loadSettings({ ...CORE_SETTINGS, ...SERVE_SETTINGS }, env) as ServerSettings;
}

export interface ServerOptions {
  settings: ServerSettings;
  /** Defaults to a pino logger at LOG_LEVEL on stdout. */
  logger?: Logger;
  observer?: PredictionObserver;
  /** The registry the dashboard's /registry routes use; default REGISTRY_DIR with the environment's settings. */
  registry?: RegistryContext;
  /**
   * Inference monitoring (events, drift, service health), read once at start-up with the other
   * settings; absent = no monitoring at all (no database, no /monitoring routes).
   */
  monitor?: MonitorSettings;
  /** Tests: the monitoring store, clock or retention timer. */
  monitorOptions?: OpenMonitorOptions;
  /** Exit cleanly on SIGTERM/SIGINT (the CLI); tests call close() themselves. */
  handleSignals?: boolean;
}

export interface RunningServer extends Closer {
  app: FastifyInstance;
  holder: ModelHolder;
  metrics: ServeMetrics;
  /** null when the server runs without monitoring. */
  monitoring: ServerMonitoring | null;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  /** Milliseconds from process start to listening. */
  startupMs: number;
}

/** Off loopback the API is reachable by anyone on the network: without keys, refuse to start. */
function requireAuthOffLoopback(s: ServerSettings): void {
  if (s.apiKeys.length === 0 && !isLoopbackHost(s.host))
    throw new AppError(
      SERVE_ERRORS.AUTH_REQUIRED_OFF_LOOPBACK,
      `Refusing to listen on ${s.host} without API keys: anyone on the network could call the API.`,
      { host: s.host },
    );
}

/** The first load; with ON_MODEL_ERROR=exit a failure stops the start, else the server starts not ready. */
async function firstLoad(holder: ModelHolder, s: ServerSettings): Promise<void> {
  await holder.reload('startup');
  if (!holder.ready && s.onModelError === 'exit')
    throw new AppError(
      SERVE_ERRORS.MODEL_LOAD_FAILED,
      `No model could be loaded (MODEL_VERSION=${JSON.stringify(s.modelVersion)}): ${holder.lastFailure?.message ?? 'unknown reason'}`,
      { reason: holder.lastFailure?.code ?? null },
    );
}

function announce(log: Logger, s: ServerSettings, holder: ModelHolder, url: string, startupMs: number): void {
  if (s.apiKeys.length === 0)
    log.warn(
      { event: 'auth_disabled', host: s.host },
      'API keys are not configured: auth is OFF (allowed on loopback only)',
    );
  log.info(
    {
      event: 'listening',
      url,
      ready: holder.ready,
      version: holder.current?.version ?? null,
      model_version_setting: s.modelVersion,
      startup_ms: startupMs,
    },
    holder.ready ? `listening on ${url}, ready` : `listening on ${url}, NOT READY (see /ready)`,
  );
}

/** The observers of every prediction: the caller's (tests) and monitoring's. */
function observers(...list: (PredictionObserver | undefined)[]): PredictionObserver | undefined {
  const given = list.filter((o): o is PredictionObserver => o !== undefined);
  if (given.length <= 1) return given[0];
  return (event) => {
    for (const o of given) o(event);
  };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const s = opts.settings;
  const log = opts.logger ?? createLogger({ level: s.logLevel, base: { service: 'defasagem-serve' } });
  requireAuthOffLoopback(s);

  const metrics = createMetrics();
  const source = modelSource(s);
  let holder: ModelHolder | null = null;
  // Before the model: pseudonymised mode without its secret refuses to start here. The store is opened
  // and migrated here too; its writer thread starts (and runs the retention pass) while the model
  // loads and the app is built, and serveWith waits for it before listening.
  const monitoring = opts.monitor
    ? await openServerMonitoring({
        settings: opts.monitor,
        source: s,
        currentBands: () => {
          const b = holder?.current;
          return b ? { version: b.version, bands: b.bands } : null;
        },
        log,
        open: { awaitStartupPrune: false, ...opts.monitorOptions },
      })
    : null;
  try {
    holder = new ModelHolder({
      load: monitoring ? monitoring.withBaseline(source.load) : source.load,
      probe: source.probe,
      policy: { extraFeatures: s.extraFeaturePolicy, maxInstances: s.maxInstances },
      bandAlto: s.riskBandAlto,
      bandMedio: s.riskBandMedio,
      events: holderEvents(metrics, log),
    });
    return await serveWith({ opts, log, metrics, source, holder, monitoring });
  } catch (err) {
    await holder?.stop();
    await monitoring?.close();
    throw err;
  }
}

async function serveWith(a: {
  opts: ServerOptions;
  log: Logger;
  metrics: ServeMetrics;
  source: ReturnType<typeof modelSource>;
  holder: ModelHolder;
  monitoring: ServerMonitoring | null;
}): Promise<RunningServer> {
  const { opts, log, metrics, source, holder, monitoring } = a;
  const s = opts.settings;
  await firstLoad(holder, s);

  const app = await buildApp({
    settings: s,
    holder,
    metrics,
    logger: log,
    observer: observers(opts.observer, monitoring?.observer),
    monitoring,
    listModels: source.listModels,
    registry: opts.registry ?? openRegistry(registryLocation(s.registryDir), registrySettingsFromEnv()),
  });
  // Monitoring's first write (retention, on the writer thread) must have worked before any request.
  try {
    await monitoring?.monitor.started;
  } catch (err) {
    await app.close();
    throw err;
  }
  const url = await listenOn(app, s.host, s.port, async () => {});
  const stopRetry = followSource(holder, source, s.reloadPollSeconds);
  const startupMs = Math.round(process.uptime() * 1000);
  announce(log, s, holder, url, startupMs);

  const closer = gracefulCloser(
    app,
    async () => {
      stopRetry();
      await holder.stop();
    },
    s.shutdownGraceMs,
    log,
    // After the drain: the events of the last requests are queued by then, and written here.
    async () => {
      await monitoring?.close();
    },
  );
  if (opts.handleSignals) closeOnSignals(closer);
  return { app, holder, metrics, monitoring, url, startupMs, close: closer.close, closed: closer.closed };
}
