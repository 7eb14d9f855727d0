/**
 * The OpenAPI 3 document, generated from the live model's signature: after a hot swap /docs shows the
 * fields of the model being served. Built once per bundle and cached.
 */
import type { FieldSpec } from '../core/student.js';
import type { ModelBundle } from './bundle.js';
import { OIP_MODEL_NAME, OIP_OUTPUTS } from './oip.js';

function fieldSchema(f: FieldSpec): Record<string, unknown> {
  const s: Record<string, unknown> = { description: f.description };
  if (f.type === 'category') s.type = 'string';
  else s.type = f.type === 'integer' ? 'integer' : 'number';
  if (f.categories) s.enum = [...f.categories];
  if (typeof f.min === 'number') s.minimum = f.min;
  if (typeof f.max === 'number') s.maximum = f.max;
  if (f.nullable) s.nullable = true;
  return s;
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: {
        code: { type: 'string', example: 'DEF_ERR_API_INVALID_FIELD' },
        message: { type: 'string' },
        hint: { type: 'string' },
        details: {
          type: 'object',
          properties: { field: { type: 'string', nullable: true }, rule: { type: 'string' } },
          additionalProperties: true,
        },
      },
    },
  },
};

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

const cache = new WeakMap<ModelBundle, Record<string, unknown>>();

export function openApiFor(
  bundle: ModelBundle | null,
  opts: { maxInstances: number; auth: boolean },
): Record<string, unknown> {
  if (bundle && cache.has(bundle)) return cache.get(bundle)!;
  const inputs = bundle?.signature.inputs ?? [];
  const student = {
    type: 'object',
    additionalProperties: false,
    required: inputs.filter((f) => !f.nullable).map((f) => f.name),
    properties: Object.fromEntries(inputs.map((f) => [f.name, fieldSchema(f)])),
    ...(bundle ? { example: bundle.signature.example_request } : {}),
  };
  const security = opts.auth ? [{ ApiKey: [] }, { Bearer: [] }] : [];
  const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
  const doc: Record<string, unknown> = {
    openapi: '3.0.3',
    info: {
      title: 'defasagem prediction API',
      version: bundle?.version ?? 'no model loaded',
      description:
        'Risk of school lag (defasagem) next year for Passos Mágicos students. Never send names, RA or CPF. ' +
        'Errors: `{ "error": { "code", "message", "hint", "details": { "field", "rule" } } }` (see docs/errors.md).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        Bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Student: student,
        Batch: {
          type: 'object',
          additionalProperties: false,
          required: ['instances'],
          properties: {
            instances: {
              type: 'array',
              minItems: 1,
              maxItems: opts.maxInstances,
              items: { $ref: '#/components/schemas/Student' },
            },
          },
        },
        Factor: {
          type: 'object',
          properties: {
            feature: { type: 'string' },
            label: { type: 'string' },
            value: { nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] },
            contribution: { type: 'number' },
            direction: { type: 'string', enum: ['aumenta', 'reduz'] },
          },
        },
        Prediction: {
          type: 'object',
          properties: {
            risk_score: {
              type: 'number',
              minimum: 0,
              maximum: 1,
              description: 'Calibrated probability of lagging next year.',
            },
            risk_label: {
              type: 'integer',
              enum: [0, 1],
              description: '1 when risk_score ≥ the model threshold.',
            },
            risk_band: {
              type: 'string',
              enum: ['alto', 'medio', 'baixo'],
              description: 'Action band (RISK_BAND_ALTO / RISK_BAND_MEDIO).',
            },
            model_version: { type: 'string' },
            top_factors: { type: 'array', items: { $ref: '#/components/schemas/Factor' } },
          },
        },
        BatchPrediction: {
          type: 'object',
          properties: {
            model_version: { type: 'string' },
            predictions: { type: 'array', items: { $ref: '#/components/schemas/Prediction' } },
          },
        },
        InferTensor: {
          type: 'object',
          required: ['name', 'datatype', 'shape', 'data'],
          properties: {
            name: { type: 'string', enum: inputs.map((f) => f.name) },
            datatype: { type: 'string', example: 'FP64' },
            shape: { type: 'array', items: { type: 'integer' } },
            data: { type: 'array', items: {} },
          },
        },
        InferRequest: {
          type: 'object',
          required: ['inputs'],
          properties: {
            id: { type: 'string' },
            inputs: { type: 'array', items: { $ref: '#/components/schemas/InferTensor' } },
            outputs: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string', enum: OIP_OUTPUTS.map((o) => o.name) } },
              },
            },
          },
        },
        Error: errorSchema,
      },
    },
    paths: {
      '/health': {
        get: { summary: 'Liveness: the process answers.', responses: { 200: { description: 'Alive' } } },
      },
      '/ready': {
        get: {
          summary: 'Readiness: a model is loaded (503 with the reason otherwise).',
          responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready; `reason` says why' } },
        },
      },
      '/metadata': {
        get: {
          summary: 'The served model: version, threshold, risk bands, signature, metrics summary.',
          security,
          responses: { 200: { description: 'Metadata' }, ...errorResponses([401, 403, 503]) },
        },
      },
      '/predict': {
        post: {
          summary: 'Risk for one student, or for {"instances": [...]}.',
          security,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [{ $ref: '#/components/schemas/Student' }, { $ref: '#/components/schemas/Batch' }],
                },
              },
            },
          },
          responses: {
            200: {
              description: 'One prediction (single student) or a list (batch).',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { $ref: '#/components/schemas/Prediction' },
                      { $ref: '#/components/schemas/BatchPrediction' },
                    ],
                  },
                },
              },
            },
            ...errorResponses([400, 401, 403, 413, 415, 422, 429, 503]),
          },
        },
      },
      '/models': {
        get: {
          summary: 'Registered versions and the champion.',
          security,
          responses: { 200: { description: 'Registry listing' } },
        },
      },
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
    },
  };
  if (bundle) cache.set(bundle, doc);
  return doc;
}
