/**
 * Crash-safe publication of ingest outputs. Every file is written and fsynced into a staging directory
 * inside `outDir`; then each output subdirectory (`interim/`, `processed/`) is swapped in with one
 * rename. A reader sees a subdirectory complete from the old run or complete from the new one, never a
 * mix, and a failure before the swap leaves the old outputs untouched.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';

function writeDurable(file: string, data: Uint8Array | string): void {
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

function fsyncDir(dir: string): void {
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

/**
 * Publishes `files` (paths relative to `outDir`, first segment = the subdirectory swapped as a unit).
 * Returns the absolute paths written.
 */
export function publishOutputs(outDir: string, files: Record<string, Uint8Array | string>): string[] {
  let staging = '';
  try {
    mkdirSync(outDir, { recursive: true });
    staging = mkdtempSync(path.join(outDir, '.staging-'));
    const subdirs = new Set<string>();
    for (const [rel, data] of Object.entries(files)) {
      const sub = rel.split('/')[0]!;
      subdirs.add(sub);
      const target = path.join(staging, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeDurable(target, data);
    }
    for (const sub of subdirs) fsyncDir(path.join(staging, sub));
    for (const sub of subdirs) {
      const live = path.join(outDir, sub);
      const old = path.join(staging, `.old-${sub}`);
      if (existsSync(live)) renameSync(live, old);
      try {
        renameSync(path.join(staging, sub), live);
      } catch (err) {
        if (existsSync(old)) renameSync(old, live);
        throw err;
      }
    }
    fsyncDir(outDir);
    return Object.keys(files).map((rel) => path.resolve(outDir, rel));
  } catch (err) {
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      `Could not write the outputs under ${outDir}: ${(err as Error)?.message ?? err}`,
      { outDir },
      { cause: err },
    );
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}
