/**
 * Strict input validation compiled once per model from its signature. No coercion ("7" is not 7), no
 * silently dropped fields (unless EXTRA_FEATURE_POLICY=ignore), ranges and categories enforced. Errors
 * name the field and the rule and never echo the value: it may be a name or a CPF.
 */
import { AppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import { compileInputFields, type FieldRule, type InputFieldCheck } from '../model/input-schema.js';
import type { ModelSignature } from '../model/types.js';
import { SERVE_ERRORS } from './errors.js';
import { identifierStem, isPiiKey } from './identifiers.js';

/** Every rule a request can break: a field's own rules (model/input-schema.ts) and the body's. */
export type Rule = FieldRule | 'required' | 'not_null' | 'unknown_field' | 'pii_field' | 'order';

/** Checks one value of one field: null when valid, else the rule it breaks. Never coerces. */
export type FieldCheck = InputFieldCheck['check'];

/** A field's check compiled from the signature (pure, in src/model so the registry can run it too). */
export type CompiledField = InputFieldCheck;

export interface InputPolicy {
  extraFeatures: 'reject' | 'ignore';
  maxInstances: number;
}

export interface ParsedBody {
  records: StudentRecord[];
  /** True for {"instances": [...]}: the answer is a list too. */
  batch: boolean;
}

export interface CompiledInput {
  readonly fields: readonly CompiledField[];
  readonly byName: ReadonlyMap<string, CompiledField>;
  /** EXTRA_FEATURE_POLICY as compiled: unknown (non-personal) fields are refused or dropped. */
  readonly extraFeatures: InputPolicy['extraFeatures'];
  parseBody(body: unknown): ParsedBody;
  parseStudent(value: unknown, index: number | null): StudentRecord;
}

// Which keys are personal identifiers (names, RA, CPF, birth dates … in any spelling): identifiers.ts.
export { isPiiKey };

/** A key is shown back to the client only when it looks like an identifier, never like free text. */
export function safeKey(key: string): string | null {
  return /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(key) ? key : null;
}

const RULE_TEXT: Record<Rule, string> = {
  required: 'is required',
  not_null: 'must not be null',
  type: 'has the wrong JSON type',
  finite: 'must be a finite number',
  integer: 'must be a whole number',
  minimum: 'is below the minimum',
  maximum: 'is above the maximum',
  category: 'is not one of the allowed categories',
  unknown_field: 'is not a field of the model signature',
  pii_field: 'is a personal identifier and must not be sent',
  order: 'is after ano_base (a student cannot join the programme after the year observed)',
};

function where(index: number | null): string {
  return index === null ? '' : ` (student ${index})`;
}

export function fieldError(field: CompiledField, rule: Rule, index: number | null): AppError {
  const name = String(field.spec.name);
  const spec = rule === 'required' ? SERVE_ERRORS.MISSING_FIELD : SERVE_ERRORS.INVALID_FIELD;
  const expected = rule === 'order' ? 'a year no later than ano_base' : field.expected;
  return new AppError(spec, `Field "${name}" ${RULE_TEXT[rule]}${where(index)}: expected ${expected}.`, {
    field: name,
    rule,
    expected,
    ...(index === null ? {} : { index }),
  });
}

/**
 * The 422 for a key the signature does not know: `pii` (isPiiKey) says it names a personal identifier.
 * The key is shown only when it looks like an identifier, and the value never; `details.stem` is the
 * deny-list entry it matched (our text, not the client's), or `non_latin`.
 */
export function extraKeyError(key: string, pii: boolean, index: number | null): AppError {
  const shown = safeKey(key);
  const label = shown ? `"${shown}"` : '(name not shown)';
  const stem = pii ? (identifierStem(key) ?? 'identifier') : null;
  return pii
    ? new AppError(
        SERVE_ERRORS.PII_FIELD,
        stem === 'non_latin'
          ? `Field ${label} has letters outside the Latin alphabet, so it cannot be told apart from a personal identifier; it must not be sent${where(index)}.`
          : `Field ${label} ${RULE_TEXT.pii_field}${where(index)}.`,
        { field: shown, rule: 'pii_field', stem, ...(index === null ? {} : { index }) },
      )
    : new AppError(SERVE_ERRORS.UNKNOWN_FIELD, `Field ${label} ${RULE_TEXT.unknown_field}${where(index)}.`, {
        field: shown,
        rule: 'unknown_field',
        ...(index === null ? {} : { index }),
      });
}

/**
 * Rules across fields that no single field's range can express. `ano_ingresso` after `ano_base` would
 * give a negative time in the programme, a value the model never saw (none in the PEDE data).
 */
export function checkAcrossFields(
  rec: StudentRecord,
  byName: ReadonlyMap<string, CompiledField>,
  index: number | null,
): void {
  const entry = byName.get('ano_ingresso');
  if (entry && rec.ano_ingresso !== null && rec.ano_base !== null && rec.ano_ingresso > rec.ano_base)
    throw fieldError(entry, 'order', index);
}

/** Every record has all StudentRecord keys in one order: one hidden class on the hot path. */
export function emptyRecord(): StudentRecord {
  return {
    ano_base: null,
    fase: null,
    idade: null,
    genero: null,
    instituicao: null,
    ano_ingresso: null,
    ian: null,
    ida: null,
    ieg: null,
    iaa: null,
    ips: null,
    ipp: null,
    ipv: null,
    inde: null,
    defasagem: null,
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The students of a `{"instances": [...]}` body, or the catalogue error that says what is wrong. */
function instancesOf(body: Record<string, unknown>, maxInstances: number): unknown[] {
  for (const key in body) {
    if (key !== 'instances')
      throw new AppError(SERVE_ERRORS.BODY_SHAPE, 'A batch body has only the "instances" key.', {
        field: safeKey(key),
        rule: 'instances_only',
      });
  }
  const list = body.instances;
  if (!Array.isArray(list) || list.length === 0) {
    throw new AppError(SERVE_ERRORS.BODY_SHAPE, '"instances" must be a non-empty array of students.', {
      field: 'instances',
      rule: 'non_empty_array',
    });
  }
  if (list.length > maxInstances) {
    throw new AppError(
      SERVE_ERRORS.TOO_MANY_INSTANCES,
      `"instances" has ${list.length} students; at most ${maxInstances} are accepted per request.`,
      { field: 'instances', rule: 'max_items', limit: maxInstances, count: list.length },
    );
  }
  return list;
}

/** A body that is not one JSON object: the catalogue error for it. */
function bodyNotObject(body: unknown): AppError {
  if (body === undefined || body === '')
    return new AppError(SERVE_ERRORS.EMPTY_BODY, 'The request has no body; send a JSON object.', {
      rule: 'body',
    });
  return new AppError(
    SERVE_ERRORS.BODY_SHAPE,
    'The body must be one student object or {"instances": [...]}, not a JSON array or scalar.',
    { rule: 'object' },
  );
}

/** The request parser of one model: compiled once at load time, run on every /predict. */
export function compileInput(signature: ModelSignature, policy: InputPolicy): CompiledInput {
  const fields = compileInputFields(signature);
  const byName = new Map(fields.map((f) => [String(f.spec.name), f]));
  const rejectExtra = policy.extraFeatures === 'reject';
  const nFields = fields.length;

  function parseStudent(value: unknown, index: number | null): StudentRecord {
    if (!isPlainObject(value)) {
      throw new AppError(
        SERVE_ERRORS.BODY_SHAPE,
        `Each student must be a JSON object of fields${where(index)}.`,
        index === null ? { rule: 'object' } : { rule: 'object', index },
      );
    }
    // Extra keys first: a name or CPF under an unknown key must be refused, whatever else is wrong.
    for (const key in value) {
      if (byName.has(key)) continue;
      const pii = isPiiKey(key);
      if (pii || rejectExtra) throw extraKeyError(key, pii, index);
    }
    const rec = emptyRecord() as unknown as Record<string, unknown>;
    for (let i = 0; i < nFields; i++) {
      const f = fields[i]!;
      const name = f.spec.name;
      const v = value[name];
      if (v === undefined || v === null) {
        if (!f.spec.nullable) throw fieldError(f, v === undefined ? 'required' : 'not_null', index);
        continue;
      }
      const rule = f.check(v);
      if (rule !== null) throw fieldError(f, rule, index);
      rec[name] = v;
    }
    checkAcrossFields(rec as unknown as StudentRecord, byName, index);
    return rec as unknown as StudentRecord;
  }

  function parseBody(body: unknown): ParsedBody {
    if (!isPlainObject(body)) throw bodyNotObject(body);
    if (!('instances' in body)) return { records: [parseStudent(body, null)], batch: false };
    const list = instancesOf(body, policy.maxInstances);
    const records = new Array<StudentRecord>(list.length);
    for (let i = 0; i < list.length; i++) records[i] = parseStudent(list[i], i);
    return { records, batch: true };
  }

  return { fields, byName, extraFeatures: policy.extraFeatures, parseBody, parseStudent };
}
