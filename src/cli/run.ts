import { type Command, CommanderError } from 'commander';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError, EXIT, isAppError } from '../core/error-base.js';
import { VERSION } from '../core/version.js';

/**
 * The one top-level catch. Commands throw AppError for expected failures; here they become one clear
 * line (or the error object with --json) and the catalogue's exit code. Anything else is a bug: a hint,
 * and a stack only with --verbose.
 */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const wantsJson = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      return report(new AppError(CORE_ERRORS.USAGE, usageMessage(err.message)), wantsJson, verbose);
    }
    return report(err, wantsJson, verbose);
  }
}

/**
 * Commander's text on one line: "error: unknown option '--souce'\n(Did you mean --source?)" becomes
 * "unknown option '--souce' (did you mean --source?)".
 */
function usageMessage(text: string): string {
  return text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*\(Did you mean/g, ' (did you mean')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function report(err: unknown, json: boolean, verbose: boolean): number {
  const appErr = isAppError(err)
    ? err
    : new AppError(CORE_ERRORS.INTERNAL, `Unexpected error: ${(err as Error)?.message ?? String(err)}`);
  if (json) {
    process.stdout.write(`${JSON.stringify({ error: appErr.toJSON() }, null, 2)}\n`);
  } else {
    process.stderr.write(`error ${appErr.code}: ${appErr.message}\n  hint: ${appErr.spec.hint}\n`);
  }
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (!isAppError(err)) process.stderr.write('  (run again with --verbose for the stack trace)\n');
  return appErr.spec.exit;
}
