import { createHash } from 'node:crypto';
import { constants, lstatSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import {
  fsyncDir,
  TEMP_PREFIX,
  tempOwner,
  tempOwnerAlive,
  tempPath,
  writeFileDurable,
  writeFileSynced,
} from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { crashPoint } from './crash.js';
import { REGISTRY_ERRORS, versionExistsError } from './errors.js';
import { isPlainName, LOCK_FILE } from './layout.js';
import { lockLeftover, sweepList } from './leftovers.js';
import { type LockHandle, type LockOptions, withFileLock } from './lock.js';
import type {
  FileToWrite,
  Leftover,
  LeftoverSweep,
  LogLine,
  PointerState,
  RegistryStorage,
  StoredFile,
  VersionKind,
} from './storage.js';

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | undefined)?.code === code;

/** Reads a file without following a symbolic link at its last component (ELOOP if it is one). */
async function readNoFollow(file: string): Promise<Buffer> {
  const fd = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fd.readFile();
  } finally {
    await fd.close();
  }
}

function notADirectory(version: string): AppError {
  return new AppError(
    REGISTRY_ERRORS.INTEGRITY_FAILED,
    `${version} is a symbolic link or not a directory: versions must be real directories inside the registry.`,
    { version, problem: 'not_a_directory' },
  );
}

/** Every name joined to the root passes this: callers validate versions, this is defence in depth. */
function safe(name: string): string {
  if (!isPlainName(name)) throw new Error(`unsafe registry entry name ${JSON.stringify(name)}`);
  return name;
}

/**
 * The registry on a local (or network) filesystem:
 * - a version is staged in a temp directory inside the root, fsynced, then renamed into place under
 *   the lock (rename is atomic; the existence check under the lock makes it write-once);
 * - pointers are replaced by temp file + fsync + rename under the lock, after comparing their hash;
 * - logs are JSON lines appended and fsynced under the same lock.
 */
export class LocalFsStorage implements RegistryStorage {
  readonly location: string;

  constructor(
    readonly root: string,
    private readonly lockOptions: LockOptions,
  ) {
    this.location = path.resolve(root);
    // Disk, permission and quota failures become IO_FAILED naming the registry, not a "bug" (exit 70).
    for (const method of IO_METHODS) {
      const original = this[method] as (...args: unknown[]) => Promise<unknown>;
      (this as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        try {
          return await original.apply(this, args);
        } catch (err) {
          throw ioFailure(err, method, this.location);
        }
      };
    }
  }

  private lock<T>(fn: (lock: LockHandle) => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.root, LOCK_FILE), this.lockOptions, fn);
  }

  async exists(): Promise<boolean> {
    const st = await stat(this.root).catch(() => null);
    return st?.isDirectory() ?? false;
  }

  private async entries() {
    try {
      return await readdir(this.root, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
  }

  /** Directories and symbolic links: a link is listed (and then refused), never silently skipped. */
  async listVersionNames(): Promise<string[]> {
    return (await this.entries())
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'))
      .map((e) => e.name);
  }

  async listUnknownEntries(known: readonly string[]): Promise<string[]> {
    return (await this.entries())
      .filter(
        (e) => !e.name.startsWith('.') && !e.isDirectory() && !e.isSymbolicLink() && !known.includes(e.name),
      )
      .map((e) => e.name);
  }

  async hasVersion(version: string): Promise<boolean> {
    return (await this.versionKind(version)) !== null;
  }

  async versionKind(version: string): Promise<VersionKind | null> {
    // Synchronous on purpose: it runs before every read of a version's file, and one lstat of a
    // directory entry costs microseconds, far less than a trip through libuv's thread pool.
    const st = lstatSync(path.join(this.root, safe(version)), { throwIfNoEntry: false });
    return st === undefined ? null : st.isDirectory() ? 'directory' : 'not-a-directory';
  }

  /** The version's directory, refused unless it is a real directory (never a link out of the root). */
  private async versionDir(version: string): Promise<string | null> {
    const kind = await this.versionKind(version);
    if (kind === null) return null;
    if (kind !== 'directory') throw notADirectory(version);
    return path.join(this.root, version);
  }

  async listFiles(version: string): Promise<StoredFile[] | null> {
    const dir = await this.versionDir(version);
    if (dir === null) return null;
    const list = await readdir(dir, { withFileTypes: true });
    return Promise.all(
      list.map(async (e) => {
        if (!e.isFile()) return { name: e.name, size: 0, regular: false };
        const st = await lstat(path.join(dir, e.name));
        return { name: e.name, size: st.size, regular: st.isFile() };
      }),
    );
  }

  async readFile(version: string, name: string): Promise<Buffer | null> {
    const dir = await this.versionDir(version);
    if (dir === null) return null;
    try {
      return await readNoFollow(path.join(dir, safe(name)));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) return null;
      if (isErrno(err, 'ELOOP')) {
        throw new AppError(
          REGISTRY_ERRORS.INTEGRITY_FAILED,
          `${name} of ${version} is a symbolic link: registered files must be real files.`,
          { version, file: name, problem: 'not_a_file' },
        );
      }
      throw err;
    }
  }

  localPath(version: string, name: string): string {
    return path.join(this.location, safe(version), safe(name));
  }

  async writeVersion(
    version: string,
    files: readonly FileToWrite[],
    precommit?: () => Promise<void>,
  ): Promise<void> {
    safe(version);
    await mkdir(this.root, { recursive: true });
    // Stage inside the root so the final rename never crosses a filesystem.
    const staging = tempPath(this.root, `stage-${version}`);
    await mkdir(staging);
    let committed = false;
    try {
      for (const f of files) writeFileSynced(path.join(staging, safe(f.name)), f.data, { exclusive: true });
      fsyncDir(staging);
      crashPoint('register:after-stage');
      await this.lock(async (lock) => {
        const target = path.join(this.root, version);
        if ((await lstat(target).catch(() => null)) !== null) throw versionExistsError(version);
        await precommit?.();
        crashPoint('register:before-rename');
        lock.assertHeld();
        try {
          await rename(staging, target);
        } catch (err) {
          // Linux refuses to rename onto a non-empty directory: someone else committed it first.
          if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) throw versionExistsError(version);
          throw err;
        }
        committed = true;
        crashPoint('register:after-rename');
        fsyncDir(this.root);
      });
    } finally {
      if (!committed) await rm(staging, { recursive: true, force: true });
    }
  }

  async readPointer(name: string): Promise<PointerState> {
    try {
      const data = await readNoFollow(path.join(this.root, safe(name)));
      return { data, tag: tagOf(data) };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { data: null, tag: null };
      throw err;
    }
  }

  async casPointer(
    name: string,
    expectedTag: string | null,
    next: Buffer,
    logName: string,
    lines: readonly LogLine[],
  ): Promise<boolean> {
    await mkdir(this.root, { recursive: true });
    return this.lock(async (lock) => {
      const current = await this.readPointer(name);
      if (current.tag !== expectedTag) return false;
      crashPoint('promote:after-lock');
      writeFileDurable(path.join(this.root, safe(name)), next, {
        beforeRename: () => {
          crashPoint('promote:after-temp');
          lock.assertHeld();
        },
      });
      crashPoint('promote:after-rename');
      await this.appendUnlocked(logName, lines, lock);
      return true;
    });
  }

  async appendLog(
    name: string,
    line: LogLine,
    condition?: { pointer: string; tag: string | null },
  ): Promise<boolean> {
    await mkdir(this.root, { recursive: true });
    return this.lock(async (lock) => {
      if (condition && (await this.readPointer(condition.pointer)).tag !== condition.tag) return false;
      return (await this.appendUnlocked(name, [line], lock)) > 0;
    });
  }

  /** Appends the lines not already present (by idempotency key) in one write; returns how many. */
  private async appendUnlocked(name: string, lines: readonly LogLine[], lock: LockHandle): Promise<number> {
    if (lines.some((l) => l.line.includes('\n'))) throw new Error('a log line must not contain a newline');
    let todo = lines;
    if (lines.some((l) => l.idempotencyKey !== undefined)) {
      const existing = (await readNoFollow(path.join(this.root, safe(name))).catch(() => '')).toString();
      todo = lines.filter((l) => l.idempotencyKey === undefined || !existing.includes(l.idempotencyKey));
    }
    if (todo.length === 0) return 0;
    const text = todo.map((l) => l.line).join('\n');
    const fd = await open(path.join(this.root, safe(name)), 'a+');
    try {
      const { size } = await fd.stat();
      let prefix = '';
      if (size > 0) {
        // A crash mid-append leaves a torn last line: start ours on a fresh line.
        const last = Buffer.alloc(1);
        await fd.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) prefix = '\n';
      }
      lock.assertHeld();
      await fd.write(`${prefix}${text}\n`);
      await fd.sync();
    } finally {
      await fd.close();
    }
    return todo.length;
  }

  async readLog(name: string): Promise<string[]> {
    let text: string;
    try {
      text = (await readNoFollow(path.join(this.root, safe(name)))).toString('utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const parts = text.split('\n');
    parts.pop(); // after the last '\n': empty, or a torn line being written or left by a crash
    return parts.filter((l) => l.trim() !== '');
  }

  async listLeftovers(): Promise<Leftover[]> {
    const out: Leftover[] = [];
    const now = Date.now();
    for (const e of await this.entries()) {
      const full = path.join(this.root, e.name);
      const st = await lstat(full).catch(() => null);
      if (!st) continue;
      const ageMs = now - st.mtimeMs;
      if (e.name.startsWith(TEMP_PREFIX)) {
        const owner = tempOwner(e.name);
        out.push({
          name: e.name,
          kind: e.isDirectory() ? 'staging' : 'temp-file',
          pid: owner?.pid ?? null,
          host: owner ? (owner.sameHost ? 'this' : 'other') : 'unknown',
          ownerAlive: tempOwnerAlive(e.name),
          ageMs,
        });
      } else if (e.name === LOCK_FILE || e.name === `${LOCK_FILE}.break`) {
        out.push(lockLeftover(e.name, (await readNoFollow(full).catch(() => '')).toString(), ageMs));
      }
    }
    return out;
  }

  async sweepLeftovers(
    select: (leftover: Leftover) => boolean,
    opts: { dryRun?: boolean } = {},
  ): Promise<LeftoverSweep> {
    if (!(await this.exists())) return { removed: [], kept: [] };
    const sweep = async (lock: LockHandle | null): Promise<LeftoverSweep> =>
      sweepList(
        await this.listLeftovers(),
        select,
        lock &&
          (async (l) => {
            lock.assertHeld();
            await rm(path.join(this.root, l.name), { recursive: true, force: true });
          }),
      );
    return opts.dryRun ? sweep(null) : this.lock(sweep);
  }
}

const IO_METHODS = [
  'exists',
  'listVersionNames',
  'listUnknownEntries',
  'listFiles',
  'hasVersion',
  'readFile',
  'writeVersion',
  'readPointer',
  'casPointer',
  'appendLog',
  'readLog',
  'versionKind',
  'listLeftovers',
  'sweepLeftovers',
] as const;

const IO_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOTDIR',
  'EISDIR',
  'ELOOP',
]);

function ioFailure(err: unknown, action: string, location: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof AppError || !code || !IO_CODES.has(code)) return err;
  return new AppError(
    CORE_ERRORS.IO_FAILED,
    `Registry ${location}: ${action} failed with ${code} (${(err as Error).message}).`,
    { registry: location, errno: code },
    { cause: err },
  );
}

export function tagOf(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
