/**
 * Strict input validation compiled once per model from its signature. No coercion ("7" is not 7), no
 * silently dropped fields (unless EXTRA_FEATURE_POLICY=ignore), ranges and categories enforced. Errors
 * name the field and the rule and never echo the value: it may be a name or a CPF. A single student
 * is refused at its first problem; a batch is checked to its last student and refused with all of
 * them (batch-problems.ts). A student may carry an opaque `id` (student-id.ts) that is kept apart
 * from its record.
 */
import { AppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import { compileInputFields, type FieldRule, type InputFieldCheck } from '../model/input-schema.js';
import type { ModelSignature } from '../model/types.js';
import { BatchProblems, type Problem } from './batch-problems.js';
import { SERVE_ERRORS } from './errors.js';
import { identifierStem, isPiiKey } from './identifiers.js';
import { type IdRule, studentIdRule } from './student-id.js';

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
  /**
   * Each student's `id` by position (null for a student sent without one), or null when no student
   * had one. Echoed in the predictions only: never part of a record, so never scored, logged or observed.
   */
  ids: ReadonlyArray<string | null> | null;
}

/** One student as checked: its record (valid only when nothing was reported) and its `id`. */
interface Checked {
  record: StudentRecord;
  id: string | null;
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

const withIndex = (details: Record<string, unknown>, index: number | null) =>
  index === null ? details : { ...details, index };

const asError = (p: Problem): AppError => new AppError(p.spec, p.message, { ...p.details });

function fieldProblem(field: CompiledField, rule: Rule, index: number | null): Problem {
  const name = String(field.spec.name);
  const spec = rule === 'required' ? SERVE_ERRORS.MISSING_FIELD : SERVE_ERRORS.INVALID_FIELD;
  const expected = rule === 'order' ? 'a year no later than ano_base' : field.expected;
  return {
    spec,
    message: `Field "${name}" ${RULE_TEXT[rule]}${where(index)}: expected ${expected}.`,
    details: withIndex({ field: name, rule, expected }, index),
  };
}

/** The error for one field breaking `rule`; `index` (0-based, OIP rows) is named when not null. */
export function fieldError(field: CompiledField, rule: Rule, index: number | null): AppError {
  return asError(fieldProblem(field, rule, index));
}

function extraKeyProblem(key: string, pii: boolean, index: number | null): Problem {
  const shown = safeKey(key);
  const label = shown ? `"${shown}"` : '(name not shown)';
  const stem = pii ? (identifierStem(key) ?? 'identifier') : null;
  if (!pii)
    return {
      spec: SERVE_ERRORS.UNKNOWN_FIELD,
      message: `Field ${label} ${RULE_TEXT.unknown_field}${where(index)}.`,
      details: withIndex({ field: shown, rule: 'unknown_field' }, index),
    };
  return {
    spec: SERVE_ERRORS.PII_FIELD,
    message:
      stem === 'non_latin'
        ? `Field ${label} has letters outside the Latin alphabet, so it cannot be told apart from a personal identifier; it must not be sent${where(index)}.`
        : `Field ${label} ${RULE_TEXT.pii_field}${where(index)}.`,
    details: withIndex({ field: shown, rule: 'pii_field', stem }, index),
  };
}

/**
 * The 422 for a key the signature does not know: `pii` (isPiiKey) says it names a personal identifier.
 * The key is shown only when it looks like an identifier, and the value never; `details.stem` is the
 * deny-list entry it matched (our text, not the client's), or `non_latin`.
 */
export function extraKeyError(key: string, pii: boolean, index: number | null): AppError {
  return asError(extraKeyProblem(key, pii, index));
}

const ID_TEXT: Record<IdRule, string> = {
  id_format: 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"',
  id_personal:
    "looks like a personal identifier (an RA, a CPF or another long number, a date, PEDE's anonymised name); use the row number or a pseudonym of your own",
};

function idProblem(rule: IdRule): Problem {
  return {
    spec: SERVE_ERRORS.INVALID_STUDENT_ID,
    message: `Field "id" ${ID_TEXT[rule]}.`,
    details: { field: 'id', rule },
  };
}

function duplicateIdProblem(first: number): Problem {
  return {
    spec: SERVE_ERRORS.INVALID_STUDENT_ID,
    message: `Field "id" repeats the id of student ${first}; ids must be unique within a batch.`,
    details: { field: 'id', rule: 'id_duplicate', first },
  };
}

/**
 * Rules across fields that no single field's range can express. `ano_ingresso` after `ano_base` would
 * give a negative time in the programme, a value the model never saw (none in the PEDE data).
 */
function acrossFieldsProblem(
  rec: StudentRecord,
  byName: ReadonlyMap<string, CompiledField>,
  index: number | null,
): Problem | null {
  const entry = byName.get('ano_ingresso');
  if (entry && rec.ano_ingresso !== null && rec.ano_base !== null && rec.ano_ingresso > rec.ano_base)
    return fieldProblem(entry, 'order', index);
  return null;
}

/** The rules across fields (see acrossFieldsProblem), thrown as the error of record `index`. */
export function checkAcrossFields(
  rec: StudentRecord,
  byName: ReadonlyMap<string, CompiledField>,
  index: number | null,
): void {
  const p = acrossFieldsProblem(rec, byName, index);
  if (p) throw asError(p);
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

/** Where a student's problems go: the single form throws the first one, a batch collects them all. */
type Report = (p: Problem) => void;

const throwFirst: Report = (p) => {
  throw asError(p);
};

/** The request parser of one model: compiled once at load time, run on every /predict. */
export function compileInput(signature: ModelSignature, policy: InputPolicy): CompiledInput {
  const fields = compileInputFields(signature);
  const byName = new Map(fields.map((f) => [String(f.spec.name), f]));
  const rejectExtra = policy.extraFeatures === 'reject';
  const nFields = fields.length;

  /**
   * One student's record and its `id` (null when none was sent). Every problem goes to `report`, in a
   * fixed order: unknown and personal keys first (a name or CPF under an unknown key is refused
   * whatever else is wrong), then the id, the signature's fields, the rules across fields. The record
   * is only meaningful when nothing was reported.
   */
  function checkStudent(value: unknown, index: number | null, report: Report): Checked {
    if (!isPlainObject(value)) {
      report({
        spec: SERVE_ERRORS.BODY_SHAPE,
        message: `Each student must be a JSON object of fields${where(index)}.`,
        details: withIndex({ rule: 'object' }, index),
      });
      return { record: emptyRecord(), id: null };
    }
    for (const key in value) {
      if (key === 'id' || byName.has(key)) continue;
      const pii = isPiiKey(key);
      if (pii || rejectExtra) report(extraKeyProblem(key, pii, index));
    }
    let id: string | null = null;
    if (value.id !== undefined && value.id !== null) {
      const rule = studentIdRule(value.id);
      if (rule === null) id = value.id as string;
      else report(idProblem(rule));
    }
    const rec = emptyRecord() as unknown as Record<string, unknown>;
    for (let i = 0; i < nFields; i++) {
      const f = fields[i]!;
      const name = f.spec.name;
      const v = value[name];
      if (v === undefined || v === null) {
        if (!f.spec.nullable) report(fieldProblem(f, v === undefined ? 'required' : 'not_null', index));
        continue;
      }
      const rule = f.check(v);
      if (rule === null) rec[name] = v;
      else report(fieldProblem(f, rule, index));
    }
    // An invalid value is not in the record (null there), so it never trips a rule across fields.
    const record = rec as unknown as StudentRecord;
    const across = acrossFieldsProblem(record, byName, index);
    if (across) report(across);
    return { record, id };
  }

  function parseStudent(value: unknown, index: number | null): StudentRecord {
    return checkStudent(value, index, throwFirst).record;
  }

  /** Every student checked; all problems (1-based positions, bounded) in one error, or the records. */
  function parseBatch(list: unknown[]): ParsedBody {
    const n = list.length;
    const records = new Array<StudentRecord>(n);
    let ids: Array<string | null> | null = null;
    const firstWithId = new Map<string, number>();
    const problems = new BatchProblems();
    let student = 0;
    const report: Report = (p) => problems.add(student, p);
    for (let i = 0; i < n; i++) {
      student = i + 1;
      const { record, id } = checkStudent(list[i], null, report);
      records[i] = record;
      if (id === null) continue;
      const first = firstWithId.get(id);
      if (first !== undefined) report(duplicateIdProblem(first));
      else firstWithId.set(id, student);
      (ids ??= new Array<string | null>(n).fill(null))[i] = id;
    }
    if (!problems.empty) throw problems.toError(n);
    return { records, batch: true, ids };
  }

  function parseBody(body: unknown): ParsedBody {
    if (!isPlainObject(body)) throw bodyNotObject(body);
    if (!('instances' in body)) {
      const { record, id } = checkStudent(body, null, throwFirst);
      return { records: [record], batch: false, ids: id === null ? null : [id] };
    }
    return parseBatch(instancesOf(body, policy.maxInstances));
  }

  return { fields, byName, extraFeatures: policy.extraFeatures, parseBody, parseStudent };
}
