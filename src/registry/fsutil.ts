import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from './layout.js';

/** fsync a directory so a rename inside it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Writes `data` to a new file and fsyncs it; fails if the file exists. */
export async function writeFileSynced(file: string, data: Buffer | string): Promise<void> {
  const fd = await open(file, 'wx');
  try {
    await fd.writeFile(data);
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** A unique temp name inside `dir`, carrying our pid so `gc` can tell whether its owner is alive. */
export function tempName(dir: string, label: string): string {
  return path.join(dir, `${TEMP_PREFIX}${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Crash-safe replacement of a file: temp file in the same folder, fsync, rename, fsync folder. */
export async function atomicWriteFile(
  file: string,
  data: Buffer | string,
  beforeRename?: () => void,
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = tempName(dir, path.basename(file));
  try {
    await writeFileSynced(tmp, data);
    beforeRename?.();
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dir);
}

/** The pid embedded in a temp name by `tempName`, or null. */
export function pidOfTempName(name: string): number | null {
  const m = /-(\d+)-[0-9a-f]{8}$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}
