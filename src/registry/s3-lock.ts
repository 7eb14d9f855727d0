/**
 * The registry lock on S3: one object, `<prefix>.lock`, holding its holder's identity (the same
 * LockInfo as the file lock), refreshed by its holder every `leaseMs / 3` (a lease).
 *
 * Two ways to take it, chosen by what the server implements (probed once, see s3-storage.ts):
 * - **conditional** (AWS S3, MinIO, Ceph): created with `If-None-Match: *`, refreshed and taken over
 *   with `If-Match` on the ETag last seen. Two takers can never both succeed.
 * - **lease** (servers that answer 501 to conditional writes, e.g. Swift's s3api): write our
 *   identity, wait `settleMs`, read it back; we hold it only if it is still ours. Two takers whose
 *   writes land within `settleMs` of each other both read the last one, so exactly one holds it.
 *   This assumes every write lands within `settleMs` of being sent (see docs/scaling.md).
 *
 * Taking over: a holder on this host whose process is gone is taken over at once; any other holder
 * when the lock object has not been rewritten (its Last-Modified, by the server's clock) for
 * `leaseMs`. Fencing: before each write that commits something, the holder reads the lock back
 * (`confirm`) and stops with LOCK_LOST unless it is still its own and its lease has not run out
 * locally; in conditional mode the commit writes are themselves conditional, so a holder that lost
 * its lease cannot overwrite anything even then.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';
import {
  holderState,
  type LockHandle,
  type LockInfo,
  lockIdentity,
  lockLost,
  parseLockInfo,
} from './lock.js';
import type { S3Bucket } from './s3-client.js';

export interface S3LockOptions {
  timeoutMs: number;
  leaseMs: number;
  /** Lease mode: how long a write may take to become visible to every reader. */
  settleMs: number;
  /** Whether the server honours If-None-Match / If-Match on PUT. */
  conditional: boolean;
}

/** The fencing check of the S3 lock: `assertHeld` locally, `confirm` against the server. */
export interface S3LockHandle extends LockHandle {
  confirm(): Promise<void>;
}

interface Seen {
  info: LockInfo | null;
  etag: string;
  lastModified: number;
}

async function readLock(bucket: S3Bucket, key: string): Promise<Seen | null> {
  const o = await bucket.get(key);
  if (!o) return null;
  return { info: parseLockInfo(o.data.toString('utf8')), etag: o.etag, lastModified: o.lastModified };
}

/** Whether a lock seen like this may be taken over now. */
function takeable(seen: Seen, leaseMs: number): boolean {
  const state = seen.info ? holderState(seen.info) : 'remote';
  if (state === 'dead') return true;
  if (state === 'alive') return false;
  return Date.now() - seen.lastModified > leaseMs;
}

/** One attempt at taking the lock; its ETag when it is ours. */
async function tryTake(bucket: S3Bucket, key: string, content: string, token: string, o: S3LockOptions) {
  // Every attempt (re)writes the lock, so the lease of a lock we get runs from the attempt's start.
  if (o.conditional) {
    const created = await bucket.put(key, content, { ifNoneMatch: true });
    if (created !== null) return created;
    const seen = await readLock(bucket, key);
    if (seen === null || !takeable(seen, o.leaseMs)) return { seen };
    return (await bucket.put(key, content, { ifMatch: seen.etag })) ?? { seen };
  }
  const seen = await readLock(bucket, key);
  if (seen !== null && !takeable(seen, o.leaseMs)) return { seen };
  await bucket.put(key, content);
  await sleep(o.settleMs);
  const back = await readLock(bucket, key);
  return back?.info?.token === token ? back.etag : { seen: back };
}

async function acquire(
  bucket: S3Bucket,
  key: string,
  o: S3LockOptions,
): Promise<{ info: LockInfo; etag: string; at: number }> {
  const info = lockIdentity();
  const started = Date.now();
  let wait = 5;
  for (;;) {
    const at = Date.now();
    const r = await tryTake(bucket, key, JSON.stringify(info), info.token, o);
    if (typeof r === 'string') return { info, etag: r, at };
    if (Date.now() - started > o.timeoutMs) {
      const holder = r.seen?.info ?? null;
      throw new AppError(
        REGISTRY_ERRORS.LOCK_TIMEOUT,
        `Waited ${o.timeoutMs} ms for the registry lock ${bucket.location}/${key}; ${holder ? `process ${holder.pid} on ${holder.host}` : 'another command'} holds it.`,
        { lock: key, holder: holder?.pid ?? null, host: holder?.host ?? null },
      );
    }
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 200);
  }
}

/**
 * Runs `fn` holding the lock object `key`: refreshed in the background, removed afterwards if it is
 * still ours (read, then deleted: only a holder whose lease ran out can lose it in between).
 */
export async function withS3Lock<T>(
  bucket: S3Bucket,
  key: string,
  o: S3LockOptions,
  fn: (lock: S3LockHandle) => Promise<T>,
): Promise<T> {
  const held = await acquire(bucket, key, o);
  let etag = held.etag;
  let refreshedAt = held.at;
  let lost = false;
  const where = `${bucket.location}/${key}`;
  const margin = Math.floor(o.leaseMs / 5);
  const handle: S3LockHandle = {
    assertHeld() {
      if (lost || Date.now() - refreshedAt > o.leaseMs - margin) throw lockLost(where);
    },
    async confirm() {
      const now = await readLock(bucket, key);
      if (now?.info?.token !== held.info.token) lost = true;
      handle.assertHeld();
    },
  };
  let inFlight: Promise<void> = Promise.resolve();
  const refresh = async () => {
    const sent = Date.now();
    const content = JSON.stringify({ ...held.info, refreshed_at: sent });
    if (o.conditional) {
      const next = await bucket.put(key, content, { ifMatch: etag });
      if (next === null) lost = true;
      else [etag, refreshedAt] = [next, sent];
      return;
    }
    const now = await readLock(bucket, key);
    if (now?.info?.token !== held.info.token) lost = true;
    else {
      await bucket.put(key, content);
      refreshedAt = sent;
    }
  };
  const timer = setInterval(
    () => {
      // A failed refresh shows up as a lost lease at the next fencing check.
      inFlight = inFlight.then(refresh).catch(() => undefined);
    },
    Math.max(50, Math.floor(o.leaseMs / 3)),
  );
  timer.unref();
  try {
    return await fn(handle);
  } finally {
    clearInterval(timer);
    await inFlight;
    const now = await readLock(bucket, key).catch(() => null);
    if (now?.info?.token === held.info.token) await bucket.delete(key).catch(() => undefined);
  }
}
