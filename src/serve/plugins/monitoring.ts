/**
 * Inference monitoring over HTTP (the `predict` role: every answer is aggregated, no student's row or
 * RA is ever read here):
 * - GET /monitoring/drift?last_days=7[&model_version=vX.Y.Z][&format=html]: the drift report of a model
 *   version (default: the one served) against its training baseline, as JSON or as the self-contained
 *   HTML report in Portuguese;
 * - GET /monitoring/slo?last_days=1: latency p50/p95/p99, error rate and dropped events per endpoint;
 * - GET /monitoring/series?last_days=7: hourly traffic, latency, flagged share, bands and the score
 *   histogram, for charts over time;
 * - GET /monitoring/outcomes: the latest outcomes report (`defasagem monitor outcomes` saves it beside
 *   the events: metrics per model version and group, never a student), or null before the first.
 * The JSON answers are the monitor library's own report types (DriftReport, ServiceHealth,
 * OutcomeReport), which the dashboard's Monitoramento page reads as they are.
 * Every answered request is counted for the SLO by the app's response hook (http/request-hooks.ts).
 * Registered only when the server runs with monitoring (MONITOR_PRIVACY_MODE=off answers DEF_ERR_MONITOR_MONITORING_OFF).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/error-base.js';
import { MONITOR_ERRORS, renderDriftHtml } from '../../monitor/index.js';
import type { ServePlugin } from '../context.js';
import { notReady } from '../http/not-ready.js';

const badQuery = (name: string, rule: string) =>
  new AppError(MONITOR_ERRORS.QUERY_INVALID, `The parameter "${name}" is not valid: ${rule}.`, {
    field: name,
    rule,
  });

/** The query as strings, refusing unknown or repeated parameters. */
function strictQuery(req: FastifyRequest, known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
    if (!known.includes(k)) throw badQuery(k, `unknown parameter (known: ${known.join(', ')})`);
    if (typeof v !== 'string') throw badQuery(k, 'given more than once');
    out[k] = v;
  }
  return out;
}

function daysOf(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return Math.min(fallback, max);
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new AppError(
      MONITOR_ERRORS.WINDOW_INVALID,
      `last_days must be a whole number of days from 1 to ${max} (the retention period).`,
      { field: 'last_days', max_days: max },
    );
  return Number(raw);
}

const VERSION = /^(v\d+\.\d+\.\d+|dev-[0-9a-f]{12})$/;

/** CSP of the HTML report: inline CSS and SVG only, nothing loaded, nothing run. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

export const monitoringRoutes: ServePlugin = async (app, { access, holder, monitoring }) => {
  if (!monitoring) return;
  const m = monitoring;

  app.get('/monitoring/drift', access.predict, async (req: FastifyRequest, reply: FastifyReply) => {
    const q = strictQuery(req, ['last_days', 'model_version', 'format']);
    const days = daysOf(q.last_days, 7, m.maxDays);
    if (q.format !== undefined && q.format !== 'json' && q.format !== 'html')
      throw badQuery('format', 'json or html');
    if (q.model_version !== undefined && !VERSION.test(q.model_version))
      throw badQuery('model_version', 'a version like v1.2.0 (or the dev-… name of development files)');
    const version = q.model_version ?? holder.current?.version;
    if (!version) throw notReady(holder);
    const report = await m.drift({ modelVersion: version, lastDays: days });
    if (q.format === 'html') {
      reply.header('content-security-policy', REPORT_CSP);
      return reply.type('text/html; charset=utf-8').send(renderDriftHtml(report));
    }
    return report;
  });

  app.get('/monitoring/slo', access.predict, async (req) => {
    const q = strictQuery(req, ['last_days']);
    return m.slo(daysOf(q.last_days, 1, m.maxDays));
  });

  app.get('/monitoring/series', access.predict, async (req) => {
    const q = strictQuery(req, ['last_days']);
    return m.series(daysOf(q.last_days, 7, m.maxDays));
  });

  app.get('/monitoring/outcomes', access.predict, async (req, reply) => {
    strictQuery(req, []);
    // null (not 404) before the first report: the page shows "not known yet", not an error.
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(await m.outcomes()));
  });
};
