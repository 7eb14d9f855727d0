/**
 * Crash-safe publication of ingest outputs. Every file is written and fsynced into a staging directory
 * inside `outDir`; then each output subdirectory (`interim/`, `processed/`) is swapped in with one
 * rename. A reader sees a subdirectory complete from the old run or complete from the new one, never a
 * mix, and a failure before the swap leaves the old outputs untouched.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { fsyncDir, writeFileDurable } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';

/**
 * Crash-safe replacement of one file: a temp file in the same folder, fsync, rename, fsync the folder.
 * Throws the filesystem error (callers turn it into their AppError); never leaves the temp file.
 */
export function writeFileDurably(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileDurable(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/**
 * Moves each staged subdirectory into `outDir`, keeping the live one aside in `staging`. When a swap
 * fails, every subdirectory already swapped is put back, so the outputs stay those of one run (a new
 * `interim/` next to an old `processed/` would describe two different sources).
 */
function swapIn(outDir: string, staging: string, subdirs: readonly string[]): void {
  const swapped: string[] = [];
  const restore = (sub: string) => {
    const live = path.join(outDir, sub);
    const old = path.join(staging, `.old-${sub}`);
    if (existsSync(live)) renameSync(live, path.join(staging, `.new-${sub}`));
    if (existsSync(old)) renameSync(old, live);
  };
  try {
    for (const sub of subdirs) {
      const live = path.join(outDir, sub);
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

const STAGING_PREFIX = '.staging-';
const STAGING_NAME = /^\.staging-(\d+)-/;
const JOURNAL = '.subdirs.json';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans the staging directories of killed runs (their pid is in the name and no longer runs). A run
 * killed in the middle of its swaps (a journaled subdirectory still staged) is rolled back: each
 * subdirectory it swapped in is replaced by the previous one, so the outputs are again one run's.
 */
export function recoverInterruptedPublish(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    const m = STAGING_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const staging = path.join(outDir, name);
    let subdirs: string[] = [];
    try {
      subdirs = JSON.parse(readFileSync(path.join(staging, JOURNAL), 'utf8')) as string[];
    } catch {
      // No journal: killed while writing, before any swap. Nothing to undo.
    }
    const unfinished = subdirs.some((sub) => existsSync(path.join(staging, sub)));
    if (unfinished) {
      for (const sub of subdirs) {
        const live = path.join(outDir, sub);
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
 * Publishes `files` (paths relative to `outDir`, first segment = the subdirectory swapped as a unit).
 * Returns the absolute paths written.
 */
export function publishOutputs(outDir: string, files: Record<string, Uint8Array | string>): string[] {
  let staging = '';
  try {
    mkdirSync(outDir, { recursive: true });
    recoverInterruptedPublish(outDir);
    staging = mkdtempSync(path.join(outDir, `${STAGING_PREFIX}${process.pid}-`));
    const subdirs = new Set<string>();
    for (const [rel, data] of Object.entries(files)) {
      const sub = rel.split('/')[0]!;
      subdirs.add(sub);
      const target = path.join(staging, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileDurable(target, data);
    }
    for (const sub of subdirs) fsyncDir(path.join(staging, sub));
    // The journal lets the next run undo a swap that a killed process left half done.
    writeFileDurable(path.join(staging, JOURNAL), JSON.stringify([...subdirs]));
    swapIn(outDir, staging, [...subdirs]);
    fsyncDir(outDir);
    return Object.keys(files).map((rel) => path.resolve(outDir, rel));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      code === 'EEXIST' || code === 'ENOTDIR'
        ? `Could not write the outputs under ${outDir}: it, or a folder above it, is a file; --out-dir needs a directory.`
        : `Could not write the outputs under ${outDir}: ${(err as Error)?.message ?? err}`,
      { outDir },
      { cause: err },
    );
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
  }
}
