/**
 * A per-request logger that creates the pino child (with the request id binding) only when a line is
 * actually written. Fastify makes a child logger for every request; with redaction configured, pino
 * runs the redaction over the bindings of each child, a measurable cost on the hot path for requests
 * that, at the default level, never log anything (only rejected or failed requests do).
 */
import type { FastifyBaseLogger } from 'fastify';

type Args = Parameters<FastifyBaseLogger['info']>;
type Bindings = Record<string, unknown>;

export class LazyRequestLogger {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: Record<string, unknown>,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  private logger(): FastifyBaseLogger {
    if (this.real === null) this.real = this.parent.child(this.bindings, this.options);
    return this.real;
  }

  isLevelEnabled(level: string): boolean {
    return (this.parent as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level);
  }

  info(...a: Args): void {
    this.logger().info(...a);
  }
  error(...a: Args): void {
    this.logger().error(...a);
  }
  warn(...a: Args): void {
    this.logger().warn(...a);
  }
  debug(...a: Args): void {
    if (this.isLevelEnabled('debug')) this.logger().debug(...a);
  }
  trace(...a: Args): void {
    if (this.isLevelEnabled('trace')) this.logger().trace(...a);
  }
  fatal(...a: Args): void {
    this.logger().fatal(...a);
  }
  silent(): void {}
  child(bindings: Bindings, options?: Record<string, unknown>): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }
}

/**
 * The logger to give fastify (`loggerInstance`): `logger` itself for everything, except that the root
 * fastify derives from it (`child({}, opts)`, once) makes its per-request children lazy. Done through
 * the root's own `child` rather than fastify's `childLoggerFactory` option because fastify checks
 * every child a custom factory returns (seven method lookups and an array, per request) and trusts
 * its default factory, which calls `child`. Both levels inherit everything else from the pino
 * loggers they stand for (prototype), so the app's logger is a pino logger in every other respect.
 */
export function lazyRequestLoggers(logger: FastifyBaseLogger): FastifyBaseLogger {
  const outer = Object.create(logger) as FastifyBaseLogger;
  outer.child = (bindings: Bindings, options?: Record<string, unknown>) => {
    const root = logger.child(bindings, options) as FastifyBaseLogger;
    const app = Object.create(root) as FastifyBaseLogger;
    app.child = ((b: Bindings, o?: Record<string, unknown>) =>
      new LazyRequestLogger(root, b, o ?? {})) as unknown as FastifyBaseLogger['child'];
    return app;
  };
  return outer;
}
