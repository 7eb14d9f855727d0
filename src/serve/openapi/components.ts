/**
 * The schemas of the OpenAPI document: the student (from the model's signature, via
 * model/input-schema.ts, plus /predict's optional `id`), a batch, a prediction and its factors, the
 * OIP v2 request, the error, and the one error of a batch with invalid students.
 */
import type { FieldSpec } from '../../core/student.js';
import { studentSchema } from '../../model/input-schema.js';
import { MAX_LISTED_PROBLEMS } from '../batch-problems.js';
import { OIP_OUTPUTS } from '../oip.js';
import { STUDENT_ID_PATTERN } from '../student-id.js';

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

const idSchema = {
  type: 'string',
  pattern: STUDENT_ID_PATTERN,
  nullable: true,
  description:
    'Optional key of your own to match the prediction back to your row (echoed in it; never logged or stored). ' +
    'Use the row number or a pseudonym, never an RA, CPF or name: ids shaped like an RA, a CPF or another number of 9+ digits, ' +
    "a date or PEDE's anonymised name (Aluno-N) are refused, and so is the same id twice in one batch.",
  example: 'linha-1',
};

/** One entry of a refused batch's `details.problems`: never the value sent. */
const batchProblemSchema = {
  type: 'object',
  required: ['student', 'code', 'rule', 'message'],
  properties: {
    student: { type: 'integer', minimum: 1, description: '1-based position of the student in "instances".' },
    code: {
      type: 'string',
      description:
        'The code this problem gets alone (MISSING_FIELD, INVALID_FIELD, PII_FIELD, INVALID_STUDENT_ID …).',
    },
    field: { type: 'string', nullable: true },
    rule: { type: 'string' },
    expected: { type: 'string' },
    message: { type: 'string' },
  },
  additionalProperties: true,
};

const invalidBatchSchema = {
  type: 'object',
  required: ['error'],
  description:
    'A batch is all or nothing: when any student is invalid, nothing is scored and this one 422 lists every problem.',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint', 'details'],
      properties: {
        code: { type: 'string', enum: ['DEF_ERR_API_INVALID_BATCH'] },
        message: { type: 'string' },
        hint: { type: 'string' },
        details: {
          type: 'object',
          properties: {
            rule: { type: 'string', enum: ['invalid_students'] },
            instances: { type: 'integer', description: 'Students in the batch.' },
            invalid_students: { type: 'integer', description: 'Students with at least one problem.' },
            total_problems: { type: 'integer', description: 'Every problem, listed or not.' },
            truncated: {
              type: 'boolean',
              description: `True when more than ${MAX_LISTED_PROBLEMS} problems were found.`,
            },
            problems: { type: 'array', maxItems: MAX_LISTED_PROBLEMS, items: ref('BatchProblem') },
          },
        },
      },
    },
  },
};

/** One explanation factor (src/model/types.ts `Factor`; docs/api.md explains every field). */
const factorSchema = {
  type: 'object',
  properties: {
    feature: { type: 'string', description: 'Derived feature name.' },
    label: { type: 'string', description: 'The feature for this student, in Portuguese.' },
    text: { type: 'string', description: 'The sentence to show: label, direction and approximate effect.' },
    value: { nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] },
    missing: { type: 'boolean', description: 'True when the value is unknown for this student.' },
    contribution: { type: 'number', description: 'Exact additive contribution to the raw score.' },
    contribution_unit: { type: 'string', enum: ['log_odds', 'probability', 'flag'] },
    effect_pp: {
      type: 'number',
      description: 'Approximate effect on the risk, in percentage points (effects do not add up).',
    },
    direction: { type: 'string', enum: ['aumenta', 'reduz'] },
  },
};

const syntheticSchema = {
  type: 'boolean',
  nullable: true,
  description:
    'true when the served model was trained on the synthetic workbook (fake students): its scores say nothing about real students. null when its metadata does not say.',
};

const predictionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The student\'s own "id", when it sent one.', example: 'linha-1' },
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
    synthetic: syntheticSchema,
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

/** The Student schema: the signature's fields plus the optional `id` of /predict. */
function studentWithId(inputs: readonly FieldSpec[]): Record<string, unknown> {
  const schema = studentSchema(inputs) as { properties: Record<string, unknown> };
  return { ...schema, properties: { id: idSchema, ...schema.properties } };
}

/** Examples the served model produced (openapi/examples.ts); absent with no model. */
export interface SchemaExamples {
  student?: Record<string, unknown>;
  batch?: Record<string, unknown>;
  invalidBatch?: Record<string, unknown>;
  /** The signature's example response: what the model answered at training (never a schema placeholder). */
  prediction?: Record<string, unknown>;
}

/** `components.schemas`, with the served model's examples when there is one. */
export function componentSchemas(
  inputs: readonly FieldSpec[],
  examples: SchemaExamples,
  maxInstances: number,
): Record<string, unknown> {
  const example = (value: Record<string, unknown> | undefined) => (value ? { example: value } : {});
  return {
    Student: { ...studentWithId(inputs), ...example(examples.student) },
    Batch: {
      type: 'object',
      additionalProperties: false,
      required: ['instances'],
      properties: {
        instances: { type: 'array', minItems: 1, maxItems: maxInstances, items: ref('Student') },
      },
      ...example(examples.batch),
    },
    Factor: factorSchema,
    Prediction: { ...predictionSchema, ...example(examples.prediction) },
    BatchPrediction: {
      type: 'object',
      properties: {
        model_version: { type: 'string' },
        synthetic: syntheticSchema,
        predictions: { type: 'array', items: ref('Prediction') },
      },
    },
    ...inferSchemas(inputs),
    Error: errorSchema,
    BatchProblem: batchProblemSchema,
    InvalidBatchError: { ...invalidBatchSchema, ...example(examples.invalidBatch) },
  };
}
