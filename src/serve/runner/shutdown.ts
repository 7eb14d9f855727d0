/**
 * Graceful shutdown: stop following the model, stop accepting, let in-flight requests finish within
 * SHUTDOWN_GRACE_MS, close whatever is left, then the steps that need the requests finished (writing
 * the monitoring events still queued). Idempotent; SIGTERM/SIGINT trigger it when asked.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/logger.js';

export interface Closer {
  /** Stops watching, drains in-flight requests and closes; idempotent. */
  close(reason?: string): Promise<void>;
  /** Resolves when the server has closed (after a signal or close()). */
  closed: Promise<void>;
}

/** Waits for fastify.close(), but no longer than the grace period; then closes the remaining connections. */
async function drain(app: FastifyInstance, graceMs: number, log: Logger): Promise<void> {
  // fastify.close() stops accepting, answers 503 to new requests on open connections and waits
  // for in-flight ones; the grace period bounds how long a stuck request can hold the exit.
  let timer: NodeJS.Timeout | null = null;
  const grace = new Promise<void>((r) => {
    timer = setTimeout(() => {
      log.warn({ event: 'shutdown_forced' }, 'grace period over: closing remaining connections');
      app.server.closeAllConnections();
      r();
    }, graceMs);
    timer.unref();
  });
  // Connections whose last request finishes during the drain become idle: close them as they do,
  // instead of waiting for the client's keep-alive timeout.
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
  await Promise.race([app.close(), grace]);
  clearInterval(sweeper);
  if (timer) clearTimeout(timer);
}

export function gracefulCloser(
  app: FastifyInstance,
  stopFollowing: () => Promise<void>,
  graceMs: number,
  log: Logger,
  /** Runs once the requests are drained (e.g. writes the monitoring events still queued). */
  afterDrain: () => Promise<void> = async () => {},
): Closer {
  let closing: Promise<void> | null = null;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  const close = (reason = 'close'): Promise<void> => {
    closing ??= (async () => {
      log.info({ event: 'shutdown', reason }, 'shutting down: draining in-flight requests');
      await stopFollowing();
      await drain(app, graceMs, log);
      try {
        await afterDrain();
      } catch (err) {
        log.error({ event: 'shutdown_step_failed', err }, 'a shutdown step failed after the drain');
      }
      log.info({ event: 'stopped' }, 'stopped');
      log.flush?.();
      resolveClosed();
    })();
    return closing;
  };
  return { close, closed };
}

/** Closes on SIGTERM/SIGINT until the server has closed. */
export function closeOnSignals({ close, closed }: Closer): void {
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
