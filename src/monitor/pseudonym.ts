/**
 * RA pseudonyms for the pseudonymised mode: HMAC-SHA256 keyed with a secret from config. The same RA
 * and secret always give the same pseudonym (so next year's outcomes can be joined); without the secret
 * a pseudonym cannot be linked back to an RA by trying RAs. The RA itself is never stored.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { AppError } from '../core/error-base.js';
import { MONITOR_ERRORS } from './errors.js';

export const MIN_SECRET_LENGTH = 32;

/** Throws SECRET_MISSING unless `secret` has at least MIN_SECRET_LENGTH characters. Never echoes it. */
export function checkSecret(secret: string | undefined): string {
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new AppError(
      MONITOR_ERRORS.SECRET_MISSING,
      secret
        ? `MONITOR_HMAC_SECRET has ${secret.length} characters; pseudonymised mode needs at least ${MIN_SECRET_LENGTH}.`
        : 'MONITOR_PRIVACY_MODE=pseudonymised needs MONITOR_HMAC_SECRET; refusing to start without it.',
      { min_length: MIN_SECRET_LENGTH },
    );
  }
  return secret;
}

export type Pseudonymiser = (ra: string) => string;

/** A function RA → 64 hex characters, keyed once. The RA is trimmed as ingestion trims it. */
export function pseudonymiser(secret: string): Pseudonymiser {
  const key: KeyObject = createSecretKey(Buffer.from(checkSecret(secret), 'utf8'));
  return (ra) => createHmac('sha256', key).update(ra.trim(), 'utf8').digest('hex');
}
