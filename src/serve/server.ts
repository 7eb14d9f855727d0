/**
 * Runs the API: settings → auth policy → model source → first load (per ON_MODEL_ERROR) → listen →
 * follow the champion → graceful shutdown. `defasagem serve` and `defasagem start` are thin shells.
 */
import type { FastifyInstance } from 'fastify';
import { CORE_SETTINGS, type CoreSettings, loadSettings } from '../core/config.js';
import { AppError } from '../core/error-base.js';
import { createLogger, type Logger } from '../core/logger.js';
import { buildApp } from './app.js';
import { isLoopbackHost } from './auth.js';
import { SERVE_ERRORS } from './errors.js';
import { ModelHolder } from './holder.js';
import { modelSource } from './loader.js';
import { createMetrics, type ServeMetrics } from './metrics.js';
import type { PredictionObserver } from './observe.js';
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
  /** Exit cleanly on SIGTERM/SIGINT (the CLI); tests call close() themselves. */
  handleSignals?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  holder: ModelHolder;
  metrics: ServeMetrics;
  /** http://host:port actually bound (port 0 resolved). */
  url: string;
  /** Milliseconds from process start to listening. */
  startupMs: number;
  /** Stops watching, drains in-flight requests and closes; idempotent. */
  close(reason?: string): Promise<void>;
  /** Resolves when the server has closed (after a signal or close()). */
  closed: Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const s = opts.settings;
  const log = opts.logger ?? createLogger({ level: s.logLevel, base: { service: 'defasagem-serve' } });

  if (s.apiKeys.length === 0 && !isLoopbackHost(s.host))
    throw new AppError(
      SERVE_ERRORS.AUTH_REQUIRED_OFF_LOOPBACK,
      `Refusing to listen on ${s.host} without API keys: anyone on the network could call the API.`,
      { host: s.host },
    );

  const metrics = createMetrics();
  const source = modelSource(s);
  const holder = new ModelHolder({
    load: source.load,
    probe: source.probe,
    policy: { extraFeatures: s.extraFeaturePolicy, maxInstances: s.maxInstances },
    bandAlto: s.riskBandAlto,
    bandMedio: s.riskBandMedio,
    events: {
      onSwap(next, previous, reason) {
        metrics.reload('success');
        metrics.setModel(next.version, next.model.learner);
        log.info(
          {
            event: 'model_swap',
            version: next.version,
            previous: previous?.version ?? null,
            trigger: reason,
          },
          previous ? `now serving ${next.version} (was ${previous.version})` : `serving ${next.version}`,
        );
      },
      onFailure(failure, reason, serving) {
        metrics.reload('failure');
        log.error(
          {
            event: 'model_load_failed',
            code: failure.code,
            trigger: reason,
            serving: serving?.version ?? null,
          },
          serving
            ? `model reload failed, still serving ${serving.version}: ${failure.message}`
            : `NOT READY, no model loaded: ${failure.message}`,
        );
      },
    },
  });

  await holder.reload('startup');
  if (!holder.ready && s.onModelError === 'exit')
    throw new AppError(
      SERVE_ERRORS.MODEL_LOAD_FAILED,
      `No model could be loaded (MODEL_VERSION=${JSON.stringify(s.modelVersion)}): ${holder.lastFailure?.message ?? 'unknown reason'}`,
      { reason: holder.lastFailure?.code ?? null },
    );

  const app = await buildApp({
    settings: s,
    holder,
    metrics,
    logger: log,
    observer: opts.observer,
    listModels: source.listModels,
  });

  try {
    await app.listen({ host: s.host, port: s.port });
  } catch (err) {
    await holder.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new AppError(SERVE_ERRORS.PORT_IN_USE, `Cannot listen on ${s.host}:${s.port} (${code}).`, {
        host: s.host,
        port: s.port,
      });
    // getaddrinfo failures: a mistyped or unresolvable --host / HOST.
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME')
      throw new AppError(
        SERVE_ERRORS.HOST_INVALID,
        `Cannot listen on ${JSON.stringify(s.host)}: the name does not resolve (${code}).`,
        { host: s.host, port: s.port },
      );
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : s.port;
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  const url = `http://${host}:${port}`;

  // Follow promotions and rollbacks; with no model yet, keep trying so a fix needs no restart.
  let retry: NodeJS.Timeout | null = null;
  if (source.watch) holder.startWatching(source.watch.dir, source.watch.file, s.reloadPollSeconds);
  else if (!holder.ready && s.reloadPollSeconds > 0) {
    retry = setInterval(() => {
      if (holder.ready) {
        if (retry) clearInterval(retry);
        return;
      }
      void holder.reload('retry');
    }, s.reloadPollSeconds * 1000);
    retry.unref();
  }

  const startupMs = Math.round(process.uptime() * 1000);
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

  let closing: Promise<void> | null = null;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const close = (reason = 'close'): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      log.info({ event: 'shutdown', reason }, 'shutting down: draining in-flight requests');
      if (retry) clearInterval(retry);
      await holder.stop();
      // fastify.close() stops accepting, answers 503 to new requests on open connections and waits
      // for in-flight ones; the grace period bounds how long a stuck request can hold the exit.
      let timer: NodeJS.Timeout | null = null;
      const grace = new Promise<void>((r) => {
        timer = setTimeout(() => {
          log.warn({ event: 'shutdown_forced' }, 'grace period over: closing remaining connections');
          app.server.closeAllConnections();
          r();
        }, s.shutdownGraceMs);
        timer.unref();
      });
      // Connections whose last request finishes during the drain become idle: close them as they do,
      // instead of waiting for the client's keep-alive timeout.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
      await Promise.race([app.close(), grace]);
      clearInterval(sweeper);
      if (timer) clearTimeout(timer);
      log.info({ event: 'stopped' }, 'stopped');
      log.flush?.();
      resolveClosed();
    })();
    return closing;
  };

  if (opts.handleSignals) {
    // `on`, not `once`: Ctrl-C under `npm start` reaches this process twice (from the terminal and
    // relayed by tsx); a repeated signal must not kill the drain. SHUTDOWN_GRACE_MS bounds it.
    const onSignal = (sig: NodeJS.Signals) => {
      void close(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    void closed.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }

  return { app, holder, metrics, url, startupMs, close, closed };
}
