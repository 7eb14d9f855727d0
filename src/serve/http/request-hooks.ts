/**
 * The two hooks every request goes through, each a single function: fastify runs each hook of a
 * request through its hook runner, and one call doing all the work is cheaper than one per concern.
 * - onRequest: X-Request-ID on the response, set before anything can fail (so errors carry it too);
 *   then, on a server without keys, the Host/Origin guard (host-guard.ts).
 * - onResponse: the latency metric by route template; monitoring's count of the answer (status,
 *   latency) for GET /monitoring/slo; a log line for rejected (4xx, info) and failed (5xx, error)
 *   requests, successful ones only at debug level. The request serializer (core/logger.ts) never logs a
 *   body, a query string or a client-chosen path.
 */
import type { FastifyInstance, onRequestHookHandler, onResponseHookHandler } from 'fastify';
import type { ServeMetrics } from '../metrics.js';
import type { MonitoringService } from '../observe.js';
import { type HostCheck, hostCheck } from './host-guard.js';

export interface RequestHookOptions {
  /** No API keys: the Host/Origin guard runs. */
  keyless: boolean;
  allowedHosts: readonly string[];
}

function onRequest(check: HostCheck | null): onRequestHookHandler {
  if (check === null)
    return (req, reply, done) => {
      reply.header('x-request-id', req.id);
      done();
    };
  return (req, reply, done) => {
    reply.header('x-request-id', req.id);
    const refused = check(req);
    if (refused === null) done();
    else done(refused);
  };
}

export interface ResponseHookOptions {
  metrics: ServeMetrics;
  /** Inference monitoring; absent or null: not counted. */
  monitoring?: MonitoringService | null;
  /** Log successful requests too (debug level). */
  debugLog: boolean;
}

function onResponse({ metrics, monitoring, debugLog }: ResponseHookOptions): onResponseHookHandler {
  return (req, reply, done) => {
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, req.method, status, ms / 1000);
    monitoring?.observeRequest({ endpoint: route, status, latencyMs: ms, at: Date.now() });
    if (status >= 500) req.log.error({ req, status, ms, principal: req.principal?.id }, 'request failed');
    else if (status >= 400)
      req.log.info({ req, status, ms, principal: req.principal?.id }, 'request rejected');
    else if (debugLog) req.log.debug({ req, status, ms, principal: req.principal?.id }, 'request');
    done();
  };
}

/** Installs both hooks on the whole app (every route, the not-found handler included). */
export function addRequestHooks(
  app: FastifyInstance,
  request: RequestHookOptions,
  response: ResponseHookOptions,
): void {
  app.addHook('onRequest', onRequest(request.keyless ? hostCheck(request.allowedHosts) : null));
  app.addHook('onResponse', onResponse(response));
}
