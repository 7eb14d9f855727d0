/**
 * Who may call a route: a check per role, run by the route's onRequest hook, that reads the API key (X-API-Key or Bearer)
 * before the body is read, so an unauthenticated client never gets its body parsed. With no keys
 * configured (loopback only, see server.ts) every caller is the anonymous admin.
 *
 * Failed key checks (no key, a wrong key) are counted per client address; past AUTH_FAILURE_LIMIT in a
 * minute the address gets 429 before its key is even looked at, so keys cannot be guessed at speed.
 * Only failures count and only for the address that made them: a valid key used from another
 * address is never slowed, and a valid request costs nothing here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { ANONYMOUS_ADMIN, authenticate, type Principal, presentedKey, roleAllows } from '../auth.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ApiKeyEntry, ApiRole } from '../settings.js';
import { FixedWindows } from './windows.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Every request starts with no principal; the role hook of its route sets one. */
export function decoratePrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}

/** Failed key checks per client address, per minute. */
export class AuthFailures {
  private readonly windows: FixedWindows;
  constructor(limit: number, now: () => number = Date.now) {
    this.windows = new FixedWindows(limit, 60_000, now);
  }
  /** The 429 for an address that has used up its failures this minute; null while it may still try. */
  refusal(req: FastifyRequest): AppError | null {
    if (this.windows.used(req.ip) < this.windows.max) return null;
    return new AppError(
      SERVE_ERRORS.AUTH_THROTTLED,
      `Too many failed API-key attempts from this address: at most ${this.windows.max} a minute.`,
      { rule: 'auth_failures', limit: this.windows.max, retry_after_s: this.windows.retryAfterS(req.ip) },
    );
  }
  /** One more failed key check from this request's address; returns the 401 to answer. */
  failed(req: FastifyRequest, message: string): AppError {
    this.windows.add(req.ip, 1);
    return new AppError(SERVE_ERRORS.UNAUTHORIZED, message, { rule: 'api_key' });
  }
}

/** AUTH_FAILURE_LIMIT as a counter; null when there are no keys or the limit is off (0). */
export function authFailures(keys: readonly ApiKeyEntry[], limit: number): AuthFailures | null {
  return keys.length > 0 && limit > 0 ? new AuthFailures(limit) : null;
}

const unauthorized = (_req: FastifyRequest, message: string) =>
  new AppError(SERVE_ERRORS.UNAUTHORIZED, message, { rule: 'api_key' });

/** A route's key check: sets the request's principal, or returns the refusal (401, 403, 429). */
export type RoleCheck = (req: FastifyRequest) => AppError | null;

const asAnonymousAdmin: RoleCheck = (req) => {
  req.principal = ANONYMOUS_ADMIN;
  return null;
};

/**
 * The check that admits keys with `role`, for an onRequest hook (before the body is read). With
 * `failures`, an address over its failed-attempt limit is refused first, and each failed check is
 * counted.
 */
export function roleCheck(
  keys: readonly ApiKeyEntry[],
  role: ApiRole,
  failures: AuthFailures | null = null,
): RoleCheck {
  if (keys.length === 0) return asAnonymousAdmin;
  const fail = failures ? failures.failed.bind(failures) : unauthorized;
  return (req) => {
    const throttled = failures?.refusal(req) ?? null;
    if (throttled) return throttled;
    const key = presentedKey(req.headers);
    if (key === null) return fail(req, 'This endpoint needs an API key.');
    const principal = authenticate(keys, key);
    if (principal === null) return fail(req, 'The API key is not valid.');
    req.principal = principal;
    if (!roleAllows(principal.role, role))
      return new AppError(SERVE_ERRORS.FORBIDDEN, `This endpoint needs the "${role}" role.`, {
        role,
        rule: 'role',
      });
    return null;
  };
}
