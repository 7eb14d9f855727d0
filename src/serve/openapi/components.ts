/**
 * The schemas of the OpenAPI document: the student (from the model's signature, via
 * model/input-schema.ts), a batch, a prediction and its factors, the OIP v2 request, and the error.
 */
import type { FieldSpec } from '../../core/student.js';
import { studentSchema } from '../../model/input-schema.js';
import { OIP_OUTPUTS } from '../oip.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

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

const factorSchema = {
  type: 'object',
  properties: {
    feature: { type: 'string' },
    label: { type: 'string' },
    value: { nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] },
    contribution: { type: 'number' },
    direction: { type: 'string', enum: ['aumenta', 'reduz'] },
  },
};

const predictionSchema = {
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
    top_factors: { type: 'array', items: ref('Factor') },
  },
};

function inferSchemas(inputs: readonly FieldSpec[]): Record<string, unknown> {
  return {
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
        inputs: { type: 'array', items: ref('InferTensor') },
        outputs: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string', enum: OIP_OUTPUTS.map((o) => o.name) } },
          },
        },
      },
    },
  };
}

/** `components.schemas`: `example` is the signature's example request (absent with no model). */
export function componentSchemas(
  inputs: readonly FieldSpec[],
  example: Record<string, unknown> | undefined,
  maxInstances: number,
): Record<string, unknown> {
  return {
    Student: { ...studentSchema(inputs), ...(example ? { example } : {}) },
    Batch: {
      type: 'object',
      additionalProperties: false,
      required: ['instances'],
      properties: {
        instances: { type: 'array', minItems: 1, maxItems: maxInstances, items: ref('Student') },
      },
    },
    Factor: factorSchema,
    Prediction: predictionSchema,
    BatchPrediction: {
      type: 'object',
      properties: {
        model_version: { type: 'string' },
        predictions: { type: 'array', items: ref('Prediction') },
      },
    },
    ...inferSchemas(inputs),
    Error: errorSchema,
  };
}
