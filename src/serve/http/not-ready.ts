/**
 * How "no model" looks to clients: the catalogue error, and the load failure's reason without the
 * server's filesystem paths (MODEL_PATH, REGISTRY_DIR, a home folder become `<path>`). /ready is
 * public; the log line keeps the full text for the operator.
 */
import { AppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ModelHolder } from '../holder.js';

export function withoutPaths(text: string): string {
  return text.replace(/(^|[\s=("'])(?:\/|~\/|\.{1,2}\/|[A-Za-z]:\\)[^\s,;"')]*/g, '$1<path>');
}

/** Why no model is loaded (or why the last reload failed), safe to show to any client. */
export function publicReason(holder: ModelHolder): string | null {
  return holder.reason === null ? null : withoutPaths(holder.reason);
}

export function notReady(holder: ModelHolder): AppError {
  const reason = publicReason(holder);
  return new AppError(
    SERVE_ERRORS.NOT_READY,
    `No model is loaded${reason ? `: ${reason}` : ''}.`,
    holder.lastFailure ? { reason: holder.lastFailure.code } : undefined,
  );
}
