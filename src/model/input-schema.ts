/**
 * A model signature's inputs as a validator, with no HTTP in sight: the JSON Schema of one student
 * (OpenAPI 3.0 dialect: `nullable`) and, per field, the check the API compiles from the same spec.
 * The server compiles these when it loads a model; the OpenAPI document shows the schema; the
 * registry can call `inputSchemaProblems` at register or promote time to refuse a signature the server
 * could not serve.
 */
import { type FieldSpec, STUDENT_FIELD_NAMES } from '../core/student.js';
import type { ModelSignature } from './types.js';

/** What one value can break, field by field. Never coerced: "7" is not 7. */
export type FieldRule = 'type' | 'finite' | 'integer' | 'minimum' | 'maximum' | 'category';

export interface InputFieldCheck {
  readonly spec: FieldSpec;
  /** Null when the (non-null) value is valid, else the rule it breaks. */
  readonly check: (value: unknown) => FieldRule | null;
  /** For people: "an integer from 0 to 9", "one of: feminino, masculino". */
  readonly expected: string;
}

const KNOWN_FIELDS = new Set<string>(STUDENT_FIELD_NAMES);

/** Why the server could not compile a validator for this input field; null when it can. */
function fieldProblem(spec: FieldSpec): string | null {
  if (!KNOWN_FIELDS.has(String(spec.name)))
    return `signature field ${String(spec.name)} is not a student field`;
  switch (spec.type) {
    case 'number':
    case 'integer':
      return null;
    case 'category':
      return new Set(spec.categories ?? []).size === 0
        ? `signature field ${spec.name} is a category without categories`
        : null;
    default:
      return `signature field ${String(spec.name)} has an unknown type ${String(spec.type)}`;
  }
}

/**
 * Every reason the server would refuse to serve this signature's inputs (empty when it can): the
 * check to run before a version is registered or promoted. Safe on any parsed JSON.
 */
export function inputSchemaProblems(signature: ModelSignature): string[] {
  const inputs: unknown = (signature as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) return ['the signature has no "inputs" list'];
  const problems: string[] = [];
  for (const [i, spec] of inputs.entries()) {
    const problem =
      typeof spec === 'object' && spec !== null
        ? fieldProblem(spec as FieldSpec)
        : `signature input ${i} is not an object`;
    if (problem !== null) problems.push(problem);
  }
  return problems;
}

function rangeText(spec: FieldSpec): string {
  const { min, max } = spec;
  if (typeof min === 'number' && typeof max === 'number') return ` from ${min} to ${max}`;
  if (typeof min === 'number') return ` ≥ ${min}`;
  return typeof max === 'number' ? ` ≤ ${max}` : '';
}

function fieldCheck(spec: FieldSpec): InputFieldCheck {
  const { min, max } = spec;
  const hasMin = typeof min === 'number';
  const hasMax = typeof max === 'number';
  const range = rangeText(spec);
  const orNull = spec.nullable ? ' (or null)' : '';
  const ranged = (v: number): FieldRule | null =>
    hasMin && v < (min as number) ? 'minimum' : hasMax && v > (max as number) ? 'maximum' : null;
  if (spec.type === 'number')
    return {
      spec,
      expected: `a number${range}${orNull}`,
      check: (v) => (typeof v !== 'number' ? 'type' : Number.isFinite(v) ? ranged(v) : 'finite'),
    };
  if (spec.type === 'integer')
    return {
      spec,
      expected: `an integer${range}${orNull}`,
      check: (v) =>
        typeof v !== 'number'
          ? 'type'
          : !Number.isFinite(v)
            ? 'finite'
            : Number.isInteger(v)
              ? ranged(v)
              : 'integer',
    };
  const allowed = new Set(spec.categories ?? []);
  return {
    spec,
    expected: `one of: ${[...allowed].join(', ')}${orNull}`,
    check: (v) => (typeof v !== 'string' ? 'type' : allowed.has(v) ? null : 'category'),
  };
}

/** One check per signature input, in signature order; throws (naming the field) when one cannot compile. */
export function compileInputFields(signature: ModelSignature): InputFieldCheck[] {
  return signature.inputs.map((spec) => {
    const problem = fieldProblem(spec);
    if (problem !== null) throw new Error(problem);
    return fieldCheck(spec);
  });
}

/** The JSON Schema of one value of a field (OpenAPI 3.0: `nullable`). */
export function fieldSchema(f: FieldSpec): Record<string, unknown> {
  const s: Record<string, unknown> = { description: f.description };
  if (f.type === 'category') s.type = 'string';
  else s.type = f.type === 'integer' ? 'integer' : 'number';
  if (f.categories) s.enum = [...f.categories];
  if (typeof f.min === 'number') s.minimum = f.min;
  if (typeof f.max === 'number') s.maximum = f.max;
  if (f.nullable) s.nullable = true;
  return s;
}

/** The JSON Schema of one student as the API accepts it: no field beyond the signature's. */
export function studentSchema(inputs: readonly FieldSpec[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: inputs.filter((f) => !f.nullable).map((f) => f.name),
    properties: Object.fromEntries(inputs.map((f) => [f.name, fieldSchema(f)])),
  };
}
