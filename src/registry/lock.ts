/**
 * The registry lock: one file, `.lock`, that appears atomically with its holder's identity (written
 * to a temp file, then hard-linked into place) and is refreshed by its holder (a lease).
 *
 * Rules:
 * - A holder on this host is never taken over while its process lives (same pid, same process start
 *   time, same boot), however long it holds the lock: a paused laptop, an NFS hang or SIGSTOP only
 *   make the others wait and then fail with LOCK_TIMEOUT.
 * - A holder on this host whose process is gone (dead pid, pid reused by another process, host
 *   rebooted) is taken over at once.
 * - A holder on another host cannot be asked: it is taken over when it has not refreshed its lease
 *   (the file's mtime) for `leaseMs`. Holders refresh every `leaseMs / 3`. (This compares the file's
 *   mtime with our clock: hosts sharing a registry need synchronised clocks.)
 * - Fencing: the holder checks its token right before each rename or append (`assertHeld`), so a
 *   holder whose lease was taken over stops before it writes (LOCK_LOST) instead of racing the new one.
 * - Nothing is ever deleted after a separate read: a lock is removed by renaming it aside first and
 *   reading what was moved; a lock that turns out not to be the one meant is put back. Breaking a
 *   stale lock happens under a second short lock (`.lock.break`), so two waiters never both break it.
 *
 * Why not flock(2): Node has no binding, the maintained package (fs-ext) is a native addon that needs a
 * compiler in every image, and a future object-store backend cannot flock either.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive, tempPath, writeFileSynced } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { REGISTRY_ERRORS } from './errors.js';

export interface LockOptions {
  /** Give up with LOCK_TIMEOUT after this long. */
  timeoutMs: number;
  /** A holder on another host that has not refreshed the lock for this long is taken over. */
  leaseMs: number;
}

/** What a critical section gets: the fencing check to run right before each rename or append. */
export interface LockHandle {
  /** Throws LOCK_LOST unless this holder still holds the lock. */
  assertHeld(): void;
}

/** The content of a lock file: who holds it. */
export interface LockInfo {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id of the holder's host (null off Linux). */
  boot: string | null;
  /** Start time of the holder process in clock ticks since boot (null off Linux): detects pid reuse. */
  start: string | null;
  token: string;
  created_at: number;
}

/** alive: a running holder on this host; dead: gone; remote: on another host (judged by its lease). */
export type HolderState = 'alive' | 'dead' | 'remote';

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id')?.trim() || null;

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function processStart(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

const OWN_START = processStart(process.pid);

export function parseLockInfo(raw: string): LockInfo | null {
  try {
    const v = JSON.parse(raw) as LockInfo;
    return typeof v.pid === 'number' && typeof v.token === 'string' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Whether the holder described by `info` still runs (only knowable on this host). */
export function holderState(info: LockInfo): HolderState {
  if (info.host !== os.hostname()) return 'remote';
  if (info.boot && BOOT_ID && info.boot !== BOOT_ID) return 'dead';
  if (!pidAlive(info.pid)) return 'dead';
  if (info.start) {
    const now = processStart(info.pid);
    if (now !== null && now !== info.start) return 'dead';
  }
  return 'alive';
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The lock file's content and mtime, or null when there is none. */
function readLock(file: string): { raw: string; mtimeMs: number } | null {
  try {
    const mtimeMs = statSync(file).mtimeMs;
    return { raw: readFileSync(file, 'utf8'), mtimeMs };
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `file` holding `content`, atomically with its content; false when it exists. */
function tryCreate(file: string, content: string): boolean {
  const tmp = tempPath(path.dirname(file), 'lock');
  writeFileSynced(tmp, content, { exclusive: true });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes `file` only if it holds `expected`: renames it aside first (atomic), then reads what was
 * moved. Something else (a lock created meanwhile) is put back where it was. Returns whether
 * `expected` was removed.
 */
function removeIf(file: string, expected: (raw: string) => boolean): boolean {
  const aside = tempPath(path.dirname(file), 'lock-aside');
  try {
    renameSync(file, aside);
  } catch (err) {
    if (errno(err) === 'ENOENT') return false;
    throw err;
  }
  const moved = readFileSync(aside, 'utf8');
  if (!expected(moved)) {
    try {
      linkSync(aside, file);
    } catch (err) {
      // A third process took the free name in between: the displaced holder fails its fencing check.
      if (errno(err) !== 'EEXIST') throw err;
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/** Whether the lock read as `seen` may be taken over now. */
function isStale(seen: { raw: string; mtimeMs: number }, leaseMs: number): boolean {
  const info = parseLockInfo(seen.raw);
  const state = info ? holderState(info) : 'remote';
  if (state === 'dead') return true;
  if (state === 'alive') return false;
  return Date.now() - seen.mtimeMs > leaseMs;
}

/** Who this process is, with a fresh token: the content of a lock it takes (the S3 lease too). */
export function lockIdentity(): LockInfo {
  return {
    pid: process.pid,
    host: os.hostname(),
    boot: BOOT_ID,
    start: OWN_START,
    token: randomBytes(12).toString('hex'),
    created_at: Date.now(),
  };
}

/**
 * Breaks the lock if it still holds `staleRaw`, under the break lock (itself short-lived; a break lock
 * left by a dead breaker is judged by the same rules).
 */
export function breakStale(lockPath: string, staleRaw: string, leaseMs: number): void {
  const breaker = `${lockPath}.break`;
  const me = JSON.stringify(lockIdentity());
  if (!tryCreate(breaker, me)) {
    const seen = readLock(breaker);
    if (seen && isStale(seen, leaseMs)) removeIf(breaker, (raw) => raw === seen.raw);
    return;
  }
  try {
    // Judged again under the break lock: another waiter may have broken it and a new holder taken it.
    const now = readLock(lockPath);
    if (now?.raw === staleRaw) removeIf(lockPath, (raw) => raw === staleRaw);
  } finally {
    removeIf(breaker, (raw) => raw === me);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<LockInfo> {
  const info = lockIdentity();
  const content = JSON.stringify(info);
  const started = Date.now();
  let wait = 2;
  for (;;) {
    if (tryCreate(lockPath, content)) return info;
    const seen = readLock(lockPath);
    if (seen === null) continue; // released between our attempt and the read
    if (isStale(seen, options.leaseMs)) {
      breakStale(lockPath, seen.raw, options.leaseMs);
      continue;
    }
    if (Date.now() - started > options.timeoutMs) {
      const holder = parseLockInfo(seen.raw);
      throw new AppError(
        REGISTRY_ERRORS.LOCK_TIMEOUT,
        `Waited ${options.timeoutMs} ms for the registry lock ${lockPath}; ${holder ? `process ${holder.pid} on ${holder.host}` : 'another command'} holds it.`,
        { lock: lockPath, holder: holder?.pid ?? null, host: holder?.host ?? null },
      );
    }
    // Jittered back-off: many processes wake at different times instead of in lockstep.
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

export function lockLost(lockPath: string): AppError {
  return new AppError(
    REGISTRY_ERRORS.LOCK_LOST,
    `The registry lock ${lockPath} was taken over while this command held it; nothing more was written.`,
    { lock: lockPath },
  );
}

/**
 * Runs `fn` holding the lock at `lockPath`. `fn` gets the fencing check; the lease is refreshed in
 * the background while it runs, and the lock is removed afterwards only if it still is ours.
 */
export async function withFileLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: (lock: LockHandle) => Promise<T>,
): Promise<T> {
  const info = await acquire(lockPath, options);
  const ours = (raw: string) => parseLockInfo(raw)?.token === info.token;
  const handle: LockHandle = {
    assertHeld() {
      const now = readLock(lockPath);
      if (!now || !ours(now.raw)) throw lockLost(lockPath);
    },
  };
  const refresh = setInterval(
    () => {
      try {
        const now = readLock(lockPath);
        if (now && ours(now.raw)) utimesSync(lockPath, new Date(), new Date());
      } catch {
        // A failed refresh shows up as a lost lease at the next fencing check.
      }
    },
    Math.max(10, Math.floor(options.leaseMs / 3)),
  );
  refresh.unref();
  try {
    return await fn(handle);
  } finally {
    clearInterval(refresh);
    const now = readLock(lockPath);
    if (now && ours(now.raw)) removeIf(lockPath, ours);
  }
}
