import { defineErrors, EXIT } from './error-base.js';

/** Errors that belong to no single module: usage, configuration, I/O, bugs. */
export const CORE_ERRORS = defineErrors('', {
  USAGE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Invalid command-line usage',
    hint: 'Run the command with --help to see its arguments.',
  },
  CONFIG_INVALID: {
    http: 500,
    exit: EXIT.invalidInput,
    title: 'Invalid configuration',
    hint: 'Fix the listed settings (environment variables or config file); `defasagem config` shows every setting.',
  },
  FILE_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'A file or directory does not exist',
    hint: 'Check the path; relative paths are resolved from the current directory.',
  },
  IO_FAILED: {
    http: 500,
    exit: EXIT.environment,
    title: 'Reading or writing a file failed',
    hint: 'Check permissions and free disk space, then run the command again; nothing was left half-written.',
  },
  INTERNAL: {
    http: 500,
    exit: EXIT.internal,
    title: 'Unexpected internal error',
    hint: 'This is a bug. Run again with --verbose and report the output.',
  },
});
