/**
 * The artifacts folder of a training run: exactly these files, published crash-safely (the core
 * publisher in src/core/durable-fs.ts), never over a folder that holds anything else.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { publishDirectories } from '../core/durable-fs.js';
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
  'model_report.html',
  'baseline_v1.json',
] as const;
export type ArtifactName = (typeof ARTIFACT_FILES)[number];

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

/**
 * Replaces `dir` with a folder holding exactly `files`, with the core stage-and-swap publisher: the
 * new folder is written and fsynced beside it, then swapped in with one rename. A failed run leaves
 * the previous artifacts untouched and no half-written folder behind.
 */
export function publishArtifacts(dir: string, files: Record<ArtifactName, string>): string[] {
  const target = path.resolve(dir);
  checkArtifactsTarget(target);
  const base = path.basename(target);
  try {
    publishDirectories(
      path.dirname(target),
      Object.fromEntries(ARTIFACT_FILES.map((name) => [`${base}/${name}`, files[name]])),
    );
  } catch (err) {
    throw new AppError(
      TRAIN_ERRORS.ARTIFACTS_WRITE_FAILED,
      `Could not write the artifacts to ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { path: target },
      { cause: err },
    );
  }
  return ARTIFACT_FILES.map((f) => path.join(target, f));
}
