/**
 * Without API keys (allowed on loopback only) anyone who can make the user's browser send a request
 * could use the API: a page on evil.example that rebinds its DNS name to 127.0.0.1 (the request then
 * carries `Host: evil.example`), or a page that simply POSTs to http://127.0.0.1:8000 (its `Origin` is
 * evil.example). So a keyless server answers only requests whose Host names a loopback address or an
 * ALLOWED_HOSTS name, and refuses state-changing requests (anything but GET, HEAD, OPTIONS) whose
 * Origin is another site. Requests without a Host (HTTP/1.0) or without an Origin (curl, scripts) are
 * not from a browser page and pass. The Host value itself is never echoed or logged.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { isLoopbackHost } from '../auth.js';
import { SERVE_ERRORS } from '../errors.js';

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`); null when malformed. */
export function hostnameOf(host: string): string | null {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0 || !/^(:\d{1,5})?$/.test(h.slice(end + 1))) return null;
    return h.slice(1, end);
  }
  const m = /^([^:\s]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]! : null;
}

/** The host name of an Origin header value; null for `null`, other schemes or anything malformed. */
export function originHostname(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request's refusal by the guard, or null when it may pass (see the module's comment). */
export type HostCheck = (req: FastifyRequest) => AppError | null;

/** The check that keeps a keyless server to loopback names and same-machine pages. */
export function hostCheck(allowedHosts: readonly string[]): HostCheck {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const accepts = (name: string | null) => name !== null && (isLoopbackHost(name) || allowed.has(name));
  // The last Host value accepted: clients send the same one on every request, and comparing it is
  // cheaper than parsing it again. Only an accepted value is kept, so a refused one is always parsed.
  let lastAccepted: string | null = null;
  return (req) => {
    const host = req.headers.host;
    if (host !== undefined && host !== lastAccepted) {
      if (!accepts(hostnameOf(host)))
        return new AppError(
          SERVE_ERRORS.HOST_NOT_ALLOWED,
          'This server has no API keys and answers only requests addressed to localhost, 127.0.0.1, ::1 or a name in ALLOWED_HOSTS.',
          { rule: 'host' },
        );
      lastAccepted = host;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !SAFE_METHODS.has(req.method) && !accepts(originHostname(origin)))
      return new AppError(
        SERVE_ERRORS.HOST_NOT_ALLOWED,
        'This server has no API keys and accepts changes only from pages on localhost, 127.0.0.1, ::1 or a name in ALLOWED_HOSTS.',
        { rule: 'origin' },
      );
    return null;
  };
}
