/**
 * An OIP v2 inference request (its JSON header and the binary tensor bytes after it) as validated
 * student records, in steps: the envelope (keys, id, parameters), each input tensor (name, datatype,
 * shape, its elements from `data` or from the binary part), the elements against their datatype, the
 * records (every element checked like /predict checks a field), and the outputs asked for.
 *
 * Missing values: `null` in JSON data, NaN in an FP tensor (binary, or the bare `NaN` token Triton's
 * client writes in JSON), an empty BYTES element. Numeric fields accept any numeric datatype (so a
 * nullable integer such as `idade` can travel as FP64 with NaN), but every element must be a value
 * of the datatype it was declared with.
 */
import { AppError } from '../../core/error-base.js';
import type { StudentRecord } from '../../core/student.js';
import type { ModelBundle } from '../bundle.js';
import { SERVE_ERRORS } from '../errors.js';
import {
  type CompiledField,
  checkAcrossFields,
  emptyRecord,
  extraKeyError,
  fieldError,
  isPiiKey,
  safeKey,
} from '../validation.js';
import { BinaryShapeError, decodeElements } from './binary.js';
import { OIP_ERRORS } from './errors.js';

export const OIP_OUTPUTS = [
  { name: 'risk_score', datatype: 'FP64', shape: [-1] },
  { name: 'risk_label', datatype: 'INT32', shape: [-1] },
  { name: 'risk_band', datatype: 'BYTES', shape: [-1] },
] as const;

export type OutputName = (typeof OIP_OUTPUTS)[number]['name'];

export interface RequestedOutput {
  name: OutputName;
  /** Answer this output as binary tensor data (after the JSON header) rather than in `data`. */
  binary: boolean;
}

export interface InferRequest {
  records: StudentRecord[];
  /** The request's `id`, echoed in the answer; only ids of 1–64 `A-Z a-z 0-9 _ -` are accepted. */
  id: string | null;
  outputs: RequestedOutput[];
}

/** Numeric datatypes accepted for number and integer fields, with the range of values each holds. */
const NUMERIC_RANGE: Readonly<Record<string, readonly [number, number] | 'float'>> = {
  FP16: 'float',
  BF16: 'float',
  FP32: 'float',
  FP64: 'float',
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
  INT64: [-(2 ** 63), 2 ** 63 - 1],
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  UINT64: [0, 2 ** 64 - 1],
};
/** Largest finite magnitude per float datatype (JSON numbers beyond it do not fit the type). */
const FLOAT_MAX: Readonly<Record<string, number>> = {
  FP16: 65_504,
  BF16: 3.3895313892515355e38,
  FP32: 3.4028234663852886e38,
  FP64: Number.MAX_VALUE,
};

const TOP_KEYS = new Set(['id', 'parameters', 'inputs', 'outputs']);
const TENSOR_KEYS = new Set(['name', 'datatype', 'shape', 'data', 'parameters']);
const OUTPUT_KEYS = new Set(['name', 'parameters']);
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

type Tensor = Record<string, unknown> & { name: string };

function tensorError(message: string, details: Record<string, unknown>): AppError {
  return new AppError(SERVE_ERRORS.INVALID_TENSOR, message, details);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `parameters` value: absent or an object. */
function paramsOf(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isObject(v)) throw tensorError(`"parameters" of ${where} must be an object.`, { rule: 'parameters' });
  return v;
}

/** The request object with only known keys, a safe id and a non-empty list of inputs. */
function checkEnvelope(body: unknown): {
  req: Record<string, unknown>;
  id: string | null;
  binaryOutputs: boolean;
} {
  if (body === undefined)
    throw new AppError(SERVE_ERRORS.EMPTY_BODY, 'The request has no body; send an inference request.', {
      rule: 'body',
    });
  if (!isObject(body)) throw tensorError('The body must be a JSON object with "inputs".', { rule: 'object' });
  for (const key in body) {
    if (!TOP_KEYS.has(key))
      throw tensorError('Unknown top-level key in the inference request.', {
        rule: 'key',
        key: safeKey(key),
      });
  }
  const id = body.id === undefined ? null : body.id;
  // The id comes back in the answer: only an opaque token, never free text (it could hold a name).
  if (id !== null && (typeof id !== 'string' || !SAFE_ID.test(id)))
    throw tensorError('"id" must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-".', {
      field: 'id',
      rule: 'id',
    });
  const binaryOutputs = paramsOf(body.parameters, 'the request').binary_data_output;
  if (binaryOutputs !== undefined && typeof binaryOutputs !== 'boolean')
    throw tensorError('"binary_data_output" must be true or false.', { rule: 'binary_data_output' });
  if (!Array.isArray(body.inputs) || body.inputs.length === 0)
    throw tensorError('"inputs" must be a non-empty array of tensors.', {
      field: 'inputs',
      rule: 'non_empty_array',
    });
  return { req: body, id: id as string | null, binaryOutputs: binaryOutputs === true };
}

/** An input tensor as an object with known keys and a name. */
function asTensor(t: unknown): Tensor {
  if (!isObject(t))
    throw tensorError('Each input must be a tensor object.', { field: 'inputs', rule: 'object' });
  for (const key in t) {
    if (!TENSOR_KEYS.has(key))
      throw tensorError('Unknown key in an input tensor.', { rule: 'key', key: safeKey(key) });
  }
  if (typeof t.name !== 'string') throw tensorError('Each input needs a "name".', { rule: 'name' });
  return t as Tensor;
}

/** Reads each tensor's binary bytes in input order, as `binary_data_size` says. */
class BinaryCursor {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  /** The bytes of `tensor` when it is sent in binary; null when its elements are in `data`. */
  take(tensor: Tensor, label: string): Buffer | null {
    const size = paramsOf(tensor.parameters, `input ${label}`).binary_data_size;
    if (size === undefined) return null;
    if (!Number.isSafeInteger(size) || (size as number) < 0)
      throw tensorError(`"binary_data_size" of input ${label} must be a whole number of bytes.`, {
        field: safeKey(tensor.name),
        rule: 'binary_data_size',
      });
    if (tensor.data !== undefined)
      throw tensorError(`Input ${label} has both "data" and "binary_data_size"; send one.`, {
        field: safeKey(tensor.name),
        rule: 'binary_data_size',
      });
    const end = this.at + (size as number);
    if (end > this.bytes.length)
      throw tensorError(
        `Input ${label} declares ${size} bytes of binary data but only ${this.bytes.length - this.at} follow the JSON header (is Inference-Header-Content-Length set?).`,
        { field: safeKey(tensor.name), rule: 'binary_size' },
      );
    const out = this.bytes.subarray(this.at, end);
    this.at = end;
    return out;
  }

  /** Every byte after the JSON header belongs to some input. */
  finish(): void {
    if (this.at !== this.bytes.length)
      throw tensorError(
        `${this.bytes.length - this.at} bytes after the JSON header belong to no input's "binary_data_size".`,
        { rule: 'binary_size' },
      );
  }
}

/** The signature field a tensor feeds; null when it names none and the policy drops it. */
function fieldOf(b: ModelBundle, name: string): CompiledField | null {
  const field = b.input.byName.get(name);
  if (field) return field;
  // Personal data is always refused, like /predict; other unknown tensors per EXTRA_FEATURE_POLICY.
  const pii = isPiiKey(name);
  if (pii) throw extraKeyError(name, true, null);
  if (b.input.extraFeatures === 'ignore') return null;
  const shown = safeKey(name);
  throw new AppError(
    OIP_ERRORS.UNKNOWN_INPUT,
    `Input ${shown ? `"${shown}"` : '(name not shown)'} is not an input of model defasagem.`,
    { field: shown, rule: 'unknown_input' },
  );
}

function checkDatatype(field: CompiledField, dt: unknown): string {
  const expectBytes = field.spec.type === 'category';
  if (typeof dt !== 'string' || (expectBytes ? dt !== 'BYTES' : NUMERIC_RANGE[dt] === undefined))
    throw tensorError(
      `Input "${field.spec.name}" must have datatype ${expectBytes ? 'BYTES' : 'FP64, FP32, FP16 or an INT/UINT type'}.`,
      { field: field.spec.name, rule: 'datatype' },
    );
  return dt;
}

/** The row count of a tensor from its shape ([n] or [n, 1], n ≥ 1, at most maxInstances). */
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

/** The JSON `data` of a tensor, flat; the nested row-major form [[v], [v]] is allowed for shape [n, 1]. */
function jsonValues(tensor: Tensor, rows: number): unknown[] {
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

/** Why element `v` of JSON data is not a value of `datatype` (never showing it); null when it is. */
function datatypeBreak(datatype: string, v: unknown): string | null {
  if (v === null) return null;
  if (datatype === 'BYTES') return typeof v === 'string' ? null : 'is not a string';
  if (typeof v !== 'number') return 'is not a number';
  const range = NUMERIC_RANGE[datatype]!;
  if (range === 'float')
    return Math.abs(v) > FLOAT_MAX[datatype]! && Number.isFinite(v) ? 'is out of its range' : null;
  if (!Number.isInteger(v)) return 'is not a whole number';
  return v < range[0] || v > range[1] ? 'is out of its range' : null;
}

/** The tensor's elements as field values: null for a missing element, else the value to check. */
function elementsOf(tensor: Tensor, datatype: string, rows: number, bytes: Buffer | null): unknown[] {
  const name = tensor.name;
  let values: unknown[];
  if (bytes === null) {
    values = jsonValues(tensor, rows);
    for (let i = 0; i < rows; i++) {
      const why = datatypeBreak(datatype, values[i]);
      if (why !== null)
        throw tensorError(
          `Input "${name}" has an element that ${why}, which datatype ${datatype} requires (element ${i}).`,
          {
            field: name,
            rule: 'datatype_value',
            datatype,
            index: i,
          },
        );
    }
  } else {
    try {
      values = decodeElements(datatype, bytes, rows);
    } catch (err) {
      if (!(err instanceof BinaryShapeError)) throw err;
      throw tensorError(`The binary data of input "${name}" ${err.message}.`, {
        field: name,
        rule: err.rule,
      });
    }
  }
  // NaN (binary, or JSON's bare NaN token read as null) and an empty BYTES element mean "missing".
  return values.map((v) => (v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v));
}

/** The columns by field name, all of the same length n; checks in the order a client meets them. */
function readColumns(
  b: ModelBundle,
  inputs: unknown[],
  binary: Buffer,
  maxInstances: number,
): { n: number; columns: Map<string, unknown[]> } {
  let n = -1;
  const columns = new Map<string, unknown[]>();
  const cursor = new BinaryCursor(binary);
  for (let k = 0; k < inputs.length; k++) {
    const tensor = asTensor(inputs[k]);
    const name = tensor.name;
    const bytes = cursor.take(tensor, safeKey(name) ? `"${name}"` : `#${k}`);
    const field = fieldOf(b, name);
    if (!field) continue;
    if (columns.has(name))
      throw tensorError(`Input "${name}" is given twice.`, { field: name, rule: 'duplicate' });
    const datatype = checkDatatype(field, tensor.datatype);
    const rows = rowsOf(name, tensor.shape, maxInstances);
    if (n === -1) n = rows;
    else if (rows !== n)
      throw tensorError('Every input must have the same first dimension.', { field: name, rule: 'shape' });
    columns.set(name, elementsOf(tensor, datatype, rows, bytes));
  }
  cursor.finish();
  if (n === -1)
    throw tensorError('No input tensor names an input of the model.', {
      field: 'inputs',
      rule: 'no_known_input',
    });
  return { n, columns };
}

/** /predict's field error as the protocol's 400 (same message, field, rule and index). */
function asInvalidValue(err: AppError): AppError {
  return new AppError(OIP_ERRORS.INVALID_VALUE, err.message.replace(/^Field/, 'Input'), err.details);
}

/** Student records from the columns, every element validated like /predict validates a field. */
function recordsFrom(b: ModelBundle, n: number, columns: Map<string, unknown[]>): StudentRecord[] {
  const records = new Array<StudentRecord>(n);
  for (let i = 0; i < n; i++) records[i] = emptyRecord();
  for (const field of b.input.fields) {
    const name = field.spec.name;
    const col = columns.get(name);
    if (!col) {
      if (!field.spec.nullable)
        throw new AppError(
          OIP_ERRORS.MISSING_INPUT,
          `Input "${name}" is required: expected ${field.expected}; only optional inputs may be left out.`,
          { field: name, rule: 'required', expected: field.expected },
        );
      continue;
    }
    for (let i = 0; i < n; i++) {
      const v = col[i];
      if (v === null) {
        if (!field.spec.nullable) throw asInvalidValue(fieldError(field, 'not_null', i));
        continue;
      }
      const rule = field.check(v);
      if (rule !== null) throw asInvalidValue(fieldError(field, rule, i));
      (records[i] as unknown as Record<string, unknown>)[name] = v;
    }
  }
  try {
    for (let i = 0; i < n; i++) checkAcrossFields(records[i]!, b.input.byName, i);
  } catch (err) {
    throw err instanceof AppError ? asInvalidValue(err) : err;
  }
  return records;
}

/** The outputs asked for, each binary or JSON; all outputs (per binary_data_output) when none is named. */
function requestedOutputs(asked: unknown, binaryByDefault: boolean): RequestedOutput[] {
  if (asked === undefined) return OIP_OUTPUTS.map((o) => ({ name: o.name, binary: binaryByDefault }));
  const names = OIP_OUTPUTS.map((x) => x.name).join(', ');
  if (!Array.isArray(asked))
    throw tensorError('"outputs" must be an array of {"name"}.', { field: 'outputs', rule: 'type' });
  const seen = new Set<string>();
  return asked.map((o) => {
    if (!isObject(o) || Object.keys(o).some((k) => !OUTPUT_KEYS.has(k)) || typeof o.name !== 'string')
      throw tensorError('Each requested output must be {"name", "parameters"}.', {
        field: 'outputs',
        rule: 'object',
      });
    if (!OIP_OUTPUTS.some((x) => x.name === o.name) || seen.has(o.name))
      throw tensorError(`Requested outputs must be distinct names among: ${names}.`, {
        field: 'outputs',
        rule: 'name',
      });
    seen.add(o.name);
    const params = paramsOf(o.parameters, `output "${o.name}"`);
    if (params.classification !== undefined)
      throw tensorError('The classification extension is not supported; ask for risk_score.', {
        field: o.name,
        rule: 'classification',
      });
    if (params.binary_data !== undefined && typeof params.binary_data !== 'boolean')
      throw tensorError('"binary_data" must be true or false.', { field: o.name, rule: 'binary_data' });
    return {
      name: o.name as OutputName,
      binary: (params.binary_data as boolean | undefined) ?? binaryByDefault,
    };
  });
}

/**
 * Turns the request (its parsed JSON header and the binary bytes after it) into validated student
 * records, the id to echo and the outputs to answer.
 */
export function parseInferRequest(
  b: ModelBundle,
  header: unknown,
  binary: Buffer,
  maxInstances: number,
): InferRequest {
  const { req, id, binaryOutputs } = checkEnvelope(header);
  const { n, columns } = readColumns(b, req.inputs as unknown[], binary, maxInstances);
  return { records: recordsFrom(b, n, columns), id, outputs: requestedOutputs(req.outputs, binaryOutputs) };
}
