/**
 * One hook after every response: the latency metric by route template, and a log line for rejected
 * (4xx, info) and failed (5xx, error) requests; successful ones are logged only at debug level. The
 * request serializer (core/logger.ts) never logs a body, a query string or a client-chosen path.
 */
import type { FastifyInstance } from 'fastify';
import type { ServeMetrics } from '../metrics.js';

export function addRequestLog(app: FastifyInstance, metrics: ServeMetrics, debugLog: boolean): void {
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    metrics.observeRequest(req.routeOptions.url ?? 'unmatched', req.method, status, reply.elapsedTime / 1000);
    if (status >= 500)
      req.log.error({ req, status, ms: reply.elapsedTime, principal: req.principal?.id }, 'request failed');
    else if (status >= 400)
      req.log.info({ req, status, ms: reply.elapsedTime, principal: req.principal?.id }, 'request rejected');
    else if (debugLog)
      req.log.debug({ req, status, ms: reply.elapsedTime, principal: req.principal?.id }, 'request');
    done();
  });
}
