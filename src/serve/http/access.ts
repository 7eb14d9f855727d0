/**
 * Who may call a route: an onRequest hook per role that reads the API key (X-API-Key or Bearer)
 * before the body is read, so an unauthenticated client never gets its body parsed. With no keys
 * configured (loopback only, see server.ts) every caller is the anonymous admin.
 */
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { ANONYMOUS_ADMIN, authenticate, type Principal, presentedKey, roleAllows } from '../auth.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ApiKeyEntry, ApiRole } from '../settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Every request starts with no principal; the role hook of its route sets one. */
export function decoratePrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}

const asAnonymousAdmin: onRequestHookHandler = (req, _reply, done) => {
  req.principal = ANONYMOUS_ADMIN;
  done();
};

/** onRequest hook that admits keys with `role`; runs before the body is read. */
export function requireRole(keys: readonly ApiKeyEntry[], role: ApiRole): onRequestHookHandler {
  if (keys.length === 0) return asAnonymousAdmin;
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
}
