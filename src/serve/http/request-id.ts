/**
 * Request ids: a safe incoming X-Request-ID is kept (to follow a request across services), anything
 * else is replaced by a fresh UUID; every response carries the id, errors included, and every log
 * line of the request has it. The id is echoed and logged, so it must not be able to carry personal
 * data: 8–64 characters of `A-Z a-z 0-9 . _ -`, and not only digits and separators (a CPF, a phone
 * number, a date of birth, an RA) nor holding a CPF (`aluno-12345678909`).
 * Random ids (UUIDs, hex trace ids, base62) pass.
 */
import { randomUUID } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;
const DIGITS_AND_SEPARATORS = /^[0-9._-]+$/;
/** A formatted CPF anywhere (hex ids never hold a dot). */
const CPF_FORMATTED = /\d{3}\.\d{3}\.\d{3}-\d{2}/;
/** Eleven digits, not part of a longer number. */
const CPF_DIGITS = /(?<!\d)\d{11}(?!\d)/;
/** A part that is a long hex string (a trace id, a hash): its digit runs are chance, not a CPF. */
const HEX_PART = /^[0-9a-f]{16,}$/i;

/** A CPF in the id: formatted, or 11 digits in one of its parts (between `.`, `_`, `-`). */
function holdsCpf(id: string): boolean {
  return CPF_FORMATTED.test(id) || id.split(/[._-]/).some((p) => !HEX_PART.test(p) && CPF_DIGITS.test(p));
}

/** True when a client's request id may be kept, echoed and logged. */
export function isSafeRequestId(id: string): boolean {
  return SAFE_ID.test(id) && !DIGITS_AND_SEPARATORS.test(id) && !holdsCpf(id);
}

/** Fastify's `genReqId`: the incoming X-Request-ID when it is safe, else a new UUID. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && isSafeRequestId(incoming) ? incoming : randomUUID();
}
