/**
 * Crash-safe publication of the artifacts folder: every file is written and fsynced into a temporary
 * folder next to the target (same filesystem), then the folder is renamed into place. A failed run
 * leaves the previous artifacts untouched and no half-written folder behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileDurable } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { TRAIN_ERRORS } from './errors.js';

/** Exactly the files `defasagem train` writes. */
export const ARTIFACT_FILES = [
  'model_v1.json',
  'model_metadata_v1.json',
  'model_signature_v1.json',
  'metrics_v1.json',
  'model_comparison.json',
  'model_report.md',
  'baseline_v1.json',
] as const;
export type ArtifactName = (typeof ARTIFACT_FILES)[number];

/**
 * Replaces `dir` with a folder holding exactly `files`. Refuses (ARTIFACTS_DIR_FOREIGN) when `dir`
 * holds anything else than artifacts of a previous run, so a mistyped --artifacts never deletes data.
 */
/**
 * Throws ARTIFACTS_DIR_FOREIGN when `dir` exists and is not a folder of previous artifacts (a file, or
 * a folder with other files). Train calls it before any work, so a mistyped --artifacts fails at once.
 */
export function checkArtifactsTarget(dir: string): void {
  const target = path.resolve(dir);
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) {
    throw new AppError(TRAIN_ERRORS.ARTIFACTS_DIR_FOREIGN, `${target} is a file, not a folder`, {
      path: target,
    });
  }
  const foreign = readdirSync(target).filter((f) => !(ARTIFACT_FILES as readonly string[]).includes(f));
  if (foreign.length > 0) {
    throw new AppError(
      TRAIN_ERRORS.ARTIFACTS_DIR_FOREIGN,
      `${target} holds files that are not training artifacts (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''})`,
      { path: target, foreign },
    );
  }
}

export function publishArtifacts(dir: string, files: Record<ArtifactName, string>): string[] {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  const base = path.basename(target);
  checkArtifactsTarget(target);
  let staging = '';
  let old = '';
  try {
    mkdirSync(parent, { recursive: true });
    staging = mkdtempSync(path.join(parent, `.${base}.tmp-`));
    for (const name of ARTIFACT_FILES) writeFileDurable(path.join(staging, name), files[name]);
    fsyncDir(staging);
    if (existsSync(target)) {
      old = mkdtempSync(path.join(parent, `.${base}.old-`));
      renameSync(target, path.join(old, 'previous'));
    }
    try {
      renameSync(staging, target);
    } catch (err) {
      if (old) renameSync(path.join(old, 'previous'), target);
      throw err;
    }
    staging = '';
    fsyncDir(parent);
    if (old) rmSync(old, { recursive: true, force: true });
    old = '';
  } catch (err) {
    throw new AppError(
      TRAIN_ERRORS.ARTIFACTS_WRITE_FAILED,
      `Could not write the artifacts to ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { path: target },
      { cause: err },
    );
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true });
    // After a failed swap the previous artifacts were moved back; never delete them if that failed too.
    if (old && !existsSync(path.join(old, 'previous'))) rmSync(old, { recursive: true, force: true });
  }
  return ARTIFACT_FILES.map((f) => path.join(target, f));
}
