/** GET /metrics: the Prometheus exposition of this process (`admin` role). */
import type { ServePlugin } from '../context.js';

export const metricsRoute: ServePlugin = async (app, { metrics, access }) => {
  app.get('/metrics', access.admin, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
