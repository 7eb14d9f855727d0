/**
 * The registry over HTTP, for the dashboard's "Modelos" and "Visão geral" pages: the versions with their
 * metrics, one version in detail (its evaluation as training wrote it), the diff of two, the champion's
 * history (all `predict`), and promote / rollback (`admin`). Moves go through the registry library
 * exactly as `defasagem registry promote|rollback` does (integrity, the server's load and warm-up,
 * guardrails, compare-and-set, history), with two API rules on top: a reason is always required, and
 * the history records which key moved the champion. After a move this server follows the champion at
 * once when it serves MODEL_VERSION=champion. Names and free text people wrote (created_by, notes,
 * promoted_by, reasons) are shown to the admin role only; no answer carries a filesystem path.
 */
import type { FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../core/error-base.js';
import {
  championStack,
  checkGuardrails,
  diffVersions,
  type GuardrailCheck,
  type HistoryEntry,
  listVersions,
  type Manifest,
  METADATA_FILE,
  METRICS_FILE,
  type MoveResult,
  parseVersion,
  promoteVersion,
  REGISTRY_ERRORS,
  type RegistryContext,
  readChampion,
  readHistory,
  readManifest,
  readVerifiedFile,
  rollbackVersion,
  showVersion,
} from '../../registry/index.js';
import type { ServePlugin } from '../context.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ModelHolder } from '../holder.js';
import { withoutPaths } from '../http/not-ready.js';
import type {
  HistoryView,
  MoveResponse,
  RegistryOverview,
  ReportChart,
  Serving,
  VersionDetail,
} from './registry-types.js';
import { evaluationView, forRole, reportCharts } from './registry-views.js';

/** The training report holding the charts: the HTML page (current), the Markdown file (older versions). */
const REPORT_FILES = ['model_report.html', 'model_report.md'] as const;
const reportFileOf = (files: Record<string, unknown>) => REPORT_FILES.find((f) => f in files);

/** Details keys that name where the registry lives: never sent to a client. */
const PATH_KEYS = new Set(['registry', 'path', 'directory', 'location']);

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return withoutPaths(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !PATH_KEYS.has(k))
        .map(([k, v]) => [k, scrub(v)]),
    );
  return value;
}

/** A registry error as a client may see it: the same code and status, without the server's paths. */
function publicError(err: unknown): unknown {
  if (!isAppError(err)) return err;
  const details = err.details ? (scrub(err.details) as Record<string, unknown>) : undefined;
  return new AppError(err.spec, withoutPaths(err.message), details, { cause: err });
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw publicError(err);
  }
}

/** What this server serves, and whether it follows the champion (MODEL_VERSION=champion). */
function servingOf(holder: ModelHolder): Serving | null {
  const b = holder.current;
  return b
    ? {
        version: b.version,
        source: b.source,
        requested: b.requested,
        follows_champion: b.requested === 'champion',
      }
    : null;
}

/** The guardrails against the test metrics a manifest summarises (what `list` shows; promote re-checks). */
function summaryGuardrails(
  ctx: RegistryContext,
  test: Record<string, number> | null,
): GuardrailCheck[] | null {
  if (!test) return null;
  const metrics = Object.fromEntries(Object.entries(test).map(([k, value]) => [k, { value }]));
  return checkGuardrails({ test: { metrics } }, ctx.settings);
}

async function overview(
  ctx: RegistryContext,
  holder: ModelHolder,
  req: FastifyRequest,
): Promise<RegistryOverview> {
  let championProblem: string | null = null;
  const champion = await readChampion(ctx).catch((err) => {
    if (!isAppError(err)) throw err;
    championProblem = withoutPaths(err.message);
    return null;
  });
  const [versions, history] = await Promise.all([listVersions(ctx), readHistory(ctx)]);
  const stack = championStack(history);
  if (champion && stack.at(-1) === champion.version) stack.pop();
  return {
    champion: champion
      ? forRole(
          {
            version: champion.version,
            promoted_at: champion.promoted_at,
            promoted_by: champion.promoted_by,
            action: champion.action,
            reason: champion.reason,
            forced: champion.forced,
            previous_champion: champion.previous_champion,
          },
          req.principal,
        )
      : null,
    champion_problem: championProblem,
    rollback_target: stack.at(-1) ?? null,
    serving: servingOf(holder),
    guardrail_minimums: {
      roc_auc: ctx.settings.promoteMinRocAuc,
      precision: ctx.settings.promoteMinPrecision,
      recall: ctx.settings.promoteMinRecall,
    },
    versions: versions.map((v) => ({
      ...forRole(v, req.principal),
      ...(v.problem ? { problem: withoutPaths(v.problem) } : {}),
      guardrails: summaryGuardrails(ctx, v.test_metrics),
    })),
  };
}

/** A JSON file of a version, checked against its manifest; null when absent, unreadable or tampered. */
async function verifiedJson(ctx: RegistryContext, manifest: Manifest, name: string): Promise<unknown> {
  try {
    return JSON.parse((await readVerifiedFile(ctx.storage, manifest, name)).toString('utf8'));
  } catch {
    return null;
  }
}

async function versionDetail(
  ctx: RegistryContext,
  version: string,
  req: FastifyRequest,
): Promise<VersionDetail> {
  const show = await showVersion(ctx, version);
  const m = show.manifest;
  const [metrics, metadata] = await Promise.all([
    verifiedJson(ctx, m, METRICS_FILE),
    verifiedJson(ctx, m, METADATA_FILE),
  ]);
  return {
    version: show.version,
    is_champion: show.is_champion,
    was_champion: show.history.some((e) => e.to === version),
    manifest: forRole(
      {
        created_at: m.created_at,
        created_by: m.created_by,
        notes: m.notes,
        model_format_version: m.model_format_version,
        signature_sha256: m.signature_sha256,
        metrics_summary: m.metrics_summary,
        files: Object.keys(m.files).sort(),
      },
      req.principal,
    ),
    integrity: scrub(show.integrity) as VersionDetail['integrity'],
    signature: show.signature,
    history: show.history.map((e) => forRole(e, req.principal)),
    guardrails: metrics === null ? null : checkGuardrails(metrics, ctx.settings),
    evaluation: metrics === null ? null : evaluationView(metrics, metadata),
    has_report_charts: reportFileOf(m.files) !== undefined,
  };
}

async function chartsOf(
  ctx: RegistryContext,
  version: string,
): Promise<{ version: string; charts: ReportChart[] }> {
  parseVersion(version);
  const manifest = await readManifest(ctx.storage, version);
  if (!manifest)
    throw new AppError(REGISTRY_ERRORS.VERSION_NOT_FOUND, `Version ${version} is not in the registry.`, {
      version,
    });
  const file = reportFileOf(manifest.files);
  if (file === undefined) return { version, charts: [] };
  const bytes = await readVerifiedFile(ctx.storage, manifest, file);
  return { version, charts: reportCharts(bytes.toString('utf8')) };
}

interface MoveBody {
  version?: string;
  reason: string;
  by?: string;
  expect_current?: string;
  force?: boolean;
}

const MOVE_FIELDS: Record<keyof MoveBody, { type: 'string' | 'boolean'; max?: number }> = {
  version: { type: 'string', max: 64 },
  reason: { type: 'string', max: 500 },
  by: { type: 'string', max: 80 },
  expect_current: { type: 'string', max: 64 },
  force: { type: 'boolean' },
};

function badBody(message: string, details: Record<string, unknown>): AppError {
  return new AppError(SERVE_ERRORS.BODY_SHAPE, message, details);
}

/** The body of a move: known fields of the right type, and a reason that is not blank. */
function moveBody(body: unknown, needsVersion: boolean): MoveBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badBody('Send a JSON object such as {"version": "v1.2.0", "reason": "why"}.', { rule: 'object' });
  const b = body as Record<string, unknown>;
  for (const [field, value] of Object.entries(b)) {
    const rule = MOVE_FIELDS[field as keyof MoveBody];
    if (!Object.hasOwn(MOVE_FIELDS, field) || !rule)
      throw badBody(`Unknown field "${field.slice(0, 40)}".`, {
        field: field.slice(0, 40),
        rule: 'unknown_field',
      });
    if (typeof value !== rule.type)
      throw badBody(`"${field}" must be a ${rule.type}.`, { field, rule: 'type', expected: rule.type });
    if (rule.max !== undefined && (value as string).length > rule.max)
      throw badBody(`"${field}" is longer than ${rule.max} characters.`, { field, rule: 'max_length' });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (typeof value === 'string' && /[\u0000-\u001f\u007f]/.test(value.replace(/\n/g, ' ')))
      throw badBody(`"${field}" has control characters.`, { field, rule: 'control_characters' });
  }
  if (needsVersion && typeof b.version !== 'string')
    throw badBody('Name the version to promote: {"version": "v1.2.0", ...}.', {
      field: 'version',
      rule: 'required',
    });
  if (typeof b.reason !== 'string' || b.reason.trim() === '')
    throw new AppError(
      REGISTRY_ERRORS.REASON_REQUIRED,
      'Moving the champion from the API needs a "reason"; it is recorded in the history.',
      { field: 'reason' },
    );
  return b as unknown as MoveBody;
}

/** Who moved the champion, as the history records it: the name typed (if any) and the key used. */
function actorOf(req: FastifyRequest, typed: string | undefined): string {
  const id = req.principal?.id ?? 'anonymous';
  const key = id === 'anonymous' ? 'local dashboard, auth off' : `api key ${id}`;
  const name = typed?.trim();
  return name ? `${name} (${key})` : key;
}

async function afterMove(holder: ModelHolder, result: MoveResult): Promise<MoveResponse> {
  // A server on MODEL_VERSION=champion picks the move up now instead of at its next poll.
  const reload = result.changed ? await holder.check('api') : 'unchanged';
  return { ...result, reload, serving: servingOf(holder) };
}

export const registryRoutes: ServePlugin = async (app, { registry, holder, access }) => {
  if (!registry) return;
  const ctx = registry;

  app.get('/registry', access.predict, (req) => guarded(() => overview(ctx, holder, req)));

  app.get<{ Params: { version: string } }>('/registry/versions/:version', access.predict, (req) =>
    guarded(() => versionDetail(ctx, req.params.version, req)),
  );

  app.get<{ Params: { version: string } }>(
    '/registry/versions/:version/report-charts',
    access.predict,
    (req) => guarded(() => chartsOf(ctx, req.params.version)),
  );

  app.get<{ Querystring: { a?: unknown; b?: unknown } }>('/registry/diff', access.predict, (req) => {
    const { a, b } = req.query;
    if (typeof a !== 'string' || typeof b !== 'string')
      throw new AppError(SERVE_ERRORS.BAD_REQUEST, 'Name two versions: /registry/diff?a=v1.0.0&b=v1.1.0.', {
        rule: 'query',
      });
    return guarded(() => diffVersions(ctx, a, b));
  });

  app.get('/registry/history', access.predict, (req) =>
    guarded(
      async (): Promise<{ entries: HistoryView[] }> => ({
        entries: (await readHistory(ctx)).map((e: HistoryEntry) => forRole(e, req.principal)),
      }),
    ),
  );

  app.post('/registry/promote', access.admin, (req) => {
    const body = moveBody(req.body, true);
    return guarded(async () =>
      afterMove(
        holder,
        await promoteVersion(ctx, {
          version: body.version!,
          reason: body.reason,
          by: actorOf(req, body.by),
          force: body.force === true,
          ...(body.expect_current ? { expectCurrent: body.expect_current } : {}),
        }),
      ),
    );
  });

  app.post('/registry/rollback', access.admin, (req) => {
    const body = moveBody(req.body, false);
    return guarded(async () =>
      afterMove(
        holder,
        await rollbackVersion(ctx, {
          reason: body.reason,
          by: actorOf(req, body.by),
          force: body.force === true,
          ...(body.version ? { version: body.version } : {}),
          ...(body.expect_current ? { expectCurrent: body.expect_current } : {}),
        }),
      ),
    );
  });
};
