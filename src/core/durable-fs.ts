/**
 * Durable files: the one module that writes files so they survive a crash or a power loss.
 *
 * - `writeFileSynced`: write + fsync (the building block; optionally refuses an existing file).
 * - `writeFileDurable`: crash-safe replacement of one file (temp file in the same folder, fsync,
 *   rename, fsync the folder). A reader sees the old content or the new one, never a torn file.
 * - `publishDirectories`: the stage-and-swap publisher. Whole subdirectories are written into a
 *   staging directory and swapped in with one rename each; a killed run is rolled back by the next.
 * - `tempPath` / `tempOwner`: the names of temp entries (`.tmp-<label>-<host>-<pid>-<random>`), so
 *   whoever cleans up can tell whose they are, and never judges another host's entry by its pid.
 *
 * Errors are the filesystem's own (callers turn them into their AppError).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Temp files and staging directories start with this; readers of a folder skip such entries. */
export const TEMP_PREFIX = '.tmp-';

/** A short, stable id of this host (hash of the host name), written into temp names. */
export const HOST_ID = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** A unique temp path inside `dir`, naming this host and process so a cleaner can judge it. */
export function tempPath(dir: string, label: string): string {
  const safeLabel = label.replace(/[^A-Za-z0-9._]/g, '_');
  return path.join(
    dir,
    `${TEMP_PREFIX}${safeLabel}-${HOST_ID}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** Who made a temp entry (from its name), or null when the name is not one of `tempPath`'s. */
export function tempOwner(name: string): { host: string; pid: number; sameHost: boolean } | null {
  const m = /^\.tmp-.*-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$/.exec(name);
  if (!m) return null;
  return { host: m[1]!, pid: Number(m[2]), sameHost: m[1] === HOST_ID };
}

/** Whether a process with this pid runs on this host (EPERM: it runs as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a temp entry is work in progress: true while its process runs on this host; null when it
 * was made on another host (its pid means nothing here: judge it by age, never by pid).
 */
export function tempOwnerAlive(name: string): boolean | null {
  const owner = tempOwner(name);
  if (!owner) return false;
  return owner.sameHost ? pidAlive(owner.pid) : null;
}

/** Writes `data` to `file` and fsyncs it. With `exclusive`, fails (EEXIST) when the file exists. */
export function writeFileSynced(
  file: string,
  data: Uint8Array | string,
  opts: { exclusive?: boolean } = {},
): void {
  const fd = openSync(file, opts.exclusive ? 'wx' : 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Errors meaning "this filesystem cannot fsync a directory" (some network and FUSE filesystems). */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EBADF']);

/**
 * Fsyncs a directory so the renames inside it survive a power loss.
 *
 * Error policy (one for every caller): a filesystem that cannot fsync a directory at all (EINVAL,
 * ENOTSUP, EISDIR, EBADF) is accepted silently: the rename is atomic anyway and there is nothing
 * better to do. Any other error (EIO, EACCES, ENOENT...) is thrown: the durability promise cannot be
 * kept, and the caller reports it like any failed write.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Crash-safe replacement of one file: temp file in the same folder, fsync, rename, fsync the folder.
 * `beforeRename` runs after the temp file is durable and right before the rename (a fencing check
 * or a test's crash point); if it throws, nothing is replaced. Never leaves the temp file behind.
 */
export function writeFileDurable(
  file: string,
  data: Uint8Array | string,
  opts: { beforeRename?: () => void } = {},
): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = tempPath(dir, path.basename(file));
  try {
    writeFileSynced(tmp, data, { exclusive: true });
    opts.beforeRename?.();
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

const PUBLISH_LABEL = 'publish';
const JOURNAL = '.subdirs.json';

/**
 * Moves each staged subdirectory into `root`, keeping the live one aside in `staging`. When a swap
 * fails, every subdirectory already swapped is put back, so the outputs stay those of one run.
 */
function swapIn(root: string, staging: string, subdirs: readonly string[]): void {
  const swapped: string[] = [];
  const restore = (sub: string) => {
    const live = path.join(root, sub);
    const old = path.join(staging, `.old-${sub}`);
    if (existsSync(live)) renameSync(live, path.join(staging, `.new-${sub}`));
    if (existsSync(old)) renameSync(old, live);
  };
  try {
    for (const sub of subdirs) {
      const live = path.join(root, sub);
      if (existsSync(live)) renameSync(live, path.join(staging, `.old-${sub}`));
      swapped.push(sub);
      renameSync(path.join(staging, sub), live);
    }
  } catch (err) {
    for (const sub of swapped.reverse()) {
      try {
        restore(sub);
      } catch {
        // Keep putting the others back; the original error is the one to report.
      }
    }
    throw err;
  }
}

/**
 * Cleans the staging directories of killed publishes in `root` (made on this host by a process that
 * no longer runs; another host's are left alone). A publish killed in the middle of its swaps (a
 * journaled subdirectory still staged) is rolled back: each subdirectory it swapped in is replaced by
 * the previous one, so the outputs are again one run's.
 */
export function recoverInterruptedPublish(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    if (!name.startsWith(`${TEMP_PREFIX}${PUBLISH_LABEL}-`) || tempOwnerAlive(name) !== false) continue;
    const staging = path.join(root, name);
    let subdirs: string[] = [];
    try {
      subdirs = JSON.parse(readFileSync(path.join(staging, JOURNAL), 'utf8')) as string[];
    } catch {
      // No journal: killed while writing, before any swap. Nothing to undo.
    }
    const unfinished = subdirs.some((sub) => existsSync(path.join(staging, sub)));
    if (unfinished) {
      for (const sub of subdirs) {
        const live = path.join(root, sub);
        if (!existsSync(path.join(staging, sub)) && existsSync(live)) {
          renameSync(live, path.join(staging, `.new-${sub}`));
        }
        const old = path.join(staging, `.old-${sub}`);
        if (existsSync(old) && !existsSync(live)) renameSync(old, live);
      }
    }
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The stage-and-swap publisher. `files` maps paths relative to `root` to their content; the first
 * segment of each path is a subdirectory replaced as a unit (`{'artifacts/model_v1.json': ...}`
 * replaces `root/artifacts`). Every file is written and fsynced into a staging directory inside
 * `root` (same filesystem), a journal is written, then each subdirectory is swapped in with one
 * rename. A reader sees every subdirectory complete from the old run or complete from the new one;
 * a failure before the swaps leaves the old outputs untouched, and a failed swap puts back those
 * already swapped. Returns the absolute paths written.
 */
export function publishDirectories(root: string, files: Record<string, Uint8Array | string>): string[] {
  mkdirSync(root, { recursive: true });
  recoverInterruptedPublish(root);
  const staging = tempPath(root, PUBLISH_LABEL);
  try {
    mkdirSync(staging);
    const subdirs = new Set<string>();
    for (const [rel, data] of Object.entries(files)) {
      const parts = rel.split('/');
      if (parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..')) {
        throw new Error(`publishDirectories: ${JSON.stringify(rel)} is not "subdirectory/file"`);
      }
      subdirs.add(parts[0]!);
      const target = path.join(staging, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSynced(target, data);
    }
    for (const sub of subdirs) fsyncDir(path.join(staging, sub));
    // The journal lets the next run undo a swap that a killed process left half done.
    writeFileSynced(path.join(staging, JOURNAL), JSON.stringify([...subdirs]));
    fsyncDir(staging);
    swapIn(root, staging, [...subdirs]);
    fsyncDir(root);
    return Object.keys(files).map((rel) => path.resolve(root, rel));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
