/**
 * A cohort to score: one year of a PEDE source read with ingest's own readers and data contract. Rows
 * that break the contract are reported as rejects (sheet, row, column, reason: never a name or an RA)
 * and left out; every other student is kept, missing indicators and all. Besides the student record
 * the cohort keeps what a coordinator needs to find each student in their own file (RA, turma, the
 * row number) and, only when asked, the name. The record itself never carries RA or name.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/error-base.js';
import { STUDENT_FIELD_NAMES, type StudentRecord } from '../core/student.js';
import { isBlank, mapColumns, normaliseHeader } from '../data/columns.js';
import { readStudentTable } from '../data/modeling-dataset.js';
import { type NormalisedRecord, normaliseSheets, type Reject } from '../data/normalise.js';
import {
  type RawSheet,
  type RawSource,
  readCsvBytes,
  readCsvDir,
  readWorkbookBytes,
  sourceFsError,
  yearOfSheetName,
} from '../data/source.js';
import { SCORE_ERRORS } from './errors.js';

export interface CohortStudent {
  /** What the model sees: no RA, no name. */
  readonly record: StudentRecord;
  /** The student's RA as in their file; null when the input has none (the modelling dataset). */
  readonly ra: string | null;
  readonly turma: string | null;
  /** Only read with `includeNames`; null otherwise. */
  readonly nome: string | null;
  /** Row number in the sheet as Excel shows it (header = 1) or line of the CSV; null for parquet. */
  readonly sourceRow: number | null;
}

export type CohortSourceKind = 'xlsx' | 'csv' | 'interim' | 'modeling';

export interface Cohort {
  readonly year: number;
  /** The sheet, CSV file or parquet table the students come from. */
  readonly sheet: string;
  readonly sourceKind: CohortSourceKind;
  /** Years the input holds (the default is the latest). */
  readonly years: number[];
  /** True when the input carries the marker `defasagem synth` writes. */
  readonly synthetic: boolean;
  readonly students: CohortStudent[];
  /** Contract violations of the chosen year, one per problem (a row may have several). */
  readonly rejects: Reject[];
  /** Rows of the chosen year rejected (each with at least one entry in `rejects`). */
  readonly rowsRejected: number;
}

export interface CohortOptions {
  /** Year to score; default: the latest in the input. */
  year?: number;
  /** Read the students' names too (for the coordinator's own list); default false. */
  includeNames?: boolean;
}

/** An upload: bytes in memory, the client's file name and content type (for telling CSV from xlsx). */
export interface Upload {
  bytes: Buffer;
  filename?: string | undefined;
  mimetype?: string | undefined;
}

const PK = [0x50, 0x4b];
const PAR1 = Buffer.from('PAR1');
const OLE2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
const startsWith = (b: Buffer, sig: ArrayLike<number>) =>
  b.length >= sig.length && Array.from(sig).every((x, i) => b[i] === x);

const unsupported = (what: string, label: string) =>
  new AppError(SCORE_ERRORS.INPUT_UNSUPPORTED, `${label} is ${what}.`, { path: label });

/** A file or directory given to `defasagem score --input`. */
export async function readCohortFile(input: string, opts: CohortOptions = {}): Promise<Cohort> {
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch (err) {
    throw sourceFsError(err, input);
  }
  if (isDir) return cohortOfSource(readCsvDir(input), opts);
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (err) {
    throw sourceFsError(err, input);
  }
  if (startsWith(bytes, PAR1)) return cohortOfTable(input, opts);
  return cohortOfBytes({ bytes, filename: path.basename(input) }, input, opts);
}

/**
 * The total unpacked size an .xlsx (a zip) declares in its central directory; null when the bytes
 * have no readable directory (the workbook reader then says what is wrong). A ZIP64 entry counts as
 * unbounded. Checked before an upload is unpacked, so a small "zip bomb" cannot fill the memory.
 */
export function zipUnpackedSize(b: Buffer): number | null {
  const min = Math.max(0, b.length - 65_557);
  let eocd = -1;
  for (let i = b.length - 22; i >= min; i--) {
    if (b.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const entries = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  let total = 0;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== 0x02014b50) return null;
    const size = b.readUInt32LE(p + 24);
    if (size === 0xffffffff) return Number.POSITIVE_INFINITY;
    total += size;
    p += 46 + b.readUInt16LE(p + 28) + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
  }
  return total;
}

/** Most bytes an uploaded workbook may unpack to (the real three-year workbook unpacks to 5 MB). */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/**
 * An upload (POST /score): a workbook or one CSV file, read from memory (never written to disk). It is
 * named "the uploaded file" in every message: the client's file name could itself be personal.
 */
export async function readCohortUpload(upload: Upload, opts: CohortOptions = {}): Promise<Cohort> {
  const unpacked = startsWith(upload.bytes, PK) ? zipUnpackedSize(upload.bytes) : null;
  if (unpacked !== null && unpacked > MAX_UNPACKED_BYTES) {
    throw new AppError(
      SCORE_ERRORS.UPLOAD_TOO_LARGE,
      `The uploaded workbook unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB; upload only the sheet to score.`,
      { rule: 'unpacked_size', limit: MAX_UNPACKED_BYTES },
    );
  }
  return cohortOfBytes(upload, 'the uploaded file', opts);
}

async function cohortOfBytes(upload: Upload, label: string, opts: CohortOptions): Promise<Cohort> {
  const { bytes, filename } = upload;
  const xlsxByName = /\.xlsx?$/i.test(filename ?? '');
  if (bytes.length === 0 || startsWith(bytes, PK) || startsWith(bytes, OLE2) || xlsxByName) {
    // readWorkbookBytes explains an empty file, a password-protected or .xls one, and a corrupt one.
    return cohortOfSource(await readWorkbookBytes(bytes, label), opts);
  }
  const csvByName = /\.csv$/i.test(filename ?? '') || /^text\/(csv|plain)\b/i.test(upload.mimetype ?? '');
  if (!csvByName) {
    throw unsupported(
      `not an .xlsx workbook nor a .csv file${startsWith(bytes, PAR1) ? ' (parquet tables are read by the CLI only)' : ''}`,
      label,
    );
  }
  // Text has no NUL bytes; a binary file named .csv is refused here rather than parsed into garbage.
  if (bytes.subarray(0, 4096).includes(0)) throw unsupported('binary, not CSV text', label);
  const fromName = filename ? yearOfSheetName(filename) : null;
  const year = fromName ?? opts.year;
  if (year === undefined) {
    throw new AppError(
      SCORE_ERRORS.YEAR_UNKNOWN,
      `The year of ${label} cannot be told from its name; name it PEDE<YYYY>.csv or give the year.`,
      { path: label },
    );
  }
  return cohortOfSource(readCsvBytes(`PEDE${year}.csv`, year, bytes, label), opts);
}

/** The yearly sheet to score: the requested year, or the latest. */
function pickSheet(src: RawSource, year: number | undefined): RawSheet {
  const sheet =
    year === undefined ? src.sheets[src.sheets.length - 1]! : src.sheets.find((s) => s.year === year);
  if (!sheet)
    throw yearNotFound(
      year!,
      src.sheets.map((s) => s.year),
      src.path,
    );
  return sheet;
}

function yearNotFound(year: number, years: number[], where: string): AppError {
  return new AppError(
    SCORE_ERRORS.YEAR_NOT_FOUND,
    `${where} has no data for ${year} (years found: ${years.join(', ') || 'none'}).`,
    { year, years },
  );
}

/**
 * The header row normalise chose: the first of the first ten rows that holds every header the
 * mapping names (normalise picks the row naming the most known fields).
 */
function headerRowOf(sheet: RawSheet, headers: readonly string[]): number {
  for (let i = 0; i < Math.min(10, sheet.rows.length); i++) {
    const texts = new Set(sheet.rows[i]!.map((c) => (c === null || c === undefined ? '' : String(c))));
    if (headers.every((h) => texts.has(h))) return i;
  }
  return 0;
}

const text = (v: unknown): string | null => (isBlank(v) ? null : String(v).trim());

function withoutRa(r: NormalisedRecord): StudentRecord {
  const out: Record<string, unknown> = {};
  for (const f of STUDENT_FIELD_NAMES) out[f] = r[f];
  return out as unknown as StudentRecord;
}

/** One year of a workbook or CSV source through the data contract. */
function cohortOfSource(src: RawSource, opts: CohortOptions): Cohort {
  const sheet = pickSheet(src, opts.year);
  // Only the chosen sheet goes through the contract: a broken older sheet does not block this year.
  const { years, rejects } = normaliseSheets([sheet]);
  const y = years[0]!;
  const h = headerRowOf(sheet, Object.values(y.mapping) as string[]);
  const header = sheet.rows[h] ?? [];
  const turmaCol = header.findIndex((c) => normaliseHeader(c) === 'turma');
  const nomeCol = opts.includeNames
    ? (mapColumns(header, sheet.rows.slice(h + 1), sheet.year).index.nome ?? -1)
    : -1;
  const students = y.records.map((r, i): CohortStudent => {
    const row = sheet.rows[y.sourceRows[i]! - 1] ?? [];
    return {
      record: withoutRa(r),
      ra: r.ra,
      turma: turmaCol >= 0 ? text(row[turmaCol]) : null,
      nome: nomeCol >= 0 ? text(row[nomeCol]) : null,
      sourceRow: y.sourceRows[i]!,
    };
  });
  return nonEmpty({
    year: sheet.year,
    sheet: sheet.name,
    sourceKind: src.kind,
    years: src.sheets.map((s) => s.year),
    synthetic: src.synthetic,
    students,
    rejects,
    rowsRejected: y.rowsRejected,
  });
}

/** A cohort with nobody to score is an error that says why (every row rejected, or none at all). */
function nonEmpty(c: Cohort): Cohort {
  if (c.students.length > 0) return c;
  throw new AppError(
    SCORE_ERRORS.NO_STUDENTS,
    c.rowsRejected > 0
      ? `${c.sheet}: all ${c.rowsRejected} rows of ${c.year} break the data contract (first: row ${c.rejects[0]?.row}, ${c.rejects[0]?.column}: ${c.rejects[0]?.reason}).`
      : `${c.sheet} has no student rows for ${c.year}.`,
    { year: c.year, rows_rejected: c.rowsRejected, rejects: c.rejects.slice(0, 20) },
  );
}

/**
 * A parquet table written by ingest: an interim yearly table (RA kept) or the modelling dataset (no
 * RA: rows are transitions of year t, scored as students of year t). The contract was applied at
 * ingest; the reader checks it again and refuses a file that breaks it (a hand-edited table).
 */
async function cohortOfTable(file: string, opts: CohortOptions): Promise<Cohort> {
  const t = await readStudentTable(file, 'auto');
  const yearOf = (r: Record<string, unknown>) => r.ano_base as number | null;
  const years = [...new Set(t.rows.map(yearOf).filter((v): v is number => v !== null))].sort((a, b) => a - b);
  const year = opts.year ?? years[years.length - 1];
  if (year === undefined || !years.includes(year)) throw yearNotFound(year ?? Number.NaN, years, file);
  const students = t.rows
    .filter((r) => yearOf(r) === year)
    .map(
      (r): CohortStudent => ({
        record: withoutRa(r as unknown as NormalisedRecord),
        ra: t.kind === 'interim' ? String(r.ra).trim() : null,
        turma: null,
        nome: null,
        sourceRow: null,
      }),
    );
  return {
    year,
    sheet: path.basename(file),
    sourceKind: t.kind,
    years,
    synthetic: t.synthetic,
    students,
    rejects: [],
    rowsRejected: 0,
  };
}
