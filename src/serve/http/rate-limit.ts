/**
 * Rate limit per API key (per client address when auth is off), on the routes that need a role;
 * health, readiness and docs are never limited. RATE_LIMIT_MAX=0 turns it off and then the plugin is
 * not even loaded.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ServeSettings } from '../settings.js';

export type RateLimitSettings = Pick<ServeSettings, 'rateLimitMax' | 'rateLimitWindowMs'>;

/** The route `config` that puts a route under the limit: empty when the limit is off. */
export type RateLimitConfig = { rateLimit?: { max: number; timeWindow: number } };

/** Registers the limiter (when on) and returns the config for limited routes. */
export async function registerRateLimit(
  app: FastifyInstance,
  settings: RateLimitSettings,
): Promise<RateLimitConfig> {
  if (settings.rateLimitMax <= 0) return {};
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
  return { rateLimit: { max: settings.rateLimitMax, timeWindow: settings.rateLimitWindowMs } };
}
