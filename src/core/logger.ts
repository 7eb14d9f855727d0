import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Structured JSON logs (pino). Personal data never reaches a log line: keys that may hold a student's
 * name, RA or CPF are censored at any of the first levels of a logged object, credentials in headers
 * are censored, and request bodies are never logged (the request serializer below does not read them).
 */

/** Keys whose values are personal data or secrets, wherever they appear in a logged object. */
export const PII_KEYS = [
  'nome',
  'name',
  'nome_anonimizado',
  'ra',
  'cpf',
  'body',
  'password',
  'apiKey',
  'api_key',
] as const;

const REDACT_PATHS: string[] = [
  ...PII_KEYS,
  ...PII_KEYS.map((k) => `*.${k}`),
  ...PII_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
];

export interface LoggerConfig {
  level: string;
  /** Where lines go (default stdout); tests pass a stream that collects them. */
  destination?: DestinationStream;
  /** Bound to every line, e.g. { service: 'serve' }. */
  base?: Record<string, unknown>;
}

/**
 * Only what is needed to follow a request: never the body, never the query string, and the path only
 * when it matched a route without parameters. Path segments a client chooses (`/v2/models/<name>`, an
 * unknown path) could carry anything, a name included; the route template identifies the endpoint.
 */
export const requestSerializer = (req: {
  id?: unknown;
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
}): Record<string, unknown> => {
  const route = req.routeOptions?.url;
  const fixedRoute = typeof route === 'string' && !/[:*]/.test(route);
  return {
    id: req.id,
    method: req.method,
    url: fixedRoute && typeof req.url === 'string' ? req.url.split('?', 1)[0] : undefined,
    route,
  };
};

export function loggerOptions(config: LoggerConfig): LoggerOptions {
  return {
    level: config.level,
    base: config.base ?? null,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
  };
}

export function createLogger(config: LoggerConfig): Logger {
  const options = loggerOptions(config);
  return config.destination ? pino(options, config.destination) : pino(options);
}

export type { Logger };
