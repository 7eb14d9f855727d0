/**
 * What a coordinator reads next to a score: each of the model's top factors as one line of plain
 * Portuguese, and the data the model reads that is missing for the student. The factors are the
 * model's own exact explanation (`LoadedModel.explain`), worded by the model itself (`Factor.text`).
 */
import { STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import { FIELD_LABELS, type SourceField } from '../data/columns.js';
import { FEATURE_BY_NAME } from '../features/catalog.js';

/**
 * The input fields a model's features read, in the record's canonical order: only these can be
 * "missing data" for that model (a field the model ignores does not change the score).
 */
export function fieldsRead(featureNames: readonly string[]): (keyof StudentRecord)[] {
  const used = new Set<string>();
  for (const name of featureNames)
    for (const input of FEATURE_BY_NAME.get(name)?.inputs ?? []) used.add(input);
  return STUDENT_FIELDS.map((f) => f.name).filter((n) => used.has(n));
}

/** The fields (of those the model reads) empty for this student, by their workbook column names. */
export function missingData(record: StudentRecord, fields: readonly (keyof StudentRecord)[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const v = record[f];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)))
      out.push(FIELD_LABELS[f as SourceField] ?? f);
  }
  return out;
}
