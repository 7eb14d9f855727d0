import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';
import { isErrno, pidAlive } from './fsutil.js';

export interface LockOptions {
  /** Give up with LOCK_TIMEOUT after this long. */
  timeoutMs: number;
  /** A lock older than this is stale even if its holder looks alive (pid reuse, another host). */
  staleMs: number;
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  created_at: number;
}

/**
 * An exclusive lock file created with O_EXCL. The holder writes its pid, host and a random token.
 * A lock whose holder is dead (same host) or that is older than `staleMs` is broken, under a short
 * second lock (`.break`) and only if it still holds the very content judged stale, so two waiters can
 * never both break it or break a fresh lock by mistake.
 */
export async function withFileLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const release = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<() => Promise<void>> {
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    token: randomBytes(8).toString('hex'),
    created_at: Date.now(),
  };
  const content = JSON.stringify(info);
  const started = Date.now();
  let wait = 2;
  for (;;) {
    try {
      const fd = await open(lockPath, 'wx');
      try {
        await fd.writeFile(content);
      } finally {
        await fd.close();
      }
      return () => release(lockPath, info.token);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    const raw = await readFile(lockPath, 'utf8').catch(() => null);
    if (raw !== null && (await isStale(lockPath, raw, options.staleMs))) {
      await breakLock(lockPath, raw, options.staleMs);
      continue;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new AppError(
        REGISTRY_ERRORS.LOCK_TIMEOUT,
        `Waited ${options.timeoutMs} ms for the registry lock ${lockPath}; another command holds it.`,
        { lock: lockPath, holder: parseInfo(raw ?? '')?.pid ?? null },
      );
    }
    // Jittered back-off: many processes wake at different times instead of in lockstep.
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

function parseInfo(raw: string): LockInfo | null {
  try {
    const v = JSON.parse(raw) as LockInfo;
    return typeof v.pid === 'number' && typeof v.token === 'string' ? v : null;
  } catch {
    return null;
  }
}

async function isStale(lockPath: string, raw: string, staleMs: number): Promise<boolean> {
  const info = parseInfo(raw);
  if (info) {
    if (info.host === os.hostname() && !pidAlive(info.pid)) return true;
    return Date.now() - info.created_at > staleMs;
  }
  // Empty or torn content: the holder died between create and write, or is writing right now.
  const st = await stat(lockPath).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs > Math.min(staleMs, 2000);
}

async function breakLock(lockPath: string, staleRaw: string, staleMs: number): Promise<void> {
  const breaker = `${lockPath}.break`;
  let fd: Awaited<ReturnType<typeof open>>;
  try {
    fd = await open(breaker, 'wx');
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    // Someone else is breaking it; a breaker left by a crash is removed once it is clearly old.
    const st = await stat(breaker).catch(() => null);
    if (st && Date.now() - st.mtimeMs > Math.min(staleMs, 5000)) await unlink(breaker).catch(() => {});
    await sleep(2 + Math.random() * 5);
    return;
  }
  try {
    await fd.close();
    const now = await readFile(lockPath, 'utf8').catch(() => null);
    if (now === staleRaw) await unlink(lockPath).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const raw = await readFile(lockPath, 'utf8').catch(() => null);
  // Only remove our own lock: if it was broken as stale, the current file belongs to someone else.
  if (raw !== null && parseInfo(raw)?.token === token) await unlink(lockPath).catch(() => {});
}
