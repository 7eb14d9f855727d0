import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { AppError } from '../../core/error-base.js';
import { SYNTHETIC_SHEET } from '../source.js';
import { generateSyntheticWorkbook } from '../synth.js';

const created: string[] = [];
// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tmpDir(prefix = 'defasagem-data-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export type Cell = string | number | null;
/** A cell for writeXlsx: a value, or a number with a display format (a serial shown as a date, as PEDE2023 stores ages). */
export type XlsxCell = Cell | { value: number; type: NumberConstructor; format: string };

/** Writes an .xlsx with the given sheets and returns its path. */
export async function writeXlsx(dir: string, name: string, sheets: { sheet: string; data: XlsxCell[][] }[]) {
  const file = path.join(dir, name);
  writeFileSync(file, await writeExcelFile(sheets as never).toBuffer());
  return file;
}

/** Runs `fn` and returns the AppError it throws (fails the test on anything else). */
export async function appErrorOf(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw new Error(`expected an AppError, got: ${(err as Error)?.stack ?? err}`);
  }
  throw new Error('expected an AppError, but nothing was thrown');
}

/** The PEDE2023 header row, as in the real workbook (only the columns ingestion reads, plus quirks). */
export const HEADERS_2023 = [
  'RA',
  'Fase',
  'INDE 2023',
  'Nome Anonimizado',
  'Data de Nasc',
  'Idade',
  'Gênero',
  'Ano ingresso',
  'Instituição de ensino',
  'INDE 22',
  'INDE 23',
  'IAA',
  'IEG',
  'IPS',
  'IPP',
  'IDA',
  'IPV',
  'IAN',
  'Fase Ideal',
  'Defasagem',
  'Destaque IPV',
  'Destaque IPV',
];

/** One valid PEDE2023-style row for student `n` (fake identifiers). */
export function row2023<C extends XlsxCell = Cell>(
  n: number,
  over: Partial<Record<string, C>> = {},
): (Cell | C)[] {
  const base: Record<string, Cell> = {
    RA: `RA-${n}`,
    Fase: 'FASE 2',
    'INDE 2023': 7.1,
    'Nome Anonimizado': `Aluno-${n}`,
    'Data de Nasc': '6/17/2012',
    Idade: 11,
    Gênero: n % 2 ? 'Feminino' : 'Masculino',
    'Ano ingresso': 2020,
    'Instituição de ensino': 'Pública',
    'INDE 22': 6.5,
    'INDE 23': null,
    IAA: 8,
    IEG: 7.5,
    IPS: 7,
    IPP: 6.8,
    IDA: 6.2,
    IPV: 7.3,
    IAN: 10,
    'Fase Ideal': 'Fase 2 (5° e 6° ano)',
    Defasagem: 0,
    'Destaque IPV': null,
  };
  const merged = { ...base, ...over };
  return HEADERS_2023.map((h) => merged[h] ?? null);
}

/**
 * The calendar date Excel shows for a date cell, given the Date that write-excel-file was handed or
 * read-excel-file returned: both libraries map serial n to 1899-12-30 + n days. Excel counts a
 * fictitious 1900-02-29 (serial 60), so below serial 61 it shows one day later than that: serial 8 is
 * 1900-01-08 on screen and in "Save as CSV". Used to simulate a CSV export of a workbook.
 */
export function excelShownDate(d: Date): Date {
  const serial = Math.round((d.getTime() - Date.UTC(1899, 11, 30)) / 86_400_000);
  return serial < 61 ? new Date(Date.UTC(1899, 11, 31) + serial * 86_400_000) : d;
}

/**
 * A workbook with the synthetic generator's students but without its "DADOS SINTÉTICOS" notice sheet,
 * so ingest takes it for real data: it stands in for the real PEDE workbook in tests about what happens
 * to a real workbook (not about the numbers a model learns from it). Returns its path.
 */
export async function writeUnmarkedWorkbook(
  dir: string,
  name: string,
  opts: { students: number; years: number[]; seed: number },
): Promise<string> {
  const sheets = generateSyntheticWorkbook(opts).sheets.filter((s) => s.sheet !== SYNTHETIC_SHEET);
  return writeXlsx(dir, name, sheets as { sheet: string; data: XlsxCell[][] }[]);
}
