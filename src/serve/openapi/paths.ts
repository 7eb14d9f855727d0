/**
 * The `paths` of the OpenAPI document, one function per route family (the plugins in ../plugins).
 * A new plugin adds its function here and to `apiPaths`.
 */
import { OIP_MODEL_NAME } from '../oip.js';

/** The security requirement of protected routes: empty when auth is off. */
type Security = Array<Record<string, string[]>>;

const errorResponses = (codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: `Error (${c})`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });

const oneOfRefs = (...refs: string[]) => ({
  'application/json': { schema: { oneOf: refs.map((r) => ({ $ref: `#/components/schemas/${r}` })) } },
});

function healthPaths(): Record<string, unknown> {
  return {
    '/health': {
      get: { summary: 'Liveness: the process answers.', responses: { 200: { description: 'Alive' } } },
    },
    '/ready': {
      get: {
        summary: 'Readiness: a model is loaded (503 with the reason otherwise).',
        responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready; `reason` says why' } },
      },
    },
  };
}

function predictPaths(security: Security): Record<string, unknown> {
  return {
    '/predict': {
      post: {
        summary:
          'Risk for one student, or for {"instances": [...]} (all or nothing), each with its optional "id" echoed.',
        security,
        requestBody: { required: true, content: oneOfRefs('Student', 'Batch') },
        responses: {
          200: {
            description: 'One prediction (single student) or a list (batch).',
            content: oneOfRefs('Prediction', 'BatchPrediction'),
          },
          ...errorResponses([400, 401, 403, 413, 415, 429, 503]),
          422: {
            description:
              'A student is invalid: the single form gets its first problem; a batch is refused whole (nothing scored) ' +
              'with every problem of every student, by 1-based position (DEF_ERR_API_INVALID_BATCH).',
            content: oneOfRefs('Error', 'InvalidBatchError'),
          },
        },
      },
    },
  };
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function scorePaths(security: Security): Record<string, unknown> {
  const query = (name: string, description: string, schema: Record<string, unknown>) => ({
    name,
    in: 'query',
    required: false,
    description,
    schema,
  });
  return {
    '/score': {
      post: {
        summary:
          'Rank a whole cohort: upload a PEDE workbook (.xlsx) or a PEDE<YYYY>.csv; every valid student of the year is scored, ranked and explained (see docs/scoring.md).',
        security,
        parameters: [
          query('year', 'Year to score (default: the latest sheet).', {
            type: 'string',
            pattern: '^20\\d\\d$',
          }),
          query('capacity', 'Flag only the top students: a share (30%), a number (120) or "expected".', {
            type: 'string',
          }),
          query('include_names', "Echo the students' names (personal data); default false.", {
            type: 'string',
            enum: ['true', 'false'],
          }),
          query(
            'format',
            'Answer as JSON (default), the xlsx list or CSV; an Accept header naming xlsx or text/csv does the same.',
            {
              type: 'string',
              enum: ['json', 'xlsx', 'csv'],
            },
          ),
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  file: { type: 'string', format: 'binary', description: 'The workbook or CSV (one file).' },
                },
              },
            },
          },
        },
        responses: {
          200: {
            description:
              'The ranked rows (JSON: rank, ra, turma, fase, risk_score, risk_band, risk_label, within_capacity with a capacity, top_factors with their Portuguese text, missing_data, source_row) with the rejects and the rule used; or the xlsx / CSV file.',
            content: {
              'application/json': { schema: { type: 'object' } },
              [XLSX]: { schema: { type: 'string', format: 'binary' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          ...errorResponses([400, 401, 403, 413, 415, 422, 429, 503]),
        },
      },
    },
  };
}

function modelPaths(security: Security): Record<string, unknown> {
  return {
    '/metadata': {
      get: {
        summary: 'The served model: version, threshold, risk bands, signature, metrics summary.',
        security,
        responses: { 200: { description: 'Metadata' }, ...errorResponses([401, 403, 503]) },
      },
    },
    '/models': {
      get: {
        summary: 'Registered versions and the champion.',
        security,
        responses: { 200: { description: 'Registry listing' } },
      },
    },
  };
}

function adminPaths(security: Security): Record<string, unknown> {
  return {
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (admin role).',
        security,
        responses: { 200: { description: 'text/plain exposition' } },
      },
    },
    '/admin/reload': {
      post: {
        summary: 'Reload the configured model source now (admin role).',
        security,
        responses: { 200: { description: 'Result' } },
      },
    },
  };
}

function oipPaths(security: Security): Record<string, unknown> {
  return {
    '/v2/health/live': {
      get: { summary: 'OIP v2 liveness.', responses: { 200: { description: 'Live' } } },
    },
    '/v2/health/ready': {
      get: {
        summary: 'OIP v2 readiness.',
        responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } },
      },
    },
    [`/v2/models/${OIP_MODEL_NAME}`]: {
      get: { summary: 'OIP v2 model metadata.', security, responses: { 200: { description: 'Metadata' } } },
    },
    [`/v2/models/${OIP_MODEL_NAME}/infer`]: {
      post: {
        summary: 'OIP v2 inference with one named tensor per signature field.',
        security,
        requestBody: { required: true, content: json('InferRequest') },
        responses: { 200: { description: 'Outputs risk_score, risk_label, risk_band' } },
      },
    },
    [`/v2/models/${OIP_MODEL_NAME}/versions/{version}/infer`]: {
      post: {
        summary: 'OIP v2 inference pinned to a version; 404 unless it is the loaded one.',
        security,
        parameters: [{ name: 'version', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: json('InferRequest') },
        responses: { 200: { description: 'Outputs' }, 404: { description: 'Version not loaded' } },
      },
    },
  };
}

const versionParam = { name: 'version', in: 'path', required: true, schema: { type: 'string' } };
const moveBody = (required: string[]) => ({
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        required,
        properties: {
          version: { type: 'string', description: 'vX.Y.Z' },
          reason: { type: 'string', maxLength: 500, description: 'Why; recorded in the history (required).' },
          by: { type: 'string', maxLength: 80, description: 'Who, as typed; the key id is recorded too.' },
          expect_current: {
            type: 'string',
            description: 'Compare-and-set: the champion the caller saw ("none").',
          },
          force: {
            type: 'boolean',
            description: 'Override failing guardrails, as `registry promote --force`.',
          },
        },
      },
    },
  },
});

function registryPaths(security: Security): Record<string, unknown> {
  const read = (summary: string, extra: Record<string, unknown> = {}) => ({
    get: {
      summary,
      security,
      ...extra,
      responses: { 200: { description: 'OK' }, ...errorResponses([400, 401, 403, 404]) },
    },
  });
  const move = (summary: string, required: string[]) => ({
    post: {
      summary,
      security,
      requestBody: moveBody(required),
      responses: {
        200: { description: 'The move, its guardrails and what this server serves now' },
        ...errorResponses([400, 401, 403, 404, 409, 422, 503]),
      },
    },
  });
  return {
    '/registry': read(
      'Registered versions with metrics and guardrails, the champion, what this server serves.',
    ),
    '/registry/versions/{version}': read(
      'One version: integrity, signature, guardrails, its evaluation (metrics.json).',
      {
        parameters: [versionParam],
      },
    ),
    '/registry/versions/{version}/report-charts': read("The training report's charts (SVG) of a version.", {
      parameters: [versionParam],
    }),
    '/registry/diff': read('Metrics and signature diff of two versions, with the semver verdict.', {
      parameters: ['a', 'b'].map((name) => ({
        name,
        in: 'query',
        required: true,
        schema: { type: 'string' },
      })),
    }),
    '/registry/history': read('Every champion move (who and why: admin role only).'),
    '/registry/promote': move(
      'Make a version the champion (admin role; reason required; guardrails as the CLI).',
      ['version', 'reason'],
    ),
    '/registry/rollback': move('Move the champion back (admin role; reason required).', ['reason']),
  };
}

function dashboardPaths(security: Security): Record<string, unknown> {
  return {
    '/': {
      get: {
        summary: 'The dashboard (Portuguese web UI; 503 page when the bundle is not built).',
        responses: { 200: { description: 'HTML' } },
      },
    },
    '/dashboard/config': {
      get: {
        summary:
          'Whether the dashboard must ask for a key, the optional endpoint families that can answer here, and whether monitoring is on.',
        responses: { 200: { description: 'Config' } },
      },
    },
    '/dashboard/session': {
      get: {
        summary: "The role of the caller's key.",
        security,
        responses: { 200: { description: 'Session' }, ...errorResponses([401]) },
      },
    },
  };
}

const daysParam = (fallback: number) => ({
  name: 'last_days',
  in: 'query',
  required: false,
  description: `Window: the last N days up to now (whole days, 1 to MONITOR_RETENTION_DAYS; default ${fallback}).`,
  schema: { type: 'integer', minimum: 1, default: fallback },
});

/** GET /monitoring/*: present when the server runs with monitoring (see docs/monitoring.md). */
function monitoringPaths(security: Security): Record<string, unknown> {
  const errors = errorResponses([400, 401, 403, 409, 429]);
  return {
    '/monitoring/drift': {
      get: {
        summary:
          'Drift of a model version against its training baseline: PSI and missing-rate change per field and for the score, green/yellow/red.',
        security,
        parameters: [
          daysParam(7),
          {
            name: 'model_version',
            in: 'query',
            required: false,
            description: 'Default: the version being served.',
            schema: { type: 'string', example: 'v1.2.0' },
          },
          {
            name: 'format',
            in: 'query',
            required: false,
            description: 'json (default) or html: the self-contained report in Portuguese.',
            schema: { type: 'string', enum: ['json', 'html'] },
          },
        ],
        responses: {
          200: {
            description: 'The drift report (JSON) or the HTML report.',
            content: { 'application/json': { schema: { type: 'object' } }, 'text/html': {} },
          },
          ...errorResponses([400, 401, 403, 404, 409, 429, 503]),
        },
      },
    },
    '/monitoring/slo': {
      get: {
        summary:
          'Service health per endpoint: requests, status classes, error rate, latency p50/p95/p99, dropped monitoring events.',
        security,
        parameters: [daysParam(1)],
        responses: { 200: { description: 'Service health and the event queue counters' }, ...errors },
      },
    },
    '/monitoring/series': {
      get: {
        summary:
          'Hourly series: requests, errors, latency percentiles, students scored and flagged, bands, score histogram.',
        security,
        parameters: [daysParam(7)],
        responses: { 200: { description: 'One point per hour of the window, oldest first' }, ...errors },
      },
    },
    '/monitoring/outcomes': {
      get: {
        summary:
          'The latest outcomes report saved by `defasagem monitor outcomes`: realised recall, precision, PR-AUC and calibration per model version and group, alerts; null before the first.',
        security,
        responses: {
          200: {
            description: 'The outcomes report, or null',
            content: { 'application/json': { schema: { type: 'object', nullable: true } } },
          },
          ...errorResponses([400, 401, 403, 409, 429]),
        },
      },
    },
  };
}

/** Every documented path, by route family. */
export function apiPaths(auth: boolean): Record<string, unknown> {
  const security: Security = auth ? [{ ApiKey: [] }, { Bearer: [] }] : [];
  return {
    ...healthPaths(),
    ...modelPaths(security),
    ...predictPaths(security),
    ...scorePaths(security),
    ...adminPaths(security),
    ...oipPaths(security),
    ...monitoringPaths(security),
    ...registryPaths(security),
    ...dashboardPaths(security),
  };
}
