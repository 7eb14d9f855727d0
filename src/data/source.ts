/**
 * Reading a PEDE source into raw yearly tables: an .xlsx workbook (sheets named PEDE<YYYY>) or a
 * directory of per-year CSV files (PEDE2023.csv, ...). No interpretation of cells happens here beyond
 * what the file format gives; every failure becomes one clear AppError.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import readExcelFile from 'read-excel-file/node';
import { CORE_ERRORS } from '../core/core-errors.js';
import { AppError } from '../core/error-base.js';
import { normaliseHeader } from './columns.js';
import { DATA_ERRORS } from './errors.js';

export interface RawSheet {
  /** Sheet name (or CSV file name) as found. */
  readonly name: string;
  readonly year: number;
  /** Header row first; cells as read (number, string, Date, boolean or null). */
  readonly rows: readonly (readonly unknown[])[];
}

export interface RawSource {
  readonly kind: 'xlsx' | 'csv';
  readonly path: string;
  /** sha256 of the workbook file, or of the sorted CSV names and contents. */
  readonly sha256: string;
  readonly sheets: RawSheet[];
  /** Sheets or files that are not yearly data (e.g. `dicionario`). */
  readonly otherSheets: string[];
  /** True when the source carries the marker written by `defasagem synth`. */
  readonly synthetic: boolean;
}

/** The text `synth` writes into its notice sheet; ingestion looks for it to flag synthetic data. */
export const SYNTHETIC_MARKER = 'DADOS SINTÉTICOS';
export const SYNTHETIC_SHEET = 'LEIA-ME';

/** `PEDE2024`, `pede 2025`, `PEDE_2023.csv` → year; anything else → null. */
export function yearOfSheetName(name: string): number | null {
  const m = /^pede ?(20\d\d)$/.exec(normaliseHeader(name.replace(/\.csv$/i, '')));
  return m ? Number(m[1]) : null;
}

/** Reads a workbook file or a CSV directory. */
export async function readSource(source: string): Promise<RawSource> {
  const stat = statOrThrow(source);
  if (stat.isDirectory()) return readCsvDir(source);
  return readWorkbook(source);
}

function statOrThrow(p: string) {
  try {
    return statSync(p);
  } catch (err) {
    throw sourceFsError(err, p);
  }
}

/** Maps a filesystem error on the source to the AppError a user should see. */
export function sourceFsError(err: unknown, p: string): AppError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') {
    return new AppError(CORE_ERRORS.FILE_NOT_FOUND, `Source not found: ${p}`, { path: p });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EBUSY') {
    return new AppError(DATA_ERRORS.SOURCE_LOCKED, `Cannot open ${p}: ${code}.`, { path: p, code });
  }
  return new AppError(CORE_ERRORS.IO_FAILED, `Cannot read ${p}: ${(err as Error)?.message}`, { path: p });
}

/** Reads every sheet of an .xlsx workbook; yearly sheets are those named PEDE<YYYY>. */
export async function readWorkbook(file: string): Promise<RawSource> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException)?.code === 'EISDIR') return readCsvDir(file);
    throw sourceFsError(err, file);
  }
  return readWorkbookBytes(bytes, file);
}

/**
 * The same from bytes already in memory (an upload, never written to disk); `file` names them in
 * messages and in `path`.
 */
export async function readWorkbookBytes(bytes: Buffer, file: string): Promise<RawSource> {
  if (bytes.length === 0) {
    throw new AppError(DATA_ERRORS.SOURCE_EMPTY, `${file} is empty (0 bytes).`, { path: file });
  }
  // OLE2 compound file: a password-protected .xlsx or a legacy .xls.
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) {
    throw new AppError(
      DATA_ERRORS.SOURCE_UNREADABLE,
      `${file} is password-protected or in the old .xls format; save it as a plain .xlsx workbook.`,
      { path: file },
    );
  }
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const hint = /\.csv$/i.test(file)
      ? ' For CSV input pass the directory that holds the per-year files.'
      : '';
    throw new AppError(DATA_ERRORS.SOURCE_UNREADABLE, `${file} is not an .xlsx workbook.${hint}`, {
      path: file,
    });
  }
  let sheets: { sheet: string; data: unknown[][] }[];
  try {
    sheets = (await readExcelFile(bytes)) as { sheet: string; data: unknown[][] }[];
  } catch (err) {
    throw new AppError(
      DATA_ERRORS.SOURCE_UNREADABLE,
      `${file} could not be read as a workbook (${(err as Error)?.message ?? 'unknown reason'}); it may be corrupt or truncated.`,
      { path: file },
    );
  }
  const yearly: RawSheet[] = [];
  const other: string[] = [];
  let synthetic = false;
  for (const s of sheets) {
    const year = yearOfSheetName(s.sheet);
    if (year !== null) yearly.push({ name: s.sheet, year, rows: s.data });
    else {
      other.push(s.sheet);
      if (s.data.some((r) => r.some((c) => typeof c === 'string' && c.includes(SYNTHETIC_MARKER)))) {
        synthetic = true;
      }
    }
  }
  return finish({
    kind: 'xlsx',
    path: file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sheets: yearly,
    otherSheets: other,
    synthetic,
  });
}

/**
 * CSV text: UTF-8 (with or without BOM) when the bytes are valid UTF-8, else Windows-1252, the
 * encoding Excel in Portuguese uses for "CSV (separado por vírgulas)". Decoding such a file as UTF-8
 * would turn `Gênero` into `G�nero` and fail with a misleading "column missing".
 */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}

/**
 * Excel's error values as "Save as CSV" writes them (`#DIV/0!` where the INDE formula had no input).
 * In an .xlsx they are error cells that read as empty, so in a CSV they must read as empty too.
 */
const EXCEL_ERRORS = new Set([
  '#DIV/0!',
  '#N/A',
  '#NAME?',
  '#NULL!',
  '#NUM!',
  '#REF!',
  '#VALUE!',
  '#SPILL!',
  '#CALC!',
]);

export function isExcelError(cell: string): boolean {
  return EXCEL_ERRORS.has(cell.toUpperCase());
}

/** Reads PEDE<YYYY>.csv files from a directory (comma or semicolon separated, UTF-8, optional BOM). */
export function readCsvDir(dir: string): RawSource {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw sourceFsError(err, dir);
  }
  if (names.length === 0) {
    throw new AppError(DATA_ERRORS.SOURCE_EMPTY, `Directory ${dir} is empty.`, { path: dir });
  }
  const hash = createHash('sha256');
  const yearly: RawSheet[] = [];
  const other: string[] = [];
  let synthetic = false;
  for (const name of names) {
    const full = path.join(dir, name);
    const year = /\.csv$/i.test(name) ? yearOfSheetName(name) : null;
    if (year === null) {
      other.push(name);
      if (/^synthetic|sintetico/i.test(name)) synthetic = true;
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(full);
    } catch (err) {
      throw sourceFsError(err, full);
    }
    hash.update(name).update('\0').update(bytes);
    yearly.push(csvSheet(name, year, bytes, full));
  }
  return finish({
    kind: 'csv',
    path: dir,
    sha256: hash.digest('hex'),
    sheets: yearly,
    otherSheets: other,
    synthetic,
  });
}

/**
 * One yearly CSV file's bytes as a raw sheet (comma or semicolon separated, UTF-8 with or without BOM,
 * or Windows-1252); `file` names it in messages and in `path`.
 */
export function csvSheet(name: string, year: number, bytes: Uint8Array, file: string): RawSheet {
  const text = decodeCsv(bytes);
  if (text.trim() === '') {
    throw new AppError(DATA_ERRORS.SOURCE_EMPTY, `${file} is empty.`, { path: file });
  }
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let rows: string[][];
  try {
    rows = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false, trim: true });
  } catch (err) {
    throw new AppError(
      DATA_ERRORS.SOURCE_UNREADABLE,
      // csv-parse messages quote cell text; only its code and line number are safe to show.
      `${file} is not valid CSV (${(err as { code?: string }).code ?? 'parse error'} near line ${(err as { lines?: number }).lines ?? '?'}).`,
      { path: file },
    );
  }
  // Empty CSV cells and Excel error values are null, as read-excel-file gives them for the workbook.
  return { name, year, rows: rows.map((r) => r.map((c) => (c === '' || isExcelError(c) ? null : c))) };
}

/** One yearly CSV file (already in memory, or read by the caller) as a source of one sheet. */
export function readCsvBytes(name: string, year: number, bytes: Uint8Array, file: string): RawSource {
  return finish({
    kind: 'csv',
    path: file,
    sha256: createHash('sha256').update(name).update('\0').update(bytes).digest('hex'),
    sheets: [csvSheet(name, year, bytes, file)],
    otherSheets: [],
    synthetic: false,
  });
}

function finish(src: RawSource): RawSource {
  if (src.sheets.length === 0) {
    const found = src.otherSheets.length ? src.otherSheets.join(', ') : 'nothing';
    const workbook = src.kind === 'csv' ? src.otherSheets.find((n) => /\.xlsx$/i.test(n)) : undefined;
    const workbookHint = workbook
      ? ` To read the workbook, pass the file itself: --source ${path.join(src.path, workbook)}`
      : '';
    throw new AppError(
      DATA_ERRORS.NOT_PEDE,
      `${src.path} has no yearly ${src.kind === 'xlsx' ? 'sheet' : 'CSV file'} named PEDE<YYYY> (found: ${found}).${workbookHint}`,
      { path: src.path, found: src.otherSheets },
    );
  }
  const years = src.sheets.map((s) => s.year);
  const dup = years.find((y, i) => years.indexOf(y) !== i);
  if (dup !== undefined) {
    throw new AppError(DATA_ERRORS.NOT_PEDE, `${src.path} has two yearly tables for ${dup}; keep one.`, {
      path: src.path,
      year: dup,
    });
  }
  src.sheets.sort((a, b) => a.year - b.year);
  return src;
}
