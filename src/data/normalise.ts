/**
 * The data contract applied to each yearly table: headers mapped to fields, cells parsed and checked
 * (types, ranges, categories), names dropped at the door. Rows that break the contract are not silently
 * dropped: each violation becomes a reject (sheet, Excel row number, column, reason) and the row is left
 * out of the normalised table. Fixes that keep the row (clamping 10.002 to 10, `INCLUIR` as missing,
 * a date-coded number read as its serial, an age replaced or derived from the birth year) are counted
 * per year for the data card.
 */

import { AppError } from '../core/error-base.js';
import { type FieldSpec, STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import {
  type ColumnMapping,
  isBlank,
  mapColumns,
  matchHeader,
  normaliseHeader,
  type SourceField,
} from './columns.js';
import { DATA_ERRORS } from './errors.js';
import type { RawSheet } from './source.js';
import {
  isMissingMarker,
  isProblem,
  type Parsed,
  parseAge,
  parseBirthDate,
  parseFase,
  parseFaseIdeal,
  parseGenero,
  parseIndicator,
  parseInstituicao,
  parseInteger,
} from './values.js';

/** A student record of year t plus its RA, the join key. RA never leaves interim outputs. */
export type NormalisedRecord = StudentRecord & { ra: string };

export interface Reject {
  readonly sheet: string;
  /** 1-based row number as Excel shows it (the header is row 1). */
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

/** Fixes applied without rejecting the row, counted per kind and field. */
export type FixCounts = Record<string, number>;

export interface NormalisedYear {
  readonly year: number;
  readonly sheet: string;
  readonly records: NormalisedRecord[];
  /** Excel row number (header = 1) of each record, same order: traces a record to its cells without RA. */
  readonly sourceRows: number[];
  /** Data rows read (blank rows excluded). */
  readonly rowsRead: number;
  readonly blankRowsSkipped: number;
  readonly rowsRejected: number;
  readonly mapping: ColumnMapping['header'];
  readonly ignoredColumns: string[];
  readonly fixes: FixCounts;
  /** Rows where defasagem ≠ fase − fase ideal (kept: the sheet's own defasagem wins). */
  readonly defasagemMismatches: number;
  /** The age rule's outcomes (see reconcileAge). */
  readonly ageCheck: AgeCheck;
}

export interface NormaliseResult {
  readonly years: NormalisedYear[];
  readonly rejects: Reject[];
}

const SPEC = Object.fromEntries(STUDENT_FIELDS.map((f) => [f.name, f])) as Record<
  keyof StudentRecord,
  FieldSpec
>;

/**
 * Normalises every yearly sheet. Throws COLUMNS_MISSING (listing every sheet's missing columns at once)
 * when a sheet cannot satisfy the contract's required columns.
 */
export function normaliseSheets(sheets: readonly RawSheet[]): NormaliseResult {
  const mapped = sheets.map((s) => {
    const h = headerRowIndex(s);
    const body = s.rows.slice(h + 1);
    return { sheet: s, body, firstRow: h + 2, mapping: mapColumns(s.rows[h] ?? [], body, s.year) };
  });
  const problems = mapped.filter((m) => m.mapping.missing.length > 0);
  if (problems.length > 0) {
    const text = problems.map((m) => `${m.sheet.name}: ${m.mapping.missing.join(', ')}`).join('; ');
    throw new AppError(DATA_ERRORS.COLUMNS_MISSING, `Required columns missing — ${text}.`, {
      missing: Object.fromEntries(problems.map((m) => [m.sheet.name, m.mapping.missing])),
    });
  }
  const rejects: Reject[] = [];
  const years = mapped.map((m) => normaliseSheet(m.sheet, m.body, m.firstRow, m.mapping, rejects));
  return { years, rejects };
}

/**
 * The header row: the first row in the real sheets, but a hand-made export may start with a title or
 * blank lines. The row among the first ten that names the most known fields wins (ties: the earliest).
 */
function headerRowIndex(s: RawSheet): number {
  let best = 0;
  let bestCount = 0;
  for (let i = 0; i < Math.min(10, s.rows.length); i++) {
    const n = new Set(s.rows[i]!.map((c) => matchHeader(normaliseHeader(c), s.year)).filter(Boolean)).size;
    if (n > bestCount) {
      best = i;
      bestCount = n;
    }
  }
  return best;
}

function normaliseSheet(
  sheet: RawSheet,
  body: readonly (readonly unknown[])[],
  firstRow: number,
  mapping: ColumnMapping,
  rejects: Reject[],
): NormalisedYear {
  const fixes: FixCounts = {};
  const records: NormalisedRecord[] = [];
  const seenRa = new Map<string, number>();
  let blank = 0;
  let rejected = 0;
  let mismatches = 0;
  const sourceRows: number[] = [];
  const ageCheck: AgeCheck = { agrees: 0, replaced: 0, derived: 0 };

  for (let r = 0; r < body.length; r++) {
    const row = body[r]!;
    if (row.every(isBlank)) {
      blank++;
      continue;
    }
    const excelRow = r + firstRow;
    const out = readRow(row, sheet.year, mapping, seenRa);
    if (out.mismatch) mismatches++;
    if (out.problems.length > 0) {
      rejected++;
      for (const p of out.problems) rejects.push({ sheet: sheet.name, row: excelRow, ...p });
      continue;
    }
    // A row's fixes count only when the row is kept (a rejected row's clamps were never applied).
    seenRa.set(out.rec.ra, excelRow);
    records.push(out.rec);
    sourceRows.push(excelRow);
    for (const key of out.fixes) fixes[key] = (fixes[key] ?? 0) + 1;
    if (out.age) ageCheck[out.age]++;
  }

  return {
    year: sheet.year,
    sheet: sheet.name,
    records,
    sourceRows,
    rowsRead: body.length - blank,
    blankRowsSkipped: blank,
    rowsRejected: rejected,
    mapping: mapping.header,
    ignoredColumns: mapping.ignored,
    fixes,
    defasagemMismatches: mismatches,
    ageCheck,
  };
}

interface RowProblem {
  column: string;
  reason: string;
}

/** One row read against the contract: the record, its problems (rejected when any), the fixes applied. */
interface RowOutcome {
  rec: NormalisedRecord;
  problems: RowProblem[];
  fixes: string[];
  age: keyof AgeCheck | null;
  /** The sheet's defasagem disagrees with fase − fase ideal (counted, the sheet's value kept). */
  mismatch: boolean;
}

/** The parsing helpers of one row: each records its problems and fixes in the row's outcome. */
function rowReader(row: readonly unknown[], mapping: ColumnMapping, problems: RowProblem[], fixes: string[]) {
  const idx = mapping.index;
  const cell = (f: SourceField): unknown => (idx[f] === undefined ? null : row[idx[f]!]);
  const col = (f: SourceField) => mapping.header[f] ?? f;
  const take = <T>(f: SourceField, parsed: Parsed<T>): T | null => {
    if (isProblem(parsed)) {
      problems.push({ column: col(f), reason: parsed.problem });
      return null;
    }
    if (parsed === null && !isBlank(cell(f)) && isMissingMarker(cell(f))) fixes.push(`missing_marker:${f}`);
    if (parsed !== null && f !== 'data_nasc' && cell(f) instanceof Date) fixes.push(`date_coded_number:${f}`);
    return parsed;
  };
  const range = (f: keyof StudentRecord & SourceField, v: number | null): number | null => {
    const spec = SPEC[f];
    if (v === null) return null;
    if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
      problems.push({ column: col(f), reason: `${v} is outside ${spec.min}–${spec.max}` });
      return null;
    }
    return v;
  };
  const hasProblem = (f: SourceField) => problems.some((p) => p.column === col(f));
  const ind = (f: 'ian' | 'ida' | 'ieg' | 'iaa' | 'ips' | 'ipp' | 'ipv' | 'inde'): number | null => {
    const v = take(f, parseIndicator(cell(f)));
    if (v?.clamped) fixes.push(`clamped_to_0_10:${f}`);
    return v?.value ?? null;
  };
  return { idx, cell, col, take, range, hasProblem, ind };
}

function readRow(
  row: readonly unknown[],
  year: number,
  mapping: ColumnMapping,
  seenRa: ReadonlyMap<string, number>,
): RowOutcome {
  const problems: RowProblem[] = [];
  const fixes: string[] = [];
  const { idx, cell, col, take, range, hasProblem, ind } = rowReader(row, mapping, problems, fixes);

  // RA: the join key. Its value is never written into a reason.
  const raCell = cell('ra');
  const ra = isBlank(raCell) ? null : String(raCell).trim();
  if (ra === null) problems.push({ column: col('ra'), reason: 'RA is empty' });
  else if (seenRa.has(ra)) {
    problems.push({ column: col('ra'), reason: `duplicate RA (first seen at row ${seenRa.get(ra)})` });
  }

  const fase = range('fase', take('fase', parseFase(cell('fase'))));
  let defasagem = range('defasagem', take('defasagem', parseInteger(cell('defasagem'))));
  const faseIdeal = take('fase_ideal', parseFaseIdeal(cell('fase_ideal')));
  let mismatch = false;
  if (defasagem === null && fase !== null && faseIdeal !== null && idx.defasagem === undefined) {
    defasagem = fase - faseIdeal;
    fixes.push('defasagem_from_fase_ideal');
  } else if (defasagem !== null && fase !== null && faseIdeal !== null && defasagem !== fase - faseIdeal) {
    mismatch = true;
  }
  if (fase === null && !hasProblem('fase')) problems.push({ column: col('fase'), reason: 'fase is empty' });
  if (defasagem === null && !hasProblem('defasagem')) {
    problems.push({
      column: col(idx.defasagem === undefined ? 'fase_ideal' : 'defasagem'),
      reason: 'defasagem is empty',
    });
  }

  // Age: the sheet's age, checked against the birth year where there is one (see reconcileAge).
  const sheetAge = range('idade', take('idade', parseAge(cell('idade'))));
  const anoNasc = take('ano_nasc', parseInteger(cell('ano_nasc')));
  const nasc = take('data_nasc', parseBirthDate(cell('data_nasc')));
  let idade: number | null = null;
  let age: keyof AgeCheck | null = null;
  if (!hasProblem('idade')) {
    const a = reconcileAge(sheetAge, anoNasc ?? nasc?.getUTCFullYear() ?? null, year);
    idade = a.idade;
    if (a.problem)
      problems.push({ column: col(idx.idade === undefined ? 'data_nasc' : 'idade'), reason: a.problem });
    else if (a.outcome !== 'no_birth_date') {
      age = a.outcome;
      if (a.outcome !== 'agrees') fixes.push(`idade_${a.outcome}_from_birth_year`);
    }
  }

  const genero = take('genero', parseGenero(cell('genero')));
  const inst = take('instituicao', parseInstituicao(cell('instituicao')));
  if (inst && !inst.recognised) fixes.push('instituicao_unrecognised_as_outro');
  const anoIngresso = range('ano_ingresso', take('ano_ingresso', parseInteger(cell('ano_ingresso'))));
  if (anoIngresso !== null && anoIngresso > year) {
    problems.push({ column: col('ano_ingresso'), reason: `${anoIngresso} is after the sheet's year` });
  }

  const rec: NormalisedRecord = {
    ra: ra ?? '',
    ano_base: year,
    fase,
    idade,
    genero,
    instituicao: inst?.value ?? null,
    ano_ingresso: anoIngresso,
    ian: ind('ian'),
    ida: ind('ida'),
    ieg: ind('ieg'),
    iaa: ind('iaa'),
    ips: ind('ips'),
    ipp: ind('ipp'),
    ipv: ind('ipv'),
    inde: ind('inde'),
    defasagem,
  };
  return { rec, problems, fixes, age, mismatch };
}

/** Accepted rows whose age met a birth year: agreed with it, replaced by it, or derived from it (age empty). */
export interface AgeCheck {
  agrees: number;
  replaced: number;
  derived: number;
}

/**
 * The age rule of the data contract. A real age observed in year Y of someone born in B is Y − B (the
 * birthday has passed) or Y − B − 1: the sheet's age must be one of the two. When it is neither (or is
 * empty) the age becomes Y − B, the likelier of the two (about five rows in six on the real sheets).
 * Birth dates are the primary record and never leave this function: reasons quote no date, year or age
 * derived from them.
 */
export function reconcileAge(
  sheetAge: number | null,
  birthYear: number | null,
  year: number,
): { idade: number | null; outcome: keyof AgeCheck | 'no_birth_date'; problem?: string } {
  if (birthYear === null) return { idade: sheetAge, outcome: 'no_birth_date' };
  const fromBirth = year - birthYear;
  if (sheetAge !== null && (sheetAge === fromBirth || sheetAge === fromBirth - 1)) {
    return { idade: sheetAge, outcome: 'agrees' };
  }
  const outcome = sheetAge === null ? 'derived' : 'replaced';
  const { min, max } = SPEC.idade;
  if (fromBirth < min! || fromBirth > max!) {
    const problem =
      outcome === 'derived'
        ? `the age derived from the birth date is outside ${min}–${max}`
        : `the age disagrees with the birth date, which gives no age in ${min}–${max}`;
    return { idade: null, outcome, problem };
  }
  return { idade: fromBirth, outcome };
}
