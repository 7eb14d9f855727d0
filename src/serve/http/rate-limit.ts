/**
 * Rate limits per API key (per client address when auth is off), on the routes that need a role;
 * health, readiness and the docs' static files are never limited. Two bounds, both answered with 429
 * and Retry-After:
 * - **students per window** (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS): a request pays 1 when it
 *   arrives (after its key is checked) and tops up to its number of students once its body is parsed,
 *   so a batch of 1,000 costs 1,000, as much as 1,000 single requests. A request larger than the whole
 *   budget costs the whole budget (it can still pass, once, in a fresh window);
 * - **requests in flight** at once (RATE_LIMIT_CONCURRENCY), freed when the response is closed.
 * RATE_LIMIT_MAX=0 turns both off, and then no hook runs at all.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ServeSettings } from '../settings.js';
import { FixedWindows } from './windows.js';

export type RateLimitSettings = Pick<
  ServeSettings,
  'rateLimitMax' | 'rateLimitWindowMs' | 'rateLimitConcurrency'
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Students this request has paid for in its key's rate-limit window (0 when not limited). */
    studentsCharged: number;
  }
}

export interface Limiter {
  /**
   * Admission, after the key is checked (the route's onRequest hook calls it): one unit of the budget
   * and a slot in flight; returns the 429, or null when admitted.
   */
  readonly admit: ((req: FastifyRequest, reply: FastifyReply) => AppError | null) | null;
  /** Once the body is parsed: the top-up to the number of students it holds (see studentsIn). */
  readonly preHandler: preHandlerHookHandler | null;
  /**
   * Makes sure the request has paid for `students` in all (a top-up, never twice); throws the 429 when
   * the key's budget cannot cover it. For a route whose body studentsIn cannot read (e.g. a binary
   * tensor body): call it with the real count right after parsing, before scoring.
   */
  chargeStudents(req: FastifyRequest, students: number): void;
}

/**
 * How many students a parsed body asks to score, read without validating it: `{"instances": [...]}`
 * → its length; OIP v2 `{"inputs": [{"shape": [n, ...]}]}` → the largest n; anything else → 1. A
 * claim larger than the truth only costs its sender more; the parser rejects the mismatch anyway.
 */
export function studentsIn(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 1;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.instances)) return Math.max(1, b.instances.length);
  let n = 1;
  if (Array.isArray(b.inputs)) {
    for (const t of b.inputs) {
      const rows = (t as { shape?: unknown } | null)?.shape;
      const first = Array.isArray(rows) ? rows[0] : undefined;
      if (typeof first === 'number' && Number.isSafeInteger(first) && first > n) n = first;
    }
  }
  return n;
}

/** The rate-limit bucket a response holds a slot in, freed when it closes. */
const SLOT = Symbol('rateLimitSlot');
type SlotHolder = ServerResponse & { [SLOT]?: string };

/** The last bucket names made: a client sends many requests, and the same string is found at once. */
const lastBucket = { key: '', keyBucket: '', ip: '', ipBucket: '' };

/** The bucket of a request: its key, or its client address when auth is off. */
function bucketOf(req: FastifyRequest): string {
  const p = req.principal;
  const last = lastBucket;
  if (p && p.id !== 'anonymous') {
    if (p.id !== last.key) {
      last.key = p.id;
      last.keyBucket = `key:${p.id}`;
    }
    return last.keyBucket;
  }
  const ip = req.ip;
  if (ip !== last.ip) {
    last.ip = ip;
    last.ipBucket = `ip:${ip}`;
  }
  return last.ipBucket;
}

const NO_LIMIT: Limiter = { admit: null, preHandler: null, chargeStudents: () => {} };

/** The limiter of one app (`now` for tests); registers the request decoration it needs. */
export function createLimiter(
  app: FastifyInstance,
  settings: RateLimitSettings,
  now: () => number = Date.now,
): Limiter {
  app.decorateRequest('studentsCharged', 0);
  if (settings.rateLimitMax <= 0) return NO_LIMIT;
  const budget = new FixedWindows(settings.rateLimitMax, settings.rateLimitWindowMs, now);
  const maxInFlight = settings.rateLimitConcurrency;
  const inFlight = new Map<string, number>();

  const overBudget = (bucket: string, cost: number) =>
    new AppError(
      SERVE_ERRORS.RATE_LIMITED,
      cost > 1
        ? `Rate limit reached: this request scores ${cost} students and ${Math.max(0, budget.max - budget.used(bucket))} of ${budget.max} are left in this window.`
        : `Rate limit reached: ${budget.max} students per window.`,
      { rule: 'rate_limit', limit: budget.max, cost, retry_after_s: budget.retryAfterS(bucket) },
    );

  /** The top-up to `students` (see chargeStudents); the 429 when the budget cannot cover it. */
  const charge = (req: FastifyRequest, students: number): AppError | null => {
    const cost = Math.min(Math.max(1, students), budget.max);
    const topUp = cost - req.studentsCharged;
    if (topUp <= 0) return null;
    const bucket = bucketOf(req);
    if (!budget.tryTake(bucket, topUp)) return overBudget(bucket, cost);
    req.studentsCharged = cost;
    return null;
  };

  // 'close' comes once per response, sent or cut off: the slot is always given back. One listener
  // for every response (the bucket rides on the response), so admitting allocates no closure.
  function release(this: SlotHolder): void {
    const bucket = this[SLOT];
    if (bucket === undefined) return;
    this[SLOT] = undefined;
    const left = (inFlight.get(bucket) ?? 1) - 1;
    if (left > 0) inFlight.set(bucket, left);
    else inFlight.delete(bucket);
  }

  const admit = (req: FastifyRequest, reply: FastifyReply): AppError | null => {
    const bucket = bucketOf(req);
    const busy = maxInFlight > 0 ? (inFlight.get(bucket) ?? 0) : 0;
    if (maxInFlight > 0 && busy >= maxInFlight)
      return new AppError(
        SERVE_ERRORS.RATE_LIMITED,
        `Too many requests in flight: at most ${maxInFlight} at once per key.`,
        { rule: 'concurrency', limit: maxInFlight, retry_after_s: 1 },
      );
    // The first unit (charge(req, 1) without finding the bucket twice).
    if (!budget.tryTake(bucket, 1)) return overBudget(bucket, 1);
    req.studentsCharged = 1;
    if (maxInFlight > 0) {
      inFlight.set(bucket, busy + 1);
      const res = reply.raw as SlotHolder;
      res[SLOT] = bucket;
      res.on('close', release);
    }
    return null;
  };

  const topUp: preHandlerHookHandler = (req, _reply, done) => {
    const refused = charge(req, studentsIn(req.body));
    if (refused === null) done();
    else done(refused);
  };

  const chargeStudents = (req: FastifyRequest, students: number): void => {
    const refused = charge(req, students);
    if (refused !== null) throw refused;
  };

  return { admit, preHandler: topUp, chargeStudents };
}
