/**
 * Cell parsers: one raw cell (number, string, Date or empty, as read from xlsx or CSV) to a typed value,
 * fixing the known quirks of each PEDE edition. A parser returns the value, null for an empty cell, or
 * a `Problem` whose reason goes to rejects.csv. Reasons may quote a value only for non-PII columns.
 */
import type { Genero, Instituicao } from '../core/student.js';
import { isBlank, normaliseHeader } from './columns.js';

export interface Problem {
  readonly problem: string;
}
export type Parsed<T> = T | null | Problem;

export function isProblem(v: unknown): v is Problem {
  return typeof v === 'object' && v !== null && 'problem' in v;
}

/** Tokens used in the sheets for "no value" (e.g. `INCLUIR` in INDE 2024). Counted, not rejected. */
const MISSING_MARKERS = new Set(['incluir', 'na', 'n a', 'nan', 'null', 'sem dados']);

export function isMissingMarker(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const t = v.trim();
  return t === '-' || t === '#N/A' || MISSING_MARKERS.has(normaliseHeader(t));
}

/**
 * A cell as a reject reason may show it. Text is never echoed: a shifted column can put a student's
 * name in any cell, and rejects.csv must stay free of PII. Numbers are safe to show.
 */
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return 'a date';
  if (typeof v === 'boolean') return 'a true/false value';
  return 'a text value';
}

/** A number from a number cell, a date-coded number (see `dateCodedNumber`) or a numeric string ("5.78", "5,78", " 7 "). */
export function parseNumber(v: unknown): Parsed<number> {
  if (isBlank(v) || isMissingMarker(v)) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { problem: 'not a finite number' };
  if (v instanceof Date) return dateCodedNumber(v) ?? { problem: CALENDAR_DATE };
  if (typeof v === 'string') {
    const t = v.trim().replace(/^(-?\d+),(\d+)$/, '$1.$2');
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
    return { problem: `${show(v)} is not a number` };
  }
  return { problem: `${show(v)} is not a number` };
}

export function parseInteger(v: unknown): Parsed<number> {
  const n = parseNumber(v);
  if (n === null || isProblem(n)) return n;
  if (!Number.isInteger(n)) return { problem: `${n} is not a whole number` };
  return n;
}

/** Indicators (0–10). Values up to 0.05 outside the scale are rounding noise (10.002, 10.01): clamped. */
export const INDICATOR_TOLERANCE = 0.05;

export function parseIndicator(v: unknown): Parsed<{ value: number; clamped: boolean }> {
  const n = parseNumber(v);
  if (n === null || isProblem(n)) return n;
  if (n >= 0 && n <= 10) return { value: n, clamped: false };
  if (n > 10 && n <= 10 + INDICATOR_TOLERANCE) return { value: 10, clamped: true };
  if (n < 0 && n >= -INDICATOR_TOLERANCE) return { value: 0, clamped: true };
  return { problem: `${n} is outside the 0–10 scale` };
}

const DAY_MS = 86_400_000;
/**
 * read-excel-file turns every date serial n into 1899-12-30 + n days (Unix epoch = serial 25569). That
 * is right from serial 61 (1900-03-01) on, where Excel's fictitious 1900-02-29 has been counted; below
 * it the reader's date is one day before the one Excel shows (serial 8: Excel 1900-01-08, reader
 * 1900-01-07).
 */
const READER_EPOCH_MS = Date.UTC(1899, 11, 30);
/** Serial 61: the first day on which Excel's 1900 calendar and the real one agree. */
const FIRST_TRUE_EXCEL_DATE_MS = Date.UTC(1900, 2, 1);
const CALENDAR_DATE = 'a calendar date is not a number';

/** The Excel serial number behind a date cell as read-excel-file returns it (the exact inverse). */
export function excelSerialOfCellDate(d: Date): number {
  const serial = (d.getTime() - READER_EPOCH_MS) / DAY_MS;
  const whole = Math.round(serial);
  // The reader floors to the millisecond: an integer serial comes back exact, snap the rest to it.
  return Math.abs(serial - whole) < 1e-7 ? whole : serial;
}

/**
 * A number stored in a date-formatted cell ("date-coded": PEDE2023 has ~400 ages typed as dates whose
 * serial is the age) is read back as its serial. Only dates before 1900-03-01 qualify: no real date of
 * this data lies there, and it is exactly where the reader's date is a day off. Any later date is a
 * real calendar date (null), which a numeric column rejects. A 1904-system workbook (old Mac Excel)
 * shifts date-coded numbers past that point, so its date-coded cells are rejected, never misread.
 */
export function dateCodedNumber(d: Date): number | null {
  const t = d.getTime();
  if (Number.isNaN(t) || t >= FIRST_TRUE_EXCEL_DATE_MS) return null;
  return excelSerialOfCellDate(d);
}

/**
 * Age in years. PEDE2023 stores many ages as Excel dates whose serial number is the age; xlsx cells
 * arrive as Dates (see `dateCodedNumber`), CSV exports as the date Excel shows, "1900-01-08" (pandas,
 * openpyxl) or "1/8/1900" / "08/01/1900" (Excel's own "Save as CSV").
 */
export function parseAge(v: unknown): Parsed<number> {
  if (v instanceof Date) {
    const serial = dateCodedNumber(v);
    if (serial === null || serial < 1) return { problem: 'age is a calendar date, not a number of years' };
    return Number.isInteger(serial) ? serial : { problem: 'age is a date with a time, not a whole number' };
  }
  if (typeof v === 'string') {
    const m = /^\s*1900-01-(\d\d)(?:[T ][\d:.]+Z?)?\s*$/.exec(v);
    if (m) return Number(m[1]);
    const slash = /^\s*(\d{1,2})\/(\d{1,2})\/1900\s*$/.exec(v);
    if (slash) return excelAgeFromSlashText(Number(slash[1]), Number(slash[2]));
  }
  return parseInteger(v);
}

/**
 * The same Excel-date age as slash text: "1/8/1900" (US) or "08/01/1900" (Excel in Portuguese).
 * Serials below 60 are in January or February 1900, which tells month from day; in the rare case
 * both readings fit (1/2/1900) the January one, the younger age, is taken.
 */
function excelAgeFromSlashText(a: number, b: number): Parsed<number> {
  const serialOf = (month: number, day: number) =>
    month === 1 && day >= 1 && day <= 31 ? day : month === 2 && day >= 1 && day <= 28 ? 31 + day : null;
  const fits = [serialOf(a, b), serialOf(b, a)].filter((n): n is number => n !== null);
  return fits.length > 0 ? Math.min(...fits) : { problem: 'age is a calendar date, not a number of years' };
}

/**
 * Birth date from a real date, slash text or ISO text ("2015-06-17"). Slash text is US-style in the
 * workbook ("6/17/2015") but day-first in a CSV saved by Excel in Portuguese ("17/06/2015"): a first
 * number above 12 can only be a day. When both readings are valid the US one is kept; ingestion uses
 * only the birth year, which the two readings share.
 */
export function parseBirthDate(v: unknown): Parsed<Date> {
  if (isBlank(v) || isMissingMarker(v)) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? { problem: 'invalid birth date' } : v;
  if (typeof v === 'string') {
    const t = v.trim();
    let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
    if (m) {
      const [a, b, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
      return a > 12 ? validDate(y, b, a) : validDate(y, a, b);
    }
    m = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
    if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  if (typeof v === 'number' && v > 0 && v < 80_000) {
    // A raw Excel serial (CSV exported without formatting); 1900 leap-year bug: serials ≥ 60 are one day off.
    return new Date(Date.UTC(1899, 11, 31) + (v >= 60 ? v - 1 : v) * 86_400_000);
  }
  return { problem: 'birth date is not a date' };
}

function validDate(y: number, m: number, d: number): Parsed<Date> {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { problem: 'birth date is not a valid calendar date' };
  }
  return date;
}

/** Fase: "ALFA" = 0, "FASE 3", "3", 9, and 2024's class codes like "7E" (digit = fase). */
export function parseFase(v: unknown): Parsed<number> {
  if (isBlank(v)) return null;
  if (v instanceof Date) v = dateCodedNumber(v) ?? v;
  if (typeof v === 'number') {
    return Number.isInteger(v) ? v : { problem: `fase ${v} is not a whole number` };
  }
  if (typeof v !== 'string') return { problem: `${show(v)} is not a fase (expected ALFA, FASE n, n or nX)` };
  const t = normaliseHeader(v);
  if (/^alfa\b/.test(t)) return 0;
  const m = /^(?:fase ?)?(\d)(?:[a-z]\b|\b)/.exec(t);
  if (m) return Number(m[1]);
  return { problem: `${show(v)} is not a fase (expected ALFA, FASE n, n or nX)` };
}

/** Fase ideal: "ALFA  (2º e 3º ano)" = 0, "Fase 8 (Universitários)" = 8. */
export function parseFaseIdeal(v: unknown): Parsed<number> {
  if (isBlank(v)) return null;
  if (v instanceof Date) v = dateCodedNumber(v) ?? v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : { problem: `fase ideal ${v} is not whole` };
  const t = normaliseHeader(v);
  if (/^alfa\b/.test(t)) return 0;
  const m = /^(?:fase )?(\d)\b/.exec(t);
  if (m) return Number(m[1]);
  return { problem: `${show(v)} is not a fase ideal (expected ALFA… or Fase n…)` };
}

const GENERO_MAP: Record<string, Genero> = {
  menina: 'feminino',
  feminino: 'feminino',
  f: 'feminino',
  fem: 'feminino',
  mulher: 'feminino',
  female: 'feminino',
  menino: 'masculino',
  masculino: 'masculino',
  m: 'masculino',
  masc: 'masculino',
  homem: 'masculino',
  male: 'masculino',
};

/** Gender: Menina/Menino (2022) and Feminino/Masculino (2023+). */
export function parseGenero(v: unknown): Parsed<Genero> {
  if (isBlank(v) || isMissingMarker(v)) return null;
  const g = GENERO_MAP[normaliseHeader(v)];
  return g ?? { problem: `${show(v)} is not a known gênero (Feminino/Masculino, Menina/Menino, F/M)` };
}

/**
 * School type (see INSTITUICOES in src/core/student.ts). Unrecognised non-empty text becomes `outro`
 * and is counted in the data card, so a new spelling is visible without losing the row.
 */
export function parseInstituicao(v: unknown): Parsed<{ value: Instituicao; recognised: boolean }> {
  if (isBlank(v) || isMissingMarker(v)) return null;
  const t = normaliseHeader(v);
  const r = (value: Instituicao, recognised = true) => ({ value, recognised });
  if (/\bpublica\b/.test(t)) return r('publica');
  if (/\brede decisao\b|\bjp ii\b/.test(t)) return r('privada_bolsa');
  if (/^privada\b/.test(t)) {
    return /apadrinhamento|bolsa|parceir/.test(t) ? r('privada_bolsa') : r('privada');
  }
  if (/concluiu|formad|universitari/.test(t)) return r('concluiu_em');
  if (/nenhuma/.test(t)) return r('outro');
  return r('outro', false);
}
