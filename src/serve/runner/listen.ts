/**
 * Binding the socket: the errors a user can cause (port taken, no permission, a host that does not
 * resolve) become catalogue errors; the answer is the URL actually bound (port 0 resolved).
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';

const BIND_CODES = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES']);
// getaddrinfo failures: a mistyped or unresolvable --host / HOST.
const RESOLVE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && BIND_CODES.has(code))
    return new AppError(SERVE_ERRORS.PORT_IN_USE, `Cannot listen on ${host}:${port} (${code}).`, {
      host,
      port,
    });
  if (code && RESOLVE_CODES.has(code))
    return new AppError(
      SERVE_ERRORS.HOST_INVALID,
      `Cannot listen on ${JSON.stringify(host)}: the name does not resolve (${code}).`,
      { host, port },
    );
  return err;
}

/** Listens on host:port and returns http://host:port as bound; `onError` runs before a failure is thrown. */
export async function listenOn(
  app: FastifyInstance,
  host: string,
  port: number,
  onError: () => Promise<void>,
): Promise<string> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    await onError();
    throw listenError(err, host, port);
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}
