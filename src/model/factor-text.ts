/**
 * The Portuguese text of one explanation factor, written per feature from the student's own value, a
 * reference the model file already holds (each feature's training median, `impute_value`, and the
 * median age per fase) and the direction of the contribution. The text states facts about the value
 * ("IDA 3,2 — abaixo da mediana dos alunos (6,1)", "Já está 2 fases atrás da fase ideal"), so it can
 * never contradict the value; a missing value is said as such ("Idade não informada"). Used by
 * `explain` (src/model/load.ts), so the API, cohort scoring and the dashboard show the same words.
 */
import type { StudentRecord } from '../core/student.js';
import { CATEGORY_FIELD_LABELS, faseName, LEVEL_LABELS } from '../features/catalog.js';

/** What a describer knows about one factor. */
export interface FactorSubject {
  /** The student's own value of the derived feature, before imputation (NaN = missing). */
  value: number;
  /** The feature's training median (the model file's `impute_value`). */
  median: number;
  record: StudentRecord;
  /** Median age of the training students per fase ("0".."9"), from the model file. */
  ageByFase: Readonly<Record<string, number>>;
}

type Describer = (s: FactorSubject) => string;

/**
 * `v.toFixed(1)`'s rounding of v as a whole number of tenths, found without formatting a string, or
 * NaN when v is too large (|v| ≥ 10^8) or within 10^-7 of a tie (x.x5), where binary rounding of
 * `v * 10` could decide differently from toFixed's exact decimal: the callers then use toFixed. Away
 * from a tie the error of `v * 10` (below 10^-7 for |v| < 10^8) cannot cross the half, so the result
 * is exactly toFixed's (tested against it on a million values, ties included).
 */
function tenthsOf(v: number): number {
  const f = v * 10;
  if (!(Math.abs(f) < 1e9)) return Number.NaN;
  const floor = Math.floor(f);
  const frac = f - floor;
  if (Math.abs(frac - 0.5) < 1e-6) return Number.NaN;
  return frac < 0.5 ? floor : floor + 1;
}

/** ptNumber of a number of tenths: "12,3", "-2", "0" (never "-0"). */
function tenthsText(q: number): string {
  if (q === 0) return '0';
  const a = q < 0 ? -q : q;
  const units = (a - (a % 10)) / 10;
  const sign = q < 0 ? '-' : '';
  return a % 10 === 0 ? `${sign}${units}` : `${sign}${units},${a % 10}`;
}

/** `Number(v.toFixed(1))`, up to the sign of a zero: for comparisons. */
function round1(v: number): number {
  const q = tenthsOf(v);
  return Number.isNaN(q) ? Number(v.toFixed(1)) : q / 10;
}

/**
 * A Brazilian-Portuguese number: decimal comma, at most `digits` decimals, no trailing ",0". One
 * decimal (the texts' case, several per explanation) is computed from tenthsOf, without toFixed.
 */
export function ptNumber(v: number, digits = 1): string {
  if (digits === 1) {
    const q = tenthsOf(v);
    if (!Number.isNaN(q)) return tenthsText(q);
  }
  const r = Number(v.toFixed(digits));
  return (Object.is(r, -0) ? 0 : r).toString().replace('.', ',');
}

const plural = (n: number, one: string, many: string): string =>
  `${ptNumber(n)} ${Math.abs(n) === 1 ? one : many}`;

/** "abaixo da mediana dos alunos (6,1)": the value against the median, at the precision shown. */
function vsMedian(value: number, median: number): string {
  const shown = round1(value);
  const ref = round1(median);
  const where = shown < ref ? 'abaixo da' : shown > ref ? 'acima da' : 'igual à';
  return `${where} mediana dos alunos (${ptNumber(median)})`;
}

/** An indicator or a summary: "<name> 3,2 — abaixo da mediana dos alunos (6,1)", or "<missing>". */
const scored =
  (name: string, missing: string): Describer =>
  ({ value, median }) =>
    Number.isNaN(value) ? missing : `${name} ${ptNumber(value)} — ${vsMedian(value, median)}`;

const indicator = (acronym: string): Describer => scored(acronym, `${acronym} não informado`);

function idade({ value, median, record, ageByFase }: FactorSubject): string {
  if (Number.isNaN(value)) return 'Idade não informada';
  const fase = record.fase;
  const typical = fase === null ? undefined : ageByFase[String(Math.trunc(fase))];
  if (typical === undefined || fase === null)
    return `${plural(value, 'ano', 'anos')} — ${vsMedian(value, median)}`;
  return `${plural(value, 'ano', 'anos')} — ${ageVsFase(value - typical, fase, typical)}`;
}

/** "2 anos acima da idade típica da Fase 3 (13)" / "na idade típica da ALFA (9)". */
function ageVsFase(diff: number, fase: number, typical: number): string {
  const where = `idade típica da ${faseName(Math.trunc(fase))} (${ptNumber(typical)})`;
  if (Math.abs(diff) < 0.05) return `na ${where}`;
  return `${plural(Math.abs(diff), 'ano', 'anos')} ${diff > 0 ? 'acima' : 'abaixo'} da ${where}`;
}

function idadeVsFase({ value, record, ageByFase }: FactorSubject): string {
  if (Number.isNaN(value)) return record.idade === null ? 'Idade não informada' : 'Fase não informada';
  const fase = Math.trunc(record.fase ?? 0);
  const typical = ageByFase[String(fase)] ?? Number.NaN;
  const text = ageVsFase(value, fase, typical);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function defasagem({ value }: FactorSubject): string {
  if (Number.isNaN(value)) return 'Defasagem não informada';
  if (value < 0) return `Já está ${plural(-value, 'fase', 'fases')} atrás da fase ideal para a idade`;
  if (value > 0) return `${plural(value, 'fase', 'fases')} à frente da fase ideal para a idade`;
  return 'Na fase ideal para a idade (defasagem 0)';
}

function atrasadoAgora({ value }: FactorSubject): string {
  if (Number.isNaN(value)) return 'Defasagem não informada (não se sabe se já está atrasado)';
  return value === 1 ? 'Já está atrasado em relação à fase ideal' : 'Não está atrasado hoje (defasagem ≥ 0)';
}

function anosNoPrograma({ value }: FactorSubject): string {
  if (Number.isNaN(value)) return 'Ano de ingresso não informado';
  if (value <= 0) return 'Entrou no programa neste ano';
  return `No programa há ${plural(value, 'ano', 'anos')}`;
}

function indAusentes({ value }: FactorSubject): string {
  if (value === 0) return 'Todos os indicadores informados';
  return value === 1 ? '1 indicador não informado' : `${ptNumber(value)} indicadores não informados`;
}

const DESCRIBERS: Readonly<Record<string, Describer>> = {
  fase: ({ value }) =>
    Number.isNaN(value) ? 'Fase não informada' : `Está na ${faseName(Math.trunc(value))}`,
  idade,
  anos_no_programa: anosNoPrograma,
  defasagem,
  atrasado_agora: atrasadoAgora,
  idade_vs_fase: idadeVsFase,
  ian: indicator('IAN'),
  ida: indicator('IDA'),
  ieg: indicator('IEG'),
  iaa: indicator('IAA'),
  ips: indicator('IPS'),
  ipp: indicator('IPP'),
  ipv: indicator('IPV'),
  inde: indicator('INDE'),
  ind_media: scored('Média dos indicadores', 'Nenhum indicador informado'),
  ind_min: scored('Menor indicador', 'Nenhum indicador informado'),
  ind_desvio: scored('Diferença entre os indicadores (desvio-padrão)', 'Nenhum indicador informado'),
  ind_ausentes: indAusentes,
  ipp_ausente: ({ value }) => (value === 1 ? 'IPP não informado' : 'IPP informado'),
};

type CategoryField = keyof typeof LEVEL_LABELS;

/** The student's level of a category field, `desconhecido` when missing or outside the known levels. */
function levelOf(field: CategoryField, record: StudentRecord): string {
  const v = record[field];
  return v !== null && v !== undefined && Object.hasOwn(LEVEL_LABELS[field], v) ? v : 'desconhecido';
}

/**
 * One column of a one-hot field: "Tipo de escola: particular com bolsa" on the student's own column,
 * "Tipo de escola: particular com bolsa (não pública)" on another level's column.
 */
function oneHot(field: CategoryField, column: string, record: StudentRecord): string {
  const names = LEVEL_LABELS[field] as Readonly<Record<string, string>>;
  const own = levelOf(field, record);
  const head = CATEGORY_FIELD_LABELS[field];
  const ownText = own === 'desconhecido' ? `${head} não informado` : `${head}: ${names[own]}`;
  if (column === own) return ownText;
  if (column === 'desconhecido') return `${head} informado: ${names[own]}`;
  return `${ownText} (não ${names[column] ?? column})`;
}

/** The one-hot field a feature name belongs to, if any. */
export function categoryFieldOf(feature: string): CategoryField | null {
  if (feature.startsWith('genero_')) return 'genero';
  if (feature.startsWith('instituicao_')) return 'instituicao';
  return null;
}

/** Whether the factor's value is unknown for this student (a one-hot: the category is not known). */
export function isMissingFactor(feature: string, s: FactorSubject): boolean {
  const field = categoryFieldOf(feature);
  return field !== null ? levelOf(field, s.record) === 'desconhecido' : Number.isNaN(s.value);
}

/** The factor's label for this student: a statement about the value, never about the direction. */
export function factorLabel(feature: string, s: FactorSubject): string {
  const field = categoryFieldOf(feature);
  if (field !== null) return oneHot(field, feature.slice(field.length + 1), s.record);
  const describe = DESCRIBERS[feature];
  if (!describe) throw new Error(`no Portuguese text for feature "${feature}"`);
  return describe(s);
}

/** Features with a written text (a test checks every catalogue feature has one). */
export const DESCRIBED_FEATURES: readonly string[] = Object.keys(DESCRIBERS);

/**
 * The sentence people read: the label, the direction and the approximate effect in percentage points
 * ("IDA 3,2 — abaixo da mediana dos alunos (6,1): aumenta o risco em cerca de 8,1 pontos percentuais").
 */
export function factorText(label: string, direction: 'aumenta' | 'reduz', effectPp: number): string {
  const size = Math.abs(effectPp);
  const amount =
    size < 0.05
      ? 'menos de 0,1 ponto percentual'
      : `cerca de ${ptNumber(size)} ${round1(size) === 1 ? 'ponto percentual' : 'pontos percentuais'}`;
  return `${label}: ${direction} o risco em ${amount}`;
}
