/**
 * Every error a request meets becomes a catalogue error with its HTTP status, counted by code, with
 * the request id and (for 503, and 429 from `details.retry_after_s`) Retry-After. Parser messages are never passed on: JSON.parse's own
 * message quotes the body, which could hold a name. OIP v2 routes get the protocol's error shape.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { CORE_ERRORS } from '../../core/core-errors.js';
import { AppError, isAppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ServeMetrics } from '../metrics.js';

/** Fastify's body-parser failures, by their code. */
const PARSER_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new AppError(SERVE_ERRORS.UNSUPPORTED_MEDIA_TYPE, 'The body must be sent as application/json.', {
      rule: 'content_type',
    }),
  FST_ERR_CTP_BODY_TOO_LARGE: () => tooLarge(),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new AppError(SERVE_ERRORS.EMPTY_BODY, 'The request declares JSON but has an empty body.', {
      rule: 'body',
    }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => malformedJson(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new AppError(SERVE_ERRORS.BAD_REQUEST, 'Content-Length does not match the body.', {
      rule: 'content_length',
    }),
};

const malformedJson = () =>
  new AppError(SERVE_ERRORS.MALFORMED_JSON, 'The request body is not valid JSON.', { rule: 'json' });
const tooLarge = () =>
  new AppError(SERVE_ERRORS.BODY_TOO_LARGE, 'The request body is larger than the server accepts.', {
    rule: 'body_limit',
  });

/** Maps anything thrown during a request to a catalogue error; never leaks a parser's message. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as Partial<FastifyError> & { status?: number };
  const parser =
    typeof e?.code === 'string' && Object.hasOwn(PARSER_ERRORS, e.code) ? PARSER_ERRORS[e.code] : null;
  if (parser) return parser();
  const status = e?.statusCode ?? e?.status;
  if (err instanceof SyntaxError && status === 400) return malformedJson();
  if (typeof status === 'number' && status === 413) return tooLarge();
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new AppError(SERVE_ERRORS.BAD_REQUEST, 'The HTTP request is malformed.', {
      rule: typeof e?.code === 'string' ? e.code : 'http',
    });
  return new AppError(
    CORE_ERRORS.INTERNAL,
    'Unexpected internal error; the request id identifies it in the logs.',
  );
}

/** The OIP v2 error body is `{ "error": "<message>" }`; we add the catalogue fields beside it. */
export function errorBody(err: AppError, url: string): Record<string, unknown> {
  if (url.startsWith('/v2')) {
    return {
      error: err.message,
      code: err.code,
      hint: err.spec.hint,
      ...(err.details ? { details: err.details } : {}),
    };
  }
  return { error: err.toJSON() };
}

/** The error handler and the not-found handler of the whole app. */
export function setErrorHandlers(app: FastifyInstance, metrics: ServeMetrics): void {
  app.setErrorHandler((err, req, reply) => {
    const appErr = toAppError(err);
    if (appErr.spec.http >= 500 && !isAppError(err)) req.log.error({ err, req }, 'unexpected error');
    metrics.rejected(appErr.code);
    reply.header('x-request-id', req.id);
    if (appErr.spec === SERVE_ERRORS.NOT_READY || appErr.spec === SERVE_ERRORS.MODEL_LOAD_FAILED)
      reply.header('retry-after', '5');
    // The limits (429) say in details when to come back.
    const retry = appErr.details?.retry_after_s;
    if (typeof retry === 'number') reply.header('retry-after', String(retry));
    reply.code(appErr.spec.http).send(errorBody(appErr, req.url));
  });

  app.setNotFoundHandler((req, reply) => {
    const err = new AppError(SERVE_ERRORS.ROUTE_NOT_FOUND, 'No endpoint matches this method and path.', {
      rule: 'route',
    });
    metrics.rejected(err.code);
    reply.code(404).send(errorBody(err, req.url));
  });
}
