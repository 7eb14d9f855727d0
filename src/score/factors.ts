/**
 * What a coordinator reads next to a score: each of the model's top factors as one line of plain
 * Portuguese, and the data the model reads that is missing for the student. The factors are the
 * model's own exact explanation (`LoadedModel.explain`); this module only words them.
 */
import { STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import { FIELD_LABELS, type SourceField } from '../data/columns.js';
import { FEATURE_BY_NAME } from '../features/catalog.js';
import type { Factor } from '../model/types.js';

/** Numbers as a Brazilian reader writes them: decimal comma, at most `digits` decimals. */
export function decimalPt(v: number, digits = 1): string {
  const s = Number.isInteger(v) ? String(v) : v.toFixed(digits).replace(/\.?0+$/, '');
  return s.replace('.', ',');
}

/**
 * One factor as a sentence part: `IEG (engajamento): 4,2 — aumenta o risco`; a missing value reads
 * `sem dado`. When `explain` words the factor itself (a `text` field), that wording is used as is.
 */
export function factorText(f: Factor): string {
  const own = (f as Factor & { text?: unknown }).text;
  if (typeof own === 'string' && own.trim() !== '') return own;
  const effect = f.direction === 'aumenta' ? 'aumenta o risco' : 'reduz o risco';
  const kind = FEATURE_BY_NAME.get(f.feature)?.kind;
  if (kind === 'onehot') return `${f.label} — ${effect}`;
  let value: string;
  if (f.value === null) value = 'sem dado';
  else if (typeof f.value === 'string') value = f.value;
  else if (kind === 'flag') value = f.value === 1 ? 'sim' : 'não';
  else value = decimalPt(f.value);
  return `${f.label}: ${value} — ${effect}`;
}

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
