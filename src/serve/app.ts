/**
 * The HTTP app, built from its dependencies (holder, metrics, logger, registry listing) so tests run it
 * in-process with `app.inject` or on a real socket. Three layers, in this order:
 * 1. Fastify's options: strict JSON only, body limit, request ids, lazy per-request loggers.
 * 2. Cross-cutting hooks (`http/`), as few as possible since fastify runs each one per request: one
 *    onRequest (X-Request-ID, the Host/Origin guard of a keyless server) and one onResponse (latency
 *    metric, monitoring's request count, the request log) for the whole app; the error and not-found
 *    handlers; per role, one onRequest (the principal, with the failed-key throttle, then the rate
 *    limiter's admission) and the limiter's preHandler.
 * 3. The route plugins (`plugins/`), one per endpoint family, each in its own encapsulated context and
 *    given the same ServeContext (context.ts says how to add one).
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
  type onRequestHookHandler,
  type RouteShorthandOptions,
} from 'fastify';
import type { Logger } from 'pino';
import type { RegistryContext } from '../registry/index.js';
import type { AppSettings, RouteAccess, ServeContext, ServePlugin } from './context.js';
import type { ModelHolder } from './holder.js';
import { authFailures, decoratePrincipal, type RoleCheck, roleCheck } from './http/access.js';
import { setErrorHandlers } from './http/error-handler.js';
import { lazyRequestLoggers } from './http/lazy-logger.js';
import { createLimiter, type Limiter } from './http/rate-limit.js';
import { addRequestHooks } from './http/request-hooks.js';
import { genReqId } from './http/request-id.js';
import { lazySchemaCompilers } from './http/schema-compilers.js';
import type { ServeMetrics } from './metrics.js';
import type { MonitoringService, PredictionObserver } from './observe.js';
import { adminRoutes } from './plugins/admin.js';
import { dashboardRoutes } from './plugins/dashboard.js';
import { docsRoutes } from './plugins/docs.js';
import { healthRoutes } from './plugins/health.js';
import { metricsRoute } from './plugins/metrics.js';
import { modelRoutes } from './plugins/models.js';
import { monitoringRoutes } from './plugins/monitoring.js';
import { oipRoutes } from './plugins/oip-v2.js';
import { predictRoutes } from './plugins/predict.js';
import { registryRoutes } from './plugins/registry.js';
import { scoreRoutes } from './plugins/score.js';
import { createScorer } from './scoring.js';

export type { AppSettings } from './context.js';

export interface AppDeps {
  settings: AppSettings;
  holder: ModelHolder;
  metrics: ServeMetrics;
  /** Pino logger; false for none (benchmarks). */
  logger: Logger | false;
  /** Sees every prediction (monitoring); called through a guard, see observe.ts. */
  observer?: PredictionObserver;
  /** Inference monitoring: the response hook and GET /monitoring/*; absent = neither. */
  monitoring?: MonitoringService | null;
  /** GET /models: registry versions and champion; null when there is no registry to list. */
  listModels?: (() => Promise<unknown>) | null;
  /** The /registry routes (dashboard): the registry to read and move; null or absent: no such routes. */
  registry?: RegistryContext | null;
}

/** Every endpoint family of the API, registered in this order. */
export const ROUTE_PLUGINS: readonly ServePlugin[] = [
  healthRoutes,
  modelRoutes,
  metricsRoute,
  adminRoutes,
  predictRoutes,
  scoreRoutes,
  oipRoutes,
  monitoringRoutes,
  docsRoutes,
  registryRoutes,
  dashboardRoutes,
];

function createFastify(deps: AppDeps): FastifyInstance {
  return Fastify({
    ...(deps.logger
      ? { loggerInstance: lazyRequestLoggers(deps.logger as unknown as FastifyBaseLogger) }
      : { logger: false }),
    // Our own onResponse hook logs rejected and failed requests; no per-request lines otherwise.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    bodyLimit: deps.settings.bodyLimitBytes,
    genReqId,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaController: {
      compilersFactory: lazySchemaCompilers() as NonNullable<
        FastifyServerOptions['schemaController']
      >['compilersFactory'],
    },
  });
}

/**
 * The route options of a role: one onRequest hook that checks the key, then the rate limit's
 * admission; after the body is parsed, the rate limit's charge for its students.
 */
function roleAccess(check: RoleCheck, limiter: Limiter): RouteShorthandOptions {
  const admit = limiter.admit;
  const onRequest: onRequestHookHandler = admit
    ? (req, reply, done) => {
        const refused = check(req) ?? admit(req, reply);
        if (refused === null) done();
        else done(refused);
      }
    : (req, _reply, done) => {
        const refused = check(req);
        if (refused === null) done();
        else done(refused);
      };
  return { onRequest, ...(limiter.preHandler ? { preHandler: limiter.preHandler } : {}) };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { settings, holder, metrics } = deps;
  const app = createFastify(deps);
  decoratePrincipal(app);
  // Only JSON bodies: fastify also parses text/plain by default, which would turn into a 400 later.
  app.removeContentTypeParser('text/plain');
  const keys = settings.apiKeys;
  addRequestHooks(
    app,
    { keyless: keys.length === 0, allowedHosts: settings.allowedHosts },
    {
      metrics,
      monitoring: deps.monitoring ?? null,
      debugLog: deps.logger ? deps.logger.isLevelEnabled('debug') : false,
    },
  );
  setErrorHandlers(app, metrics);
  const limiter = createLimiter(app, settings);
  const failures = authFailures(keys, settings.authFailureLimit);
  const access: RouteAccess = {
    predict: roleAccess(roleCheck(keys, 'predict', failures), limiter),
    admin: roleAccess(roleCheck(keys, 'admin', failures), limiter),
  };
  const context: ServeContext = {
    settings,
    holder,
    metrics,
    access,
    authOn: keys.length > 0,
    score: createScorer(metrics, deps.observer, app.log),
    chargeStudents: limiter.chargeStudents,
    listModels: deps.listModels ?? null,
    registry: deps.registry ?? null,
    monitoring: deps.monitoring ?? null,
  };
  for (const plugin of ROUTE_PLUGINS) await app.register(plugin, context);
  return app;
}
