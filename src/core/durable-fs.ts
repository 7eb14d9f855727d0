import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Writes `data` to `file` and fsyncs it before returning (the building block of crash-safe writes). */
export function writeFileDurable(file: string, data: Uint8Array | string): void {
  const fd = openSync(file, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fsyncs a directory so that renames inside it survive a crash. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
