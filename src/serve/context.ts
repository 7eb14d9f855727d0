/**
 * What every route plugin of the API receives. A plugin is one file in `plugins/` with its test beside
 * it: it adds the routes of one endpoint family to its own encapsulated Fastify context, reads the
 * model through `holder.current` (once per request), protects routes with `access.<role>`, and scores
 * only through `score` (which counts and observes every prediction). Request ids, logging, errors,
 * auth and the rate limit are already in place around it (`http/`). To add one, write the file and
 * append it to ROUTE_PLUGINS in app.ts; its OpenAPI paths go in openapi/paths.ts.
 */
import type { FastifyPluginAsync, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { RegistryContext } from '../registry/index.js';
import type { ModelHolder } from './holder.js';
import type { ServeMetrics } from './metrics.js';
import type { MonitoringService } from './observe.js';
import type { Scorer } from './scoring.js';
import type { ApiRole, ServeSettings } from './settings.js';

export type AppSettings = Pick<
  ServeSettings,
  | 'apiKeys'
  | 'maxInstances'
  | 'bodyLimitBytes'
  | 'rateLimitMax'
  | 'rateLimitWindowMs'
  | 'rateLimitConcurrency'
  | 'authFailureLimit'
  | 'allowedHosts'
  | 'topFactors'
  | 'extraFeaturePolicy'
  | 'scoreUploadLimitBytes'
>;

/**
 * Route options per role: the auth hook (before the body is read), the rate limit's admission and,
 * once the body is parsed, its charge for the students in it (see http/rate-limit.ts).
 */
export type RouteAccess = Readonly<Record<ApiRole, RouteShorthandOptions>>;

// A type, not an interface: Fastify plugin options must be assignable to Record<string, any>.
export type ServeContext = {
  readonly settings: AppSettings;
  readonly holder: ModelHolder;
  readonly metrics: ServeMetrics;
  readonly access: RouteAccess;
  /** True when API keys are configured (the OpenAPI document then lists the security schemes). */
  readonly authOn: boolean;
  /** The one way to score students on the request path (see scoring.ts). */
  readonly score: Scorer;
  /**
   * Makes sure a request has paid its key's rate limit for `students` (a top-up, never twice; throws
   * the 429). The `access` options already charge what `studentsIn` reads from a JSON body; a route
   * whose body it cannot read calls this with the real count after parsing, before scoring.
   */
  readonly chargeStudents: (req: FastifyRequest, students: number) => void;
  /** GET /models: registry versions and champion; null when there is no registry to list. */
  readonly listModels: (() => Promise<unknown>) | null;
  /** The registry the /registry routes read and move (its guardrail settings included); null: none. */
  readonly registry: RegistryContext | null;
  /** GET /monitoring/*: inference monitoring; null when the server runs without it. */
  readonly monitoring: MonitoringService | null;
};

export type ServePlugin = FastifyPluginAsync<ServeContext>;
