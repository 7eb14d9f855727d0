/**
 * API keys: the server stores only sha256 hashes (API_KEYS="sha256hex:role,..."), hashes the presented
 * key and compares it with every stored hash in constant time, so neither the match nor its position
 * leaks through timing. Roles: `predict` (predictions, metadata) and `admin` (everything).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { ApiKeyEntry, ApiRole } from './settings.js';

export interface Principal {
  /** First 8 hex chars of the key's hash, or `anonymous` when auth is off. */
  readonly id: string;
  readonly role: ApiRole;
}

export const ANONYMOUS_ADMIN: Principal = Object.freeze({ id: 'anonymous', role: 'admin' });

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key (base64url, 256 bits) for `defasagem serve hash-key --generate`. */
export function generateKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The key from `X-API-Key` or `Authorization: Bearer <key>`; null when neither is present. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ')
    return auth.slice(7).trim();
  return null;
}

/** The entry whose hash matches `key`, comparing against all entries in constant time. */
export function authenticate(keys: readonly ApiKeyEntry[], key: string): Principal | null {
  if (key.length > 512) return null;
  const digest = createHash('sha256').update(key, 'utf8').digest();
  let found: ApiKeyEntry | null = null;
  for (const entry of keys) {
    // No early exit: every entry is compared whatever the result.
    if (timingSafeEqual(entry.hash, digest) && found === null) found = entry;
  }
  return found ? { id: found.id, role: found.role } : null;
}

export function roleAllows(has: ApiRole, needs: ApiRole): boolean {
  return has === 'admin' || has === needs;
}

/** Loopback hosts where running without keys is allowed (a developer's own machine). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}
