/** What every registry command shares: the --registry option, the registry it opens, the version argument. */
import path from 'node:path';
import type { Command } from 'commander';
import { CORE_SETTINGS, loadSettings } from '../../../core/config.js';
import { CORE_ERRORS } from '../../../core/core-errors.js';
import { writeFileDurable } from '../../../core/durable-fs.js';
import { AppError } from '../../../core/error-base.js';
import { openRegistry, REGISTRY_SETTINGS, type RegistryContext } from '../../../registry/index.js';

export interface RegistryOpt {
  registry?: string;
}

export function withRegistry(cmd: Command): Command {
  return cmd.option('--registry <dir>', 'registry directory (default: REGISTRY_DIR or models/registry)');
}

/** The registry directory: --registry, else REGISTRY_DIR, else the default. */
export function registryDir(opts: RegistryOpt): string {
  return opts.registry ?? loadSettings(CORE_SETTINGS).registryDir;
}

/** The registry a command acts on, with the registry settings read from the environment once, here. */
export function registryContext(opts: RegistryOpt): RegistryContext {
  return openRegistry(registryDir(opts), loadSettings(REGISTRY_SETTINGS));
}

/** The version from a positional argument or --version (both given: they must agree). */
export function versionArg(
  positional: string | undefined,
  option: string | undefined,
  required: boolean,
): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new AppError(
      CORE_ERRORS.USAGE,
      `Two different versions given: ${positional} and --version ${option}.`,
    );
  }
  const v = positional ?? option;
  if (required && v === undefined) throw new AppError(CORE_ERRORS.USAGE, 'Name the version, e.g. `v1.2.0`.');
  return v;
}

/** Writes a file the user named (crash-safe); a missing folder or a directory is their error, not a bug. */
export function writeOutFile(file: string, text: string): void {
  try {
    writeFileDurable(path.resolve(file), text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown error';
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      code === 'EISDIR'
        ? `Could not write ${file}: it is a directory; name a file such as ${path.join(file, 'model_changelog.md')}.`
        : code === 'ENOENT'
          ? `Could not write ${file}: the folder ${path.dirname(path.resolve(file))} does not exist.`
          : `Could not write ${file}: ${code}.`,
      { path: file, errno: code },
      { cause: err },
    );
  }
}
