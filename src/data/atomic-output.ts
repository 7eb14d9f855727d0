/**
 * Crash-safe publication of ingest outputs with the core publisher (src/core/durable-fs.ts): each
 * output subdirectory (`interim/`, `processed/`) is staged, then swapped in with one rename. A reader
 * sees a subdirectory complete from the old run or complete from the new one, never a mix, and a
 * failure before the swap leaves the old outputs untouched.
 */
import { CORE_ERRORS } from '../core/core-errors.js';
import { publishDirectories } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';

/**
 * Publishes `files` (paths relative to `outDir`, first segment = the subdirectory swapped as a unit).
 * Returns the absolute paths written.
 */
export function publishOutputs(outDir: string, files: Record<string, Uint8Array | string>): string[] {
  try {
    return publishDirectories(outDir, files);
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
  }
}
