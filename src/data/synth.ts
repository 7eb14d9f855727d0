/**
 * A deterministic synthetic PEDE workbook, so the product runs, demos and tests with no real data.
 *
 * Shape: the same sheet names and per-year header quirks as the real workbook (`Defas` and `Idade 22`
 * in 2022, Excel-date ages and text birth dates in 2023, `Fase` forms "0"/"FASE 3"/"7E"/9, duplicated
 * headers, an empty `INDE 23` next to `INDE 2023`, `INCLUIR` markers, a `dicionario` sheet).
 *
 * Content: fake students ("Aluno-N", "RA-N") followed across years. Each has a latent ability and
 * engagement that drive the indicators; the school grade they reach advances each year with a
 * probability that rises with IDA, IEG and IPV, so next year's lag is learnable from this year's
 * indicators and lag, with a base rate near the real one. A LEIA-ME sheet says the data is synthetic.
 */
import path from 'node:path';
import writeExcelFile from 'write-excel-file/node';
import { CORE_ERRORS } from '../core/core-errors.js';
import { writeFileDurable } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { DATA_ERRORS } from './errors.js';
import { SYNTHETIC_MARKER, SYNTHETIC_SHEET } from './source.js';

export interface SynthOptions {
  /** Students in the first year; later years keep most of them and add newcomers. */
  students: number;
  years: number[];
  seed: number;
}

type DateCell = { value: Date; type: DateConstructor; format: string };
export type SynthCell = string | number | null | DateCell;

export interface SynthSheet {
  sheet: string;
  data: SynthCell[][];
}

export interface SynthWorkbook {
  sheets: SynthSheet[];
  seed: number;
}

/** mulberry32: small, fast, good enough for simulation, and identical on every platform. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** "2022-2024" → [2022, 2023, 2024]; "2022,2024" → [2022, 2024]. */
export function parseYears(text: string): number[] {
  const t = text.trim();
  let years: number[];
  const range = /^(\d{4})\s*-\s*(\d{4})$/.exec(t);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    years = a <= b ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : [];
  } else {
    years = t.split(',').map((s) => (/^\s*\d{4}\s*$/.test(s) ? Number(s) : Number.NaN));
  }
  if (
    years.length === 0 ||
    years.some((y) => !Number.isInteger(y) || y < 2000 || y > 2100) ||
    years.length > 30
  ) {
    throw new AppError(
      DATA_ERRORS.SYNTH_INVALID,
      `--years "${text}" is not a range like 2022-2024 or a list of years.`,
      {
        years: text,
      },
    );
  }
  return [...new Set(years)].sort((a, b) => a - b);
}

function validate(opts: SynthOptions): void {
  if (!Number.isInteger(opts.students) || opts.students < 10 || opts.students > 100_000) {
    throw new AppError(DATA_ERRORS.SYNTH_INVALID, `--students must be a whole number from 10 to 100000.`, {
      students: opts.students,
    });
  }
  if (!Number.isInteger(opts.seed)) {
    throw new AppError(DATA_ERRORS.SYNTH_INVALID, `--seed must be a whole number.`, { seed: opts.seed });
  }
  if (!Array.isArray(opts.years) || opts.years.length === 0) {
    throw new AppError(DATA_ERRORS.SYNTH_INVALID, `At least one year is needed.`, {});
  }
}

// ---- the simulation ----------------------------------------------------------------------------

interface Student {
  id: number;
  genero: 'F' | 'M';
  birth: Date;
  entry: number;
  /** publica | privada | privada_bolsa | nenhuma — the school category, kept across years. */
  school: 'publica' | 'privada' | 'apadrinhamento' | 'parceria' | 'empresa' | 'decisao' | 'nenhuma';
  turma: string;
  ability: number;
  engagement: number;
  /** School-grade equivalent reached in the programme (1 = 1º ano). */
  grade: number;
  /** INDE per past year, for the `INDE 22` / `Pedra 22` history columns. */
  history: Map<number, number>;
}

interface Obs {
  s: Student;
  year: number;
  age: number;
  fase: number;
  faseIdeal: number;
  defasagem: number;
  ian: number;
  ida: number | null;
  ieg: number;
  iaa: number | null;
  ips: number | null;
  ipp: number | null;
  ipv: number | null;
  inde: number | null;
}

/** Fase of a school grade: ALFA = grades 1–2, Fase 1 = 3–4, Fase 2 = 5–6, Fase 3 = 7–8, then one per grade. */
export function faseOfGrade(g: number): number {
  if (g <= 2) return 0;
  if (g <= 8) return Math.ceil(g / 2) - 1;
  return Math.min(9, g - 5);
}

const clamp10 = (x: number) => Math.min(10, Math.max(0, x));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function simulate(opts: SynthOptions): Obs[][] {
  const rnd = prng(opts.seed);
  const normal = () => {
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const pick = <T>(items: readonly [T, number][]): T => {
    let x = rnd() * items.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of items) if ((x -= w) <= 0) return v;
    return items[items.length - 1]![0];
  };
  let nextId = 1;
  const newStudent = (year: number, first: boolean): Student => {
    const age = first
      ? pick<number>([
          [7, 6],
          [8, 9],
          [9, 11],
          [10, 12],
          [11, 12],
          [12, 11],
          [13, 10],
          [14, 8],
          [15, 6],
          [16, 5],
          [17, 4],
          [18, 3],
          [19, 2],
          [20, 1],
        ])
      : pick<number>([
          [7, 25],
          [8, 20],
          [9, 16],
          [10, 12],
          [11, 10],
          [12, 8],
          [13, 5],
          [14, 3],
          [15, 1],
        ]);
    const ability = normal();
    const z = 0.8 * ability + 0.8 * normal();
    const gradeLag = z > 2.2 ? -1 : z > 0.1 ? 0 : z > -0.9 ? 1 : z > -1.7 ? 2 : 3;
    const birthYear = year - age;
    const maxBack = Math.max(0, Math.min(6, age - 7));
    return {
      id: nextId++,
      genero: rnd() < 0.53 ? 'F' : 'M',
      birth: new Date(Date.UTC(birthYear, Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28))),
      entry: first ? year - Math.floor(rnd() * (maxBack + 1)) : year,
      school: pick([
        ['publica', 80],
        ['apadrinhamento', 8],
        ['decisao', 4],
        ['parceria', 3],
        ['privada', 3],
        ['empresa', 1],
        ['nenhuma', 0.3],
      ]),
      turma: String.fromCharCode(65 + Math.floor(rnd() * 10)),
      ability,
      engagement: normal(),
      grade: Math.max(1, age - 6 - gradeLag),
      history: new Map(),
    };
  };

  const observe = (s: Student, year: number): Obs => {
    const age = year - s.birth.getUTCFullYear();
    const fase = faseOfGrade(s.grade);
    const faseIdeal = Math.min(8, faseOfGrade(Math.max(1, age - 6)));
    const defasagem = fase - faseIdeal;
    const ian = defasagem >= 0 ? 10 : defasagem >= -2 ? 5 : 2.5;
    // Newcomers are often not yet evaluated (the real sheets have ~8% empty indicators).
    const evaluated = !(s.entry === year && rnd() < 0.35);
    const ind = (mean: number, sd: number) => r3(clamp10(mean + sd * normal()));
    const ida = evaluated ? ind(6 + 1.6 * s.ability, 1.0) : null;
    const ieg = ind(7.6 + 1.5 * s.engagement, 1.0);
    const iaa = evaluated ? ind(8.2 + 0.5 * s.engagement, 1.0) : null;
    const ips = evaluated ? ind(6.8 + 0.3 * s.engagement, 1.2) : null;
    const ipp = evaluated ? ind(7 + 0.5 * s.ability, 1.0) : null;
    const ipv = evaluated ? ind(7 + 0.5 * s.ability + 0.5 * s.engagement, 0.9) : null;
    const inde =
      evaluated && ida !== null && iaa !== null && ips !== null && ipp !== null && ipv !== null
        ? r3(0.1 * ian + 0.2 * ida + 0.2 * ieg + 0.1 * iaa + 0.1 * ips + 0.1 * ipp + 0.2 * ipv)
        : null;
    return { s, year, age, fase, faseIdeal, defasagem, ian, ida, ieg, iaa, ips, ipp, ipv, inde };
  };

  const out: Obs[][] = [];
  let cohort: Student[] = [];
  for (let i = 0; i < opts.years.length; i++) {
    const year = opts.years[i]!;
    if (i === 0) {
      for (let k = 0; k < opts.students; k++) cohort.push(newStudent(year, true));
    } else {
      const gap = year - opts.years[i - 1]!;
      const prev = out[i - 1]!;
      const stayed: Student[] = [];
      for (const o of prev) {
        const s = o.s;
        // Promotion: one grade a year when indicators are good; retention when IDA/IEG/IPV are low.
        for (let g = 0; g < gap; g++) {
          const score = 1.6 + 0.55 * ((o.ida ?? 6) - 6) + 0.45 * (o.ieg - 7.5) + 0.3 * ((o.ipv ?? 7) - 7);
          const p = 1 / (1 + Math.exp(-score));
          const u = rnd();
          s.grade += u < p ? (u < 0.02 * p ? 2 : 1) : 0;
        }
        if (o.inde !== null) s.history.set(o.year, o.inde);
        s.ability = 0.9 * s.ability + 0.44 * normal();
        s.engagement = 0.8 * s.engagement + 0.6 * normal();
        const pStay = 1 / (1 + Math.exp(-(1.0 + 0.5 * s.engagement)));
        if (s.grade < 15 && year - s.birth.getUTCFullYear() <= 24 && rnd() < pStay) stayed.push(s);
      }
      const newcomers = Math.round(prev.length * 0.4);
      cohort = stayed;
      for (let k = 0; k < newcomers; k++) cohort.push(newStudent(year, false));
    }
    out.push(cohort.map((s) => observe(s, year)));
  }
  return out;
}

// ---- the per-year sheet layouts -----------------------------------------------------------------

type Style = 'y2022' | 'y2023' | 'y2024';
const styleOf = (year: number): Style => (year <= 2022 ? 'y2022' : year === 2023 ? 'y2023' : 'y2024');

const FASE_IDEAL_2022 = [
  'ALFA  (2º e 3º ano)',
  'Fase 1 (4º ano)',
  'Fase 2 (5º e 6º ano)',
  'Fase 3 (7º e 8º ano)',
  'Fase 4 (9º ano)',
  'Fase 5 (1º EM)',
  'Fase 6 (2º EM)',
  'Fase 7 (3º EM)',
  'Fase 8 (Universitários)',
];
const FASE_IDEAL_LATER = [
  'ALFA (1° e 2° ano)',
  'Fase 1 (3° e 4° ano)',
  'Fase 2 (5° e 6° ano)',
  'Fase 3 (7° e 8° ano)',
  'Fase 4 (9° ano)',
  'Fase 5 (1° EM)',
  'Fase 6 (2° EM)',
  'Fase 7 (3° EM)',
  'Fase 8 (Universitários)',
];

const pedra = (inde: number | null | undefined) =>
  inde === null || inde === undefined
    ? null
    : inde < 6.1
      ? 'Quartzo'
      : inde < 7.2
        ? 'Ágata'
        : inde < 8.2
          ? 'Ametista'
          : 'Topázio';

function schoolText(o: Obs, style: Style): string {
  if (style !== 'y2022' && o.fase >= 8 && o.s.school === 'publica') {
    return style === 'y2024' ? 'Bolsista Universitário *Formado (a)' : 'Concluiu o 3º EM';
  }
  const s = o.s.school;
  if (style === 'y2022') {
    return s === 'publica' || s === 'nenhuma'
      ? 'Escola Pública'
      : s === 'empresa'
        ? 'Escola JP II'
        : 'Rede Decisão';
  }
  switch (s) {
    case 'publica':
      return 'Pública';
    case 'apadrinhamento':
      return o.s.id % 50 === 0
        ? 'Privada - Programa de apadrinhamento'
        : 'Privada - Programa de Apadrinhamento';
    case 'decisao':
    case 'parceria':
      return 'Privada *Parcerias com Bolsa 100%';
    case 'privada':
      return 'Privada';
    case 'empresa':
      return 'Privada - Pagamento por *Empresa Parceira';
    case 'nenhuma':
      return 'Nenhuma das opções acima';
  }
}

const dateCell = (d: Date): DateCell => ({ value: d, type: Date, format: 'yyyy-mm-dd' });
/**
 * A number typed into a date-formatted cell, as PEDE2023 has its ages: the cell's serial is `n`.
 * write-excel-file stores a Date as days since 1899-12-30, so serial n is 1899-12-30 + n days (Excel
 * shows serial 8 as 1900-01-08; `new Date(1900, 0, 8)` would be stored as serial 9).
 */
const dateCodedCell = (n: number): DateCell => dateCell(new Date(Date.UTC(1899, 11, 30 + n)));
const usDate = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;

function yearSheet(year: number, obs: Obs[], rnd: () => number): SynthSheet {
  const style = styleOf(year);
  const yy = String(year % 100).padStart(2, '0');
  const prevYears = [year - 2, year - 1].filter((y) => y >= 2020);
  const cols: [string, (o: Obs) => SynthCell][] = [];
  const add = (h: string, f: (o: Obs) => SynthCell) => cols.push([h, f]);
  const faseIdealText = (o: Obs) => (style === 'y2022' ? FASE_IDEAL_2022 : FASE_IDEAL_LATER)[o.faseIdeal]!;
  const genero = (o: Obs) =>
    style === 'y2022'
      ? o.s.genero === 'F'
        ? 'Menina'
        : 'Menino'
      : o.s.genero === 'F'
        ? 'Feminino'
        : 'Masculino';
  // 2023 quirks decided per row: ages typed as Excel dates go with real birth dates, the rest with text.
  const excelDateAge = new Map(obs.map((o) => [o, style === 'y2023' && rnd() < 0.4]));
  // Rounding noise above 10 seen in the real sheets (IPV 10.01 in 2023, IAA 10.002 in 2024).
  const over = (v: number | null, bump: number) => (v === 10 && rnd() < 0.5 ? 10 + bump : v);

  add('RA', (o) => `RA-${o.s.id}`);
  if (style === 'y2022') {
    add('Fase', (o) => String(o.fase));
    add('Turma', (o) => o.s.turma);
    add('Nome', (o) => `Aluno-${o.s.id}`);
    add('Ano nasc', (o) => o.s.birth.getUTCFullYear());
    add(`Idade ${yy}`, (o) => o.age);
  } else {
    add('Fase', (o) =>
      o.fase === 0
        ? 'ALFA'
        : style === 'y2023'
          ? `FASE ${o.fase}`
          : o.fase === 9
            ? 9
            : `${o.fase}${o.s.turma}`,
    );
    add(`INDE ${year}`, (o) => (style === 'y2024' && o.fase === 9 ? 'INCLUIR' : o.inde));
    add(`Pedra ${year}`, (o) => pedra(o.inde));
    add('Turma', (o) => (o.fase === 0 ? `ALFA ${o.s.turma} - G0/G1` : o.s.turma));
    add('Nome Anonimizado', (o) => `Aluno-${o.s.id}`);
    add('Data de Nasc', (o) =>
      style === 'y2023' && !excelDateAge.get(o) ? usDate(o.s.birth) : dateCell(o.s.birth),
    );
    add('Idade', (o) => (excelDateAge.get(o) ? dateCodedCell(o.age) : o.age));
  }
  add('Gênero', genero);
  add('Ano ingresso', (o) => o.s.entry);
  add('Instituição de ensino', (o) => schoolText(o, style));
  for (const y of [2020, 2021, 2022, 2023].filter((y) => y < year || (style === 'y2022' && y === year))) {
    add(`Pedra ${y % 100}`, (o) => (y === year ? pedra(o.inde) : pedra(o.s.history.get(y))));
  }
  if (style === 'y2022') add(`INDE ${yy}`, (o) => o.inde);
  else {
    for (const y of prevYears) add(`INDE ${y % 100}`, (o) => o.s.history.get(y) ?? null);
    // The real 2023 sheet has an all-empty `INDE 23` beside `INDE 2023`.
    if (style === 'y2023') add(`INDE ${yy}`, () => null);
  }
  add('Nº Av', (o) => (o.inde === null ? 2 : 3 + (o.s.id % 2)));
  add('IAA', (o) => (style === 'y2024' ? over(o.iaa, 0.002) : o.iaa));
  add('IEG', (o) => o.ieg);
  add('IPS', (o) => o.ips);
  if (style !== 'y2022') add('IPP', (o) => o.ipp);
  add('IDA', (o) => o.ida);
  add('IPV', (o) => (style === 'y2023' ? over(o.ipv, 0.01) : o.ipv));
  add('IAN', (o) => o.ian);
  add(style === 'y2022' ? 'Fase ideal' : 'Fase Ideal', faseIdealText);
  add(style === 'y2022' ? 'Defas' : 'Defasagem', (o) => o.defasagem);
  add('Destaque IEG', (o) =>
    o.ieg >= 8 ? 'Destaque: bom engajamento.' : 'Melhorar: entregar as lições de casa.',
  );
  add('Destaque IDA', (o) => (o.ida !== null && o.ida >= 7 ? 'Destaque: bom desempenho.' : null));
  add('Destaque IPV', () => null);
  if (style === 'y2023') add('Destaque IPV', () => null);
  if (style === 'y2024') {
    add('Escola', (o) => (o.s.school === 'publica' ? `EE Sintética ${o.s.turma}` : 'Colégio Sintético'));
    add('Ativo/ Inativo', () => 'Cursando');
    add('Ativo/ Inativo', () => 'Cursando');
  }
  const data: SynthCell[][] = [cols.map(([h]) => h), ...obs.map((o) => cols.map(([, f]) => f(o)))];
  // The real PEDE2022 sheet ends with one empty row.
  if (style === 'y2022') data.push(cols.map(() => null));
  return { sheet: `PEDE${year}`, data };
}

const DICTIONARY: [string, string][] = [
  ['RA', 'Registro do aluno (fictício nestes dados: RA-N)'],
  ['Fase', 'Fase no programa: ALFA, 1 a 9'],
  ['IAN', 'Indicador de Adequação de Nível'],
  ['IDA', 'Indicador de Desempenho Acadêmico'],
  ['IEG', 'Indicador de Engajamento'],
  ['IAA', 'Indicador de Autoavaliação'],
  ['IPS', 'Indicador Psicossocial'],
  ['IPP', 'Indicador Psicopedagógico'],
  ['IPV', 'Indicador de Ponto de Virada'],
  ['INDE', 'Índice do Desenvolvimento Educacional'],
  ['Defasagem', 'Fase − Fase ideal'],
];

export function generateSyntheticWorkbook(opts: SynthOptions): SynthWorkbook {
  validate(opts);
  const years = [...new Set(opts.years)].sort((a, b) => a - b);
  const perYear = simulate({ ...opts, years });
  const rnd = prng(opts.seed ^ 0x5eed);
  const notice: SynthSheet = {
    sheet: SYNTHETIC_SHEET,
    data: [
      [`${SYNTHETIC_MARKER} — synthetic data generated by \`defasagem synth\`. Nenhum aluno real.`],
      ['Nomes (Aluno-N) e RAs (RA-N) são fictícios; os números são simulados.'],
      ['seed', opts.seed],
      ['students (first year)', opts.students],
      ['years', years.join(',')],
    ],
  };
  const dictionary: SynthSheet = {
    sheet: 'dicionario',
    data: [['Métricas e Conceitos:', null], ...DICTIONARY],
  };
  return {
    seed: opts.seed,
    sheets: [notice, ...years.map((y, i) => yearSheet(y, perYear[i]!, rnd)), dictionary],
  };
}

export interface SynthResult {
  path: string;
  seed: number;
  synthetic: true;
  sheets: { sheet: string; rows: number }[];
}

/** Encodes the workbook as .xlsx bytes. */
export async function syntheticWorkbookBytes(
  opts: SynthOptions,
  progress: Progress = silentProgress,
): Promise<{ bytes: Buffer; wb: SynthWorkbook }> {
  progress.stage('Simulating students', 1);
  const wb = generateSyntheticWorkbook(opts);
  progress.tick();
  progress.done();
  progress.stage('Encoding the workbook', 1);
  const bytes = await writeExcelFile(wb.sheets as never).toBuffer();
  progress.tick();
  progress.done();
  return { bytes, wb };
}

/** Writes the workbook crash-safely (temp file in the same folder, fsync, rename). */
export async function writeSyntheticWorkbook(
  file: string,
  opts: SynthOptions,
  progress: Progress = silentProgress,
): Promise<SynthResult> {
  // The bytes are always an .xlsx; under another name `ingest` would refuse or misread them.
  if (!/\.xlsx$/i.test(file)) {
    throw new AppError(DATA_ERRORS.SYNTH_INVALID, `--out must name an .xlsx file (got ${file}).`, {
      out: file,
    });
  }
  const { bytes, wb } = await syntheticWorkbookBytes(opts, progress);
  progress.stage('Writing the workbook', 1);
  try {
    writeFileDurable(file, bytes);
  } catch (err) {
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      `Could not write ${file}: ${(err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message}.`,
      { path: file },
      { cause: err },
    );
  }
  progress.tick();
  progress.done();
  return {
    path: path.resolve(file),
    seed: wb.seed,
    synthetic: true,
    sheets: wb.sheets
      .filter((s) => /^PEDE\d{4}$/.test(s.sheet))
      .map((s) => ({ sheet: s.sheet, rows: s.data.filter((r) => r.some((c) => c !== null)).length - 1 })),
  };
}
