/**
 * Liveness and readiness, public: GET /health answers while the process runs; GET /ready says which
 * model is served and whether it was trained on synthetic data, or (503, Retry-After) why none is, and
 * whether the last reload failed.
 */
import type { ServePlugin } from '../context.js';
import type { ModelHolder } from '../holder.js';
import { notReady, publicReason, withoutPaths } from '../http/not-ready.js';

function readiness(holder: ModelHolder): { ok: boolean; body: Record<string, unknown> } {
  const b = holder.current;
  if (!b) {
    const err = notReady(holder);
    return {
      ok: false,
      body: { ready: false, reason: publicReason(holder) ?? 'no model loaded yet', error: err.toJSON() },
    };
  }
  return {
    ok: true,
    body: {
      ready: true,
      model_version: b.version,
      // A model trained on the synthetic workbook answers like a real one: say which it is.
      synthetic: b.synthetic,
      loaded_at: b.loadedAt,
      // The old model keeps serving after a failed reload; say so here.
      ...(holder.lastFailure
        ? {
            last_reload_error: {
              ...holder.lastFailure,
              message: withoutPaths(holder.lastFailure.message),
            },
          }
        : {}),
    },
  };
}

export const healthRoutes: ServePlugin = async (app, { holder }) => {
  app.get('/health', (_req, reply) => {
    reply.send({ status: 'ok' });
  });

  app.get('/ready', (_req, reply) => {
    const r = readiness(holder);
    if (!r.ok) reply.header('retry-after', '5');
    reply.code(r.ok ? 200 : 503).send(r.body);
  });
};
