/**
 * The HTTP app. Built from its dependencies (holder, metrics, logger, registry listing) so tests run it
 * in-process with `app.inject` or on a real socket. The hot path (POST /predict) does: auth hook →
 * JSON parse → compiled validation → score → explain → JSON; nothing else runs per request except the
 * request-id hook and the latency metric.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
  type onRequestHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError, isAppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import type { Factor } from '../model/types.js';
import { ANONYMOUS_ADMIN, authenticate, type Principal, presentedKey, roleAllows } from './auth.js';
import { bandOf, type ModelBundle } from './bundle.js';
import { registerDocs } from './docs.js';
import { SERVE_ERRORS } from './errors.js';
import type { ModelHolder } from './holder.js';
import { lazyChildLoggerFactory } from './lazy-logger.js';
import type { ServeMetrics } from './metrics.js';
import { noopObserver, type PredictionObserver } from './observe.js';
import { inferResponse, modelMetadata, OIP_MODEL_NAME, parseInferRequest, sameVersion } from './oip.js';
import { openApiFor } from './openapi.js';
import type { ApiKeyEntry, ApiRole, ServeSettings } from './settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type AppSettings = Pick<
  ServeSettings,
  | 'apiKeys'
  | 'maxInstances'
  | 'bodyLimitBytes'
  | 'rateLimitMax'
  | 'rateLimitWindowMs'
  | 'topFactors'
  | 'extraFeaturePolicy'
>;

export interface AppDeps {
  settings: AppSettings;
  holder: ModelHolder;
  metrics: ServeMetrics;
  /** Pino logger; false for none (benchmarks). */
  logger: Logger | false;
  observer?: PredictionObserver;
  /** GET /models: registry versions and champion; null when there is no registry to list. */
  listModels?: (() => Promise<unknown>) | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accept a sane incoming X-Request-ID (to follow a request across services), else make one. */
function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Maps anything thrown during a request to a catalogue error; never leaks a parser's message. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as Partial<FastifyError> & { status?: number };
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(SERVE_ERRORS.UNSUPPORTED_MEDIA_TYPE, 'The body must be sent as application/json.', {
        rule: 'content_type',
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(
        SERVE_ERRORS.BODY_TOO_LARGE,
        'The request body is larger than the server accepts.',
        {
          rule: 'body_limit',
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(SERVE_ERRORS.EMPTY_BODY, 'The request declares JSON but has an empty body.', {
        rule: 'body',
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(SERVE_ERRORS.MALFORMED_JSON, 'The request body is not valid JSON.', {
        rule: 'json',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(SERVE_ERRORS.BAD_REQUEST, 'Content-Length does not match the body.', {
        rule: 'content_length',
      });
    default:
      break;
  }
  const status = e?.statusCode ?? e?.status;
  // JSON.parse's own message quotes the body (it could be a name): never pass it on.
  if (err instanceof SyntaxError && status === 400)
    return new AppError(SERVE_ERRORS.MALFORMED_JSON, 'The request body is not valid JSON.', { rule: 'json' });
  if (typeof status === 'number' && status === 413)
    return new AppError(SERVE_ERRORS.BODY_TOO_LARGE, 'The request body is larger than the server accepts.', {
      rule: 'body_limit',
    });
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new AppError(SERVE_ERRORS.BAD_REQUEST, 'The HTTP request is malformed.', {
      rule: typeof e?.code === 'string' ? e.code : 'http',
    });
  return new AppError(
    CORE_ERRORS.INTERNAL,
    'Unexpected internal error; the request id identifies it in the logs.',
  );
}

/**
 * A load failure as clients see it: filesystem paths (MODEL_PATH, REGISTRY_DIR, a home folder) become
 * `<path>`. /ready is public; the log line keeps the full text for the operator.
 */
export function withoutPaths(text: string): string {
  return text.replace(/(^|[\s=("'])(?:\/|~\/|\.{1,2}\/|[A-Za-z]:\\)[^\s,;"')]*/g, '$1<path>');
}

function publicReason(holder: ModelHolder): string | null {
  return holder.reason === null ? null : withoutPaths(holder.reason);
}

function notReady(holder: ModelHolder): AppError {
  const reason = publicReason(holder);
  return new AppError(
    SERVE_ERRORS.NOT_READY,
    `No model is loaded${reason ? `: ${reason}` : ''}.`,
    holder.lastFailure ? { reason: holder.lastFailure.code } : undefined,
  );
}

/** The OIP v2 error body is `{ "error": "<message>" }`; we add the catalogue fields beside it. */
function isV2(url: string): boolean {
  return url.startsWith('/v2');
}

function errorBody(err: AppError, url: string): Record<string, unknown> {
  if (isV2(url)) {
    return {
      error: err.message,
      code: err.code,
      hint: err.spec.hint,
      ...(err.details ? { details: err.details } : {}),
    };
  }
  return { error: err.toJSON() };
}

interface ScoreOut {
  risk_score: number;
  risk_label: 0 | 1;
  risk_band: 'alto' | 'medio' | 'baixo';
  model_version: string;
  top_factors: Factor[];
}

/** Students explained between two yields to the event loop in a /predict batch. */
export const BATCH_CHUNK = 32;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { settings, holder, metrics } = deps;
  const observer = deps.observer ?? noopObserver;
  const observing = observer !== noopObserver;
  const keys: readonly ApiKeyEntry[] = settings.apiKeys;
  const authOn = keys.length > 0;
  const topK = settings.topFactors;
  const debugLog = deps.logger ? deps.logger.isLevelEnabled('debug') : false;

  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as unknown as FastifyBaseLogger } : { logger: false }),
    // Our own onResponse hook logs rejected and failed requests; no per-request lines otherwise.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    childLoggerFactory: lazyChildLoggerFactory as unknown as FastifyServerOptions['childLoggerFactory'],
    bodyLimit: settings.bodyLimitBytes,
    genReqId,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  app.decorateRequest('principal', null);
  // Only JSON bodies: fastify also parses text/plain by default, which would turn into a 400 later.
  app.removeContentTypeParser('text/plain');

  // X-Request-ID on every response, errors included (set before anything can fail).
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });

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

  app.setErrorHandler((err, req, reply) => {
    const appErr = toAppError(err);
    if (appErr.spec.http >= 500 && !isAppError(err)) req.log.error({ err, req }, 'unexpected error');
    metrics.rejected(appErr.code);
    reply.header('x-request-id', req.id);
    if (appErr.spec === SERVE_ERRORS.NOT_READY || appErr.spec === SERVE_ERRORS.MODEL_LOAD_FAILED)
      reply.header('retry-after', '5');
    reply.code(appErr.spec.http).send(errorBody(appErr, req.url));
  });

  app.setNotFoundHandler((req, reply) => {
    const err = new AppError(SERVE_ERRORS.ROUTE_NOT_FOUND, 'No endpoint matches this method and path.', {
      rule: 'route',
    });
    metrics.rejected(err.code);
    reply.code(404).send(errorBody(err, req.url));
  });

  /** onRequest hook that admits keys with `role`; runs before the body is read. */
  const requireRole = (role: ApiRole): onRequestHookHandler => {
    if (!authOn) {
      return (req, _reply, done) => {
        req.principal = ANONYMOUS_ADMIN;
        done();
      };
    }
    return (req, _reply, done) => {
      const key = presentedKey(req.headers);
      if (key === null) {
        done(new AppError(SERVE_ERRORS.UNAUTHORIZED, 'This endpoint needs an API key.', { rule: 'api_key' }));
        return;
      }
      const principal = authenticate(keys, key);
      if (principal === null) {
        done(new AppError(SERVE_ERRORS.UNAUTHORIZED, 'The API key is not valid.', { rule: 'api_key' }));
        return;
      }
      req.principal = principal;
      if (!roleAllows(principal.role, role)) {
        done(
          new AppError(SERVE_ERRORS.FORBIDDEN, `This endpoint needs the "${role}" role.`, {
            role,
            rule: 'role',
          }),
        );
        return;
      }
      done();
    };
  };

  const rateLimited = settings.rateLimitMax > 0;
  if (rateLimited) {
    const { default: rateLimit } = await import('@fastify/rate-limit');
    await app.register(rateLimit, {
      global: false,
      // Limit headers only on the 429 itself: three extra headers on every answer cost throughput.
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
      },
      max: settings.rateLimitMax,
      timeWindow: settings.rateLimitWindowMs,
      // After the auth hook: one bucket per key, or per client address when auth is off.
      keyGenerator: (req) =>
        req.principal && req.principal.id !== 'anonymous' ? `key:${req.principal.id}` : `ip:${req.ip}`,
      errorResponseBuilder: (_req, ctx) =>
        new AppError(SERVE_ERRORS.RATE_LIMITED, `Rate limit reached: ${ctx.max} requests per window.`, {
          rule: 'rate_limit',
          limit: ctx.max,
          retry_after_s: Math.ceil(ctx.ttl / 1000),
        }),
    });
  }
  const limit = rateLimited
    ? { rateLimit: { max: settings.rateLimitMax, timeWindow: settings.rateLimitWindowMs } }
    : {};
  const asPredict = { onRequest: [requireRole('predict')], config: limit };
  const asAdmin = { onRequest: [requireRole('admin')], config: limit };

  // ---- health (public) ----
  app.get('/health', (_req, reply) => {
    reply.send({ status: 'ok' });
  });

  const readiness = () => {
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
  };
  app.get('/ready', (_req, reply) => {
    const r = readiness();
    if (!r.ok) reply.header('retry-after', '5');
    reply.code(r.ok ? 200 : 503).send(r.body);
  });

  // ---- model information ----
  app.get('/metadata', asPredict, (_req, reply) => {
    const b = holder.current;
    if (!b) throw notReady(holder);
    reply.send(metadataOf(b));
  });

  app.get('/models', asPredict, async () => {
    const b = holder.current;
    const registry = deps.listModels ? await deps.listModels() : null;
    return {
      serving: b ? { version: b.version, source: b.source, requested: b.requested } : null,
      registry,
    };
  });

  app.get('/metrics', asAdmin, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.post('/admin/reload', asAdmin, async () => {
    const result = await holder.reload('admin');
    return {
      result,
      model_version: holder.current?.version ?? null,
      ...(holder.lastFailure ? { last_reload_error: holder.lastFailure } : {}),
    };
  });

  // ---- prediction (the hot path) ----
  const score = (b: ModelBundle, records: StudentRecord[], reqId: string, via: 'predict' | 'v2') => {
    const n = records.length;
    const scores = n === 1 ? [b.model.predictOne(records[0]!)] : b.model.predictProba(records);
    const thr = b.model.threshold;
    const labels = new Array<0 | 1>(n);
    const bands = new Array<'alto' | 'medio' | 'baixo'>(n);
    let alto = 0;
    let medio = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i] as number;
      labels[i] = s >= thr ? 1 : 0;
      const band = bandOf(s, b.bands);
      bands[i] = band;
      if (band === 'alto') alto++;
      else if (band === 'medio') medio++;
    }
    metrics.countPredictions(alto, medio, n - alto - medio);
    if (observing)
      observer({ modelVersion: b.version, records, scores, labels, requestId: reqId, at: Date.now(), via });
    return { scores, labels, bands };
  };

  const predictOut = (
    b: ModelBundle,
    rec: StudentRecord,
    s: number,
    label: 0 | 1,
    band: ScoreOut['risk_band'],
  ): ScoreOut => ({
    risk_score: s,
    risk_label: label,
    risk_band: band,
    model_version: b.version,
    top_factors: topK > 0 ? b.model.explain(rec, topK) : [],
  });

  app.post('/predict', asPredict, (req: FastifyRequest, reply: FastifyReply) => {
    const b = holder.current; // one read: this request uses this model to the end
    if (!b) throw notReady(holder);
    const { records, batch } = b.input.parseBody(req.body);
    const { scores, labels, bands } = score(b, records, req.id, 'predict');
    if (!batch) {
      reply.send(predictOut(b, records[0]!, scores[0] as number, labels[0]!, bands[0]!));
      return;
    }
    // Explanations dominate a large batch (~0.4 ms each for a 100-tree forest): build them in chunks and
    // yield to the event loop between chunks, so health checks and other clients are not held up.
    const predictions = new Array<ScoreOut>(records.length);
    let next = 0;
    const step = (): void => {
      try {
        const end = Math.min(records.length, next + BATCH_CHUNK);
        for (; next < end; next++)
          predictions[next] = predictOut(
            b,
            records[next]!,
            scores[next] as number,
            labels[next]!,
            bands[next]!,
          );
        if (next < records.length) setImmediate(step);
        else reply.send({ model_version: b.version, predictions });
      } catch (err) {
        reply.send(err);
      }
    };
    step();
  });

  // ---- Open Inference Protocol v2 ----
  app.get('/v2', (_req, reply) => {
    reply.send({ name: 'defasagem', version: '0.1.0', extensions: [] });
  });
  app.get('/v2/health/live', (_req, reply) => {
    reply.send({ live: true });
  });
  app.get('/v2/health/ready', (_req, reply) => {
    const ready = holder.current !== null;
    reply.code(ready ? 200 : 503).send({ ready });
  });

  const modelFor = (name: string, version: string | null): ModelBundle => {
    if (name !== OIP_MODEL_NAME)
      throw new AppError(
        SERVE_ERRORS.MODEL_NOT_FOUND,
        `This server serves only the model "${OIP_MODEL_NAME}".`,
        {
          rule: 'model_name',
        },
      );
    const b = holder.current;
    if (!b) throw notReady(holder);
    if (version !== null && !sameVersion(version, b.version))
      throw new AppError(
        SERVE_ERRORS.VERSION_NOT_LOADED,
        `Version ${/^v?\d+\.\d+\.\d+$/.test(version) ? version : '(as given)'} is not loaded; this server serves ${b.version}.`,
        { rule: 'version', loaded: b.version },
      );
    return b;
  };

  type ModelParams = { name: string; version?: string };
  app.get<{ Params: ModelParams }>('/v2/models/:name', asPredict, (req, reply) => {
    reply.send(modelMetadata(modelFor(req.params.name, null)));
  });
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version', asPredict, (req, reply) => {
    reply.send(modelMetadata(modelFor(req.params.name, req.params.version ?? null)));
  });
  const modelReady = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    let ready = true;
    try {
      modelFor(req.params.name, req.params.version ?? null);
    } catch (err) {
      if (isAppError(err) && err.spec !== SERVE_ERRORS.NOT_READY) throw err;
      ready = false;
    }
    reply.code(ready ? 200 : 503).send({ name: OIP_MODEL_NAME, ready });
  };
  app.get<{ Params: ModelParams }>('/v2/models/:name/ready', modelReady);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version/ready', modelReady);

  const infer = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const b = modelFor(req.params.name, req.params.version ?? null);
    const parsed = parseInferRequest(b, req.body, settings.maxInstances);
    const { scores, labels, bands } = score(b, parsed.records, req.id, 'v2');
    reply.send(inferResponse(b, parsed.id ?? req.id, parsed.outputs, scores, labels, bands));
  };
  app.post<{ Params: ModelParams }>('/v2/models/:name/infer', asPredict, infer);
  app.post<{ Params: ModelParams }>('/v2/models/:name/versions/:version/infer', asPredict, infer);

  // ---- OpenAPI from the live signature, Swagger UI at /docs ----
  registerDocs(app, () => openApiFor(holder.current, { maxInstances: settings.maxInstances, auth: authOn }));

  return app;
}

/** Safe metadata: no filesystem paths, no hosts; what a client needs to call and trust the model. */
export function metadataOf(b: ModelBundle): Record<string, unknown> {
  const m = b.metrics;
  const block = (x: NonNullable<typeof m>['validation'] | null | undefined) =>
    x
      ? {
          label_years: x.label_years,
          n: x.n,
          base_rate: x.base_rate,
          ...Object.fromEntries(
            (['roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'brier'] as const)
              .filter((k) => x.metrics?.[k])
              .map((k) => [k, x.metrics[k].value]),
          ),
        }
      : null;
  return {
    model_name: OIP_MODEL_NAME,
    model_version: b.version,
    source: b.source,
    requested: b.requested || 'dev',
    learner: b.model.learner,
    threshold: b.model.threshold,
    risk_bands: { alto: b.bands.alto, medio: b.bands.medio, baixo: 0 },
    feature_names: b.model.featureNames,
    loaded_at: b.loadedAt,
    signature: b.signature,
    metrics: m
      ? { learner: m.learner, threshold: m.threshold, validation: block(m.validation), test: block(m.test) }
      : null,
    metadata: b.metadata,
  };
}
