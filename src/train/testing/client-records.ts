/**
 * Test helper: the 2023 students of the real workbook as an API client would send them, read straight
 * from the workbook with read-excel-file and a hand-written column mapping — on purpose NOT through
 * src/data (its readers, normalisation, synonyms or age parsing), so the check that uses it cannot
 * share ingest's mistakes. Each record comes with the student's outcome in 2024 (defasagem < 0) when
 * the student is in the 2024 sheet with a defasagem.
 *
 * Ages: 399 ages of the 2023 sheet are Excel date cells whose serial number is the age. read-excel-file
 * returns serial s as 1899-12-30 + s days (it applies the 1900 leap-year rule to every date), so the age
 * is the number of days since 1899-12-30. Every age is checked against the birth date ("6/17/2015"):
 * a true age is year − birth year or one less.
 */
import { readFileSync } from 'node:fs';
import readExcelFile from 'read-excel-file/node';
import type { StudentRecord } from '../../core/student.js';

export interface ClientStudent {
  /** The request body: the student contract, as a client would fill it (no name, no RA). */
  body: StudentRecord;
  /** 1 when the student is behind in 2024; null when not followed into 2024. */
  outcome2024: 0 | 1 | null;
  /** idade − (2023 − birth year): 0 or −1 for a true age. */
  ageVsBirth: number;
}

type Row = unknown[];

const DAY_MS = 86_400_000;

function column(header: Row, name: string): number {
  const j = header.findIndex((h) => typeof h === 'string' && h.trim() === name);
  if (j < 0) throw new Error(`column "${name}" not in the sheet`);
  return j;
}

function ageOf(v: unknown): number {
  if (v instanceof Date) return Math.round((v.getTime() - Date.UTC(1899, 11, 30)) / DAY_MS);
  if (typeof v === 'number') return v;
  throw new Error(`age cell ${String(v)} is neither a number nor a date`);
}

function birthYearOf(v: unknown): number {
  if (v instanceof Date) return v.getUTCFullYear();
  const m = /^\s*\d{1,2}\/\d{1,2}\/(\d{4})\s*$/.exec(String(v));
  if (!m) throw new Error(`birth date cell ${String(v)} is not m/d/yyyy`);
  return Number(m[1]);
}

/** A 0–10 indicator: Excel errors (#N/A, #DIV/0!) and blanks are missing; rounding noise ≤ 0.05 clamped. */
function indicator(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  if (v > 10 && v <= 10.05) return 10;
  if (v < 0 && v >= -0.05) return 0;
  return v;
}

function faseOf(v: unknown): number {
  const s = String(v).trim().toUpperCase();
  if (s === 'ALFA') return 0;
  const m = /^FASE (\d)$/.exec(s);
  if (!m) throw new Error(`fase cell ${String(v)} is not ALFA or FASE n`);
  return Number(m[1]);
}

const GENERO: Record<string, StudentRecord['genero']> = { Feminino: 'feminino', Masculino: 'masculino' };

/** The 2023 spellings of the school type, mapped by hand to the contract's categories. */
const INSTITUICAO: Record<string, StudentRecord['instituicao']> = {
  Pública: 'publica',
  Privada: 'privada',
  'Privada - Programa de Apadrinhamento': 'privada_bolsa',
  'Privada - Programa de apadrinhamento': 'privada_bolsa',
  'Privada *Parcerias com Bolsa 100%': 'privada_bolsa',
  'Privada - Pagamento por *Empresa Parceira': 'privada_bolsa',
  'Concluiu o 3º EM': 'concluiu_em',
  'Nenhuma das opções acima': 'outro',
};

function mapped<T>(table: Record<string, T>, v: unknown, what: string): T {
  const key = String(v).trim();
  if (!(key in table)) throw new Error(`${what} "${key}" has no hand mapping`);
  return table[key]!;
}

/** Every student of the 2023 sheet as a client request, with the 2024 outcome where known. */
export async function clientStudents2023(xlsx: string): Promise<ClientStudent[]> {
  const sheets = (await readExcelFile(readFileSync(xlsx))) as Array<{ sheet: string; data: Row[] }>;
  const sheet = (name: string) => {
    const s = sheets.find((x) => x.sheet === name);
    if (!s) throw new Error(`sheet ${name} missing`);
    return s.data;
  };
  const [h24, ...rows24] = sheet('PEDE2024');
  const ra24 = column(h24!, 'RA');
  const def24 = column(h24!, 'Defasagem');
  const outcome = new Map<string, number | null>(
    rows24.map((r) => [String(r[ra24]), typeof r[def24] === 'number' ? (r[def24] as number) : null]),
  );
  const [h, ...rows] = sheet('PEDE2023');
  const c = (name: string) => column(h!, name);
  const col = {
    ra: c('RA'),
    fase: c('Fase'),
    idade: c('Idade'),
    nasc: c('Data de Nasc'),
    genero: c('Gênero'),
    ingresso: c('Ano ingresso'),
    instituicao: c('Instituição de ensino'),
    ian: c('IAN'),
    ida: c('IDA'),
    ieg: c('IEG'),
    iaa: c('IAA'),
    ips: c('IPS'),
    ipp: c('IPP'),
    ipv: c('IPV'),
    inde: c('INDE 2023'),
    defasagem: c('Defasagem'),
  };
  return rows
    .filter((r) => r[col.ra] !== null && r[col.ra] !== undefined)
    .map((r) => {
      const idade = ageOf(r[col.idade]);
      const later = outcome.get(String(r[col.ra]));
      return {
        body: {
          ano_base: 2023,
          fase: faseOf(r[col.fase]),
          idade,
          genero: mapped(GENERO, r[col.genero], 'gender'),
          instituicao: mapped(INSTITUICAO, r[col.instituicao], 'school type'),
          ano_ingresso: r[col.ingresso] as number,
          ian: indicator(r[col.ian]),
          ida: indicator(r[col.ida]),
          ieg: indicator(r[col.ieg]),
          iaa: indicator(r[col.iaa]),
          ips: indicator(r[col.ips]),
          ipp: indicator(r[col.ipp]),
          ipv: indicator(r[col.ipv]),
          inde: indicator(r[col.inde]),
          defasagem: r[col.defasagem] as number,
        },
        outcome2024: later === undefined || later === null ? null : later < 0 ? 1 : 0,
        ageVsBirth: idade - (2023 - birthYearOf(r[col.nasc])),
      };
    });
}
