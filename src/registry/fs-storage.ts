import { createHash } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { crashPoint } from './crash.js';
import { versionExistsError } from './errors.js';
import {
  atomicWriteFile,
  fsyncDir,
  isErrno,
  pidAlive,
  pidOfTempName,
  tempName,
  writeFileSynced,
} from './fsutil.js';
import { isPlainName, LOCK_FILE, TEMP_PREFIX } from './layout.js';
import { type LockOptions, withFileLock } from './lock.js';
import type { FileToWrite, Leftover, LogLine, PointerState, RegistryStorage, StoredFile } from './storage.js';

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

  private lock<T>(fn: () => Promise<T>): Promise<T> {
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

  async listVersionNames(): Promise<string[]> {
    return (await this.entries())
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  }

  async listUnknownEntries(known: readonly string[]): Promise<string[]> {
    return (await this.entries())
      .filter((e) => !e.name.startsWith('.') && !e.isDirectory() && !known.includes(e.name))
      .map((e) => e.name);
  }

  async hasVersion(version: string): Promise<boolean> {
    return (await lstat(path.join(this.root, safe(version))).catch(() => null)) !== null;
  }

  async listFiles(version: string): Promise<StoredFile[] | null> {
    const dir = path.join(this.root, safe(version));
    let list: import('node:fs').Dirent[];
    try {
      list = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      throw err;
    }
    return Promise.all(
      list.map(async (e) => {
        if (!e.isFile()) return { name: `${e.name}/`, size: 0 };
        const st = await stat(path.join(dir, e.name));
        return { name: e.name, size: st.size };
      }),
    );
  }

  async readFile(version: string, name: string): Promise<Buffer | null> {
    try {
      return await readFile(path.join(this.root, safe(version), safe(name)));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) return null;
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
    const staging = tempName(this.root, `stage-${version}`);
    await mkdir(staging);
    let committed = false;
    try {
      for (const f of files) await writeFileSynced(path.join(staging, safe(f.name)), f.data);
      await fsyncDir(staging);
      crashPoint('register:after-stage');
      await this.lock(async () => {
        const target = path.join(this.root, version);
        if ((await lstat(target).catch(() => null)) !== null) throw versionExistsError(version);
        await precommit?.();
        crashPoint('register:before-rename');
        try {
          await rename(staging, target);
        } catch (err) {
          // Linux refuses to rename onto a non-empty directory: someone else committed it first.
          if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) throw versionExistsError(version);
          throw err;
        }
        committed = true;
        crashPoint('register:after-rename');
        await fsyncDir(this.root);
      });
    } finally {
      if (!committed) await rm(staging, { recursive: true, force: true });
    }
  }

  async readPointer(name: string): Promise<PointerState> {
    try {
      const data = await readFile(path.join(this.root, safe(name)));
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
    return this.lock(async () => {
      const current = await this.readPointer(name);
      if (current.tag !== expectedTag) return false;
      crashPoint('promote:after-lock');
      await atomicWriteFile(path.join(this.root, safe(name)), next, () => crashPoint('promote:after-temp'));
      crashPoint('promote:after-rename');
      await this.appendUnlocked(logName, lines);
      return true;
    });
  }

  async appendLog(
    name: string,
    line: LogLine,
    condition?: { pointer: string; tag: string | null },
  ): Promise<boolean> {
    await mkdir(this.root, { recursive: true });
    return this.lock(async () => {
      if (condition && (await this.readPointer(condition.pointer)).tag !== condition.tag) return false;
      return (await this.appendUnlocked(name, [line])) > 0;
    });
  }

  /** Appends the lines not already present (by idempotency key) in one write; returns how many. */
  private async appendUnlocked(name: string, lines: readonly LogLine[]): Promise<number> {
    if (lines.some((l) => l.line.includes('\n'))) throw new Error('a log line must not contain a newline');
    let todo = lines;
    if (lines.some((l) => l.idempotencyKey !== undefined)) {
      const existing = await readFile(path.join(this.root, safe(name)), 'utf8').catch(() => '');
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
      text = await readFile(path.join(this.root, safe(name)), 'utf8');
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
      if (e.name.startsWith(TEMP_PREFIX)) {
        const pid = pidOfTempName(e.name);
        out.push({
          name: e.name,
          kind: e.isDirectory() ? 'staging' : 'temp-file',
          pid,
          ownerAlive: pid !== null && pidAlive(pid),
          ageMs: now - st.mtimeMs,
        });
      } else if (e.name === LOCK_FILE || e.name === `${LOCK_FILE}.break`) {
        const raw = await readFile(full, 'utf8').catch(() => '');
        let pid: number | null = null;
        try {
          pid = (JSON.parse(raw) as { pid?: number }).pid ?? null;
        } catch {}
        out.push({
          name: e.name,
          kind: 'lock',
          pid,
          ownerAlive: pid !== null && pidAlive(pid),
          ageMs: now - st.mtimeMs,
        });
      }
    }
    return out;
  }

  async removeLeftover(leftover: Leftover): Promise<void> {
    const name = leftover.name;
    if (!name.startsWith(TEMP_PREFIX) && name !== LOCK_FILE && name !== `${LOCK_FILE}.break`) {
      throw new Error(`not a leftover: ${name}`);
    }
    await rm(path.join(this.root, name), { recursive: true, force: true });
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
  'listLeftovers',
  'removeLeftover',
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
