/**
 * The error model shared by every module. Each failure a user can meet has a stable code, an HTTP
 * status, a CLI exit code and a hint that says what to do. Domain catalogues (`src/<module>/errors.ts`)
 * declare their specs with `defineErrors`; `catalogue.ts` gathers them all.
 */

/** Exit codes shared by all commands (documented in docs/errors.md). */
export const EXIT = {
  ok: 0,
  /** Bad arguments, bad input file, bad data. */
  invalidInput: 2,
  /** Conflict with existing state: version exists, compare-and-set lost. */
  conflict: 3,
  /** The thing named does not exist. */
  notFound: 4,
  /** Integrity: a hash mismatch, a tampered or missing file. */
  integrity: 5,
  /** A policy refused the action (guardrails, semver rules). */
  policy: 6,
  /** The environment failed us: disk, permissions, lock timeout, port in use. */
  environment: 7,
  /** A bug: an error nobody planned for. */
  internal: 70,
} as const;

export interface ErrorSpec {
  /** Stable code, `DEF_ERR_*`. Never renamed once released. */
  readonly code: string;
  readonly http: number;
  readonly exit: number;
  /** One line: what went wrong, in general terms. */
  readonly title: string;
  /** One line: what the user should do about it. */
  readonly hint: string;
}

export function defineErrors<const T extends Record<string, Omit<ErrorSpec, 'code'>>>(
  prefix: string,
  specs: T,
): { readonly [K in keyof T]: ErrorSpec } {
  const out: Record<string, ErrorSpec> = {};
  for (const [key, spec] of Object.entries(specs)) {
    out[key] = Object.freeze({ code: `DEF_ERR_${prefix ? `${prefix}_` : ''}${key}`, ...spec });
  }
  return out as { readonly [K in keyof T]: ErrorSpec };
}

/**
 * An expected failure. `message` names the concrete problem (never PII); `details` carries structured
 * facts (field, rule, path...) that the CLI prints with --json and the API returns in the body.
 */
export class AppError extends Error {
  readonly spec: ErrorSpec;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    spec: ErrorSpec,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.spec = spec;
    this.details = details;
  }

  get code(): string {
    return this.spec.code;
  }

  toJSON(): { code: string; message: string; hint: string; details?: Record<string, unknown> } {
    return {
      code: this.spec.code,
      message: this.message,
      hint: this.spec.hint,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
