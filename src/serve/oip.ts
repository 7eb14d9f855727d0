/**
 * Open Inference Protocol v2 (KServe V2 / Triton HTTP) subset: model metadata and infer with named
 * tensors. One input tensor per signature field, shape [n] (or [n, 1]), numbers as FP/INT datatypes,
 * categories as BYTES; `null` in `data` marks a missing value for nullable fields (a JSON extension:
 * the protocol itself has no missing values). Outputs: risk_score (FP64), risk_label (INT32) and
 * risk_band (BYTES), each of shape [n].
 */
import { AppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import type { ModelBundle } from './bundle.js';
import { SERVE_ERRORS } from './errors.js';
import {
  type CompiledField,
  checkAcrossFields,
  emptyRecord,
  extraKeyError,
  fieldError,
  isPiiKey,
} from './validation.js';

export const OIP_MODEL_NAME = 'defasagem';

const NUMERIC_TYPES = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

export const OIP_OUTPUTS = [
  { name: 'risk_score', datatype: 'FP64', shape: [-1] },
  { name: 'risk_label', datatype: 'INT32', shape: [-1] },
  { name: 'risk_band', datatype: 'BYTES', shape: [-1] },
] as const;

type OutputName = (typeof OIP_OUTPUTS)[number]['name'];

function tensorError(message: string, details: Record<string, unknown>): AppError {
  return new AppError(SERVE_ERRORS.INVALID_TENSOR, message, details);
}

function datatypeFor(type: string): string {
  return type === 'category' ? 'BYTES' : type === 'integer' ? 'INT64' : 'FP64';
}

export function modelMetadata(b: ModelBundle): Record<string, unknown> {
  return {
    name: OIP_MODEL_NAME,
    versions: [b.version],
    platform: `defasagem-${b.model.learner}`,
    inputs: b.signature.inputs.map((f) => ({ name: f.name, datatype: datatypeFor(f.type), shape: [-1] })),
    outputs: OIP_OUTPUTS,
  };
}

export interface InferRequest {
  records: StudentRecord[];
  id: string | null;
  outputs: OutputName[];
}

const TOP_KEYS = new Set(['id', 'parameters', 'inputs', 'outputs']);
const TENSOR_KEYS = new Set(['name', 'datatype', 'shape', 'data', 'parameters']);

/** The request object with only known keys, a valid id and a non-empty list of inputs. */
function checkEnvelope(body: unknown): { req: Record<string, unknown>; id: string | null } {
  if (body === undefined || body === '')
    throw new AppError(SERVE_ERRORS.EMPTY_BODY, 'The request has no body; send an inference request.', {
      rule: 'body',
    });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw tensorError('The body must be a JSON object with "inputs".', { rule: 'object' });
  const req = body as Record<string, unknown>;
  for (const key in req) {
    if (!TOP_KEYS.has(key))
      throw tensorError('Unknown top-level key in the inference request.', { rule: 'key' });
  }
  const id = req.id === undefined ? null : req.id;
  if (id !== null && (typeof id !== 'string' || id.length > 128))
    throw tensorError('"id" must be a string of at most 128 characters.', { field: 'id', rule: 'type' });
  if (!Array.isArray(req.inputs) || req.inputs.length === 0)
    throw tensorError('"inputs" must be a non-empty array of tensors.', {
      field: 'inputs',
      rule: 'non_empty_array',
    });
  return { req, id: id as string | null };
}

/** The row count of a tensor of `name` from its shape ([n] or [n, 1], n ≥ 1, at most maxInstances). */
function rowsOf(name: string, shape: unknown, maxInstances: number): number {
  if (
    !Array.isArray(shape) ||
    !(shape.length === 1 || (shape.length === 2 && shape[1] === 1)) ||
    !Number.isInteger(shape[0]) ||
    (shape[0] as number) < 1
  )
    throw tensorError(`Input "${name}" must have shape [n] or [n, 1] with n ≥ 1.`, {
      field: name,
      rule: 'shape',
    });
  const rows = shape[0] as number;
  if (rows > maxInstances)
    throw new AppError(
      SERVE_ERRORS.TOO_MANY_INSTANCES,
      `The tensors hold ${rows} students; at most ${maxInstances} are accepted per request.`,
      { field: name, rule: 'max_items', limit: maxInstances, count: rows },
    );
  return rows;
}

/** An input tensor as an object with known keys and a name. */
function asTensor(t: unknown): Record<string, unknown> & { name: string } {
  if (typeof t !== 'object' || t === null || Array.isArray(t))
    throw tensorError('Each input must be a tensor object.', { field: 'inputs', rule: 'object' });
  const tensor = t as Record<string, unknown>;
  for (const key in tensor) {
    if (!TENSOR_KEYS.has(key)) throw tensorError('Unknown key in an input tensor.', { rule: 'key' });
  }
  if (typeof tensor.name !== 'string') throw tensorError('Each input needs a "name".', { rule: 'name' });
  return tensor as Record<string, unknown> & { name: string };
}

/** The signature field a tensor feeds; null when it names none and the policy drops it. */
function fieldOf(b: ModelBundle, name: string): CompiledField | null {
  const field = b.input.byName.get(name);
  if (field) return field;
  // Same policy as /predict: personal data always refused, other unknown inputs per the setting.
  const pii = isPiiKey(name);
  if (pii || b.input.extraFeatures === 'reject') throw extraKeyError(name, pii, null);
  return null;
}

function checkDatatype(field: CompiledField, dt: unknown): void {
  const expectBytes = field.spec.type === 'category';
  if (typeof dt !== 'string' || (expectBytes ? dt !== 'BYTES' : !NUMERIC_TYPES.has(dt)))
    throw tensorError(
      `Input "${field.spec.name}" must have datatype ${expectBytes ? 'BYTES' : 'FP64, FP32 or an INT type'}.`,
      { field: field.spec.name, rule: 'datatype' },
    );
}

/** The tensor's `rows` values, flat; the nested row-major form [[v], [v]] is allowed for shape [n, 1]. */
function valuesOf(tensor: Record<string, unknown> & { name: string }, rows: number): unknown[] {
  let data = tensor.data;
  if (
    Array.isArray(data) &&
    (tensor.shape as unknown[]).length === 2 &&
    data.every((d) => Array.isArray(d) && d.length === 1)
  )
    data = (data as unknown[][]).map((d) => d[0]);
  if (!Array.isArray(data) || data.length !== rows)
    throw tensorError(`Input "${tensor.name}" must carry ${rows} values in "data".`, {
      field: tensor.name,
      rule: 'data',
    });
  return data;
}

/** The columns by field name, all of the same length n; checks in the order a client meets them. */
function readColumns(
  b: ModelBundle,
  inputs: unknown[],
  maxInstances: number,
): { n: number; columns: Map<string, unknown[]> } {
  let n = -1;
  const columns = new Map<string, unknown[]>();
  for (const t of inputs) {
    const tensor = asTensor(t);
    const name = tensor.name;
    const field = fieldOf(b, name);
    if (!field) continue;
    if (columns.has(name))
      throw tensorError(`Input "${name}" is given twice.`, { field: name, rule: 'duplicate' });
    checkDatatype(field, tensor.datatype);
    const rows = rowsOf(name, tensor.shape, maxInstances);
    if (n === -1) n = rows;
    else if (rows !== n)
      throw tensorError('Every input must have the same first dimension.', { field: name, rule: 'shape' });
    columns.set(name, valuesOf(tensor, rows));
  }
  if (n === -1)
    throw tensorError('No input tensor names a field of the model signature.', {
      field: 'inputs',
      rule: 'no_known_input',
    });
  return { n, columns };
}

/** Student records from the columns, every element validated like /predict validates a field. */
function recordsFrom(b: ModelBundle, n: number, columns: Map<string, unknown[]>): StudentRecord[] {
  const records = new Array<StudentRecord>(n);
  for (let i = 0; i < n; i++) records[i] = emptyRecord();
  for (const field of b.input.fields) {
    const name = field.spec.name;
    const col = columns.get(name);
    if (!col) {
      if (!field.spec.nullable) throw fieldError(field, 'required', null);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v === null || v === undefined) {
        if (!field.spec.nullable) throw fieldError(field, 'not_null', i);
        continue;
      }
      const rule = field.check(v);
      if (rule !== null) throw fieldError(field, rule, i);
      (records[i] as unknown as Record<string, unknown>)[name] = v;
    }
  }
  for (let i = 0; i < n; i++) checkAcrossFields(records[i]!, b.input.byName, i);
  return records;
}

/** The outputs the client asked for; all of them when it did not say. */
function requestedOutputs(asked: unknown): OutputName[] {
  if (asked === undefined) return OIP_OUTPUTS.map((o) => o.name);
  if (!Array.isArray(asked))
    throw tensorError('"outputs" must be an array of {"name"}.', { field: 'outputs', rule: 'type' });
  return (asked as unknown[]).map((o) => {
    const nm = (o as { name?: unknown } | null)?.name;
    if (typeof nm !== 'string' || !OIP_OUTPUTS.some((x) => x.name === nm))
      throw tensorError(`Requested outputs must be among: ${OIP_OUTPUTS.map((x) => x.name).join(', ')}.`, {
        field: 'outputs',
        rule: 'name',
      });
    return nm as OutputName;
  });
}

/** Turns named column tensors into student records, validating every element like /predict does. */
export function parseInferRequest(b: ModelBundle, body: unknown, maxInstances: number): InferRequest {
  const { req, id } = checkEnvelope(body);
  const { n, columns } = readColumns(b, req.inputs as unknown[], maxInstances);
  return { records: recordsFrom(b, n, columns), id, outputs: requestedOutputs(req.outputs) };
}

export function inferResponse(
  b: ModelBundle,
  id: string,
  outputs: readonly OutputName[],
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bands: readonly string[],
): Record<string, unknown> {
  const n = scores.length;
  const data: Record<OutputName, unknown[]> = {
    risk_score: Array.from(scores),
    risk_label: Array.from(labels),
    risk_band: bands as string[],
  };
  return {
    model_name: OIP_MODEL_NAME,
    model_version: b.version,
    id,
    outputs: outputs.map((name) => ({
      name,
      datatype: OIP_OUTPUTS.find((o) => o.name === name)!.datatype,
      shape: [n],
      data: data[name],
    })),
  };
}

/** `v1.2.0` and `1.2.0` name the same version. */
export function sameVersion(asked: string, loaded: string): boolean {
  const norm = (s: string) => s.trim().replace(/^v/i, '');
  return norm(asked) === norm(loaded);
}
