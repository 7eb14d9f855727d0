/**
 * Every derived feature the pipeline knows how to compute from a StudentRecord. A model file names the
 * features it uses (in order) and carries the parameters learned on training data; this catalogue holds
 * the code, so training and serving run exactly the same arithmetic. Names and RA never enter: the
 * StudentRecord contract does not even carry them.
 *
 * All features are computed by one function (`FeatureComputer.computeAll`) into a scratch buffer in
 * catalogue order: shared work (indicator summaries) is done once per record and nothing is allocated.
 */
import { GENEROS, INSTITUICOES, type StudentRecord } from '../core/student.js';

/** Parameters learned from the training records (serialised in the model file). */
export interface LearnedParams {
  /** Median age of training students per fase ("0".."9"); used by `idade_vs_fase`. */
  idade_mediana_por_fase: Record<string, number>;
}

export type FeatureKind = 'numeric' | 'flag' | 'onehot' | 'summary';

export interface FeatureDef {
  readonly name: string;
  /** Portuguese label for people (reports, explanations, dashboard). */
  readonly label: string;
  readonly kind: FeatureKind;
  /** How the value is derived, in Portuguese (for docs and the report). */
  readonly derivation: string;
  /** Input fields the feature reads (for documentation and drift attribution). */
  readonly inputs: readonly (keyof StudentRecord)[];
  /**
   * Why the feature is left out of the default set, when it is: it breaks the rule that a default
   * feature carries across years (see DEFAULT_FEATURES). It stays in the catalogue so that old model
   * files keep loading and a training config can still ask for it.
   */
  readonly notByDefault?: string;
}

/**
 * Indicators summarised by `ind_*`: those measured in every PEDE year. IPP is left out because it does
 * not exist in 2022, so a summary including it would shift with the year rather than with the student;
 * INDE is left out because it is a composite of the others.
 */
export const SUMMARY_INDICATORS = ['ian', 'ida', 'ieg', 'iaa', 'ips', 'ipv'] as const;
/** Indicators whose missingness `ind_ausentes` counts (IPP has its own flag, for the reason above). */
export const COUNTED_INDICATORS = ['ian', 'ida', 'ieg', 'iaa', 'ips', 'ipv', 'inde'] as const;

const raw = (name: keyof StudentRecord & string, label: string, derivation: string): FeatureDef => ({
  name,
  label,
  kind: 'numeric',
  derivation,
  inputs: [name],
});

/**
 * Portuguese names of the category levels, for people: explanations, the report's groups, score sheets.
 * `desconhecido` is the one-hot column for a missing or unknown value.
 */
export const LEVEL_LABELS = {
  genero: { feminino: 'feminino', masculino: 'masculino', desconhecido: 'não informado' },
  instituicao: {
    publica: 'pública',
    privada: 'particular',
    privada_bolsa: 'particular com bolsa',
    concluiu_em: 'já concluiu o ensino médio',
    outro: 'outro tipo',
    desconhecido: 'não informado',
  },
} as const satisfies Record<'genero' | 'instituicao', Record<string, string>>;

/** "Gênero" / "Tipo de escola": the field's name for people. */
export const CATEGORY_FIELD_LABELS = { genero: 'Gênero', instituicao: 'Tipo de escola' } as const;

/** A fase for people: 0 is ALFA. */
export const faseName = (fase: number): string => (fase === 0 ? 'ALFA' : `Fase ${fase}`);

/**
 * Gender is a protected attribute: a student's flag must not move with it. It is recorded (and every
 * report breaks recall down by it) but is not a default feature.
 */
const GENDER_NOT_BY_DEFAULT =
  "gender is a protected attribute, so a student's score must not move with it; on validation it adds nothing (ablation within noise), and with it the 2024 backtest's recall differed by 0.11 between girls and boys (0.06 without)";

const oneHot = (field: 'genero' | 'instituicao', level: string | null): FeatureDef => ({
  name: `${field}_${level ?? 'desconhecido'}`,
  label: `${CATEGORY_FIELD_LABELS[field]}: ${(LEVEL_LABELS[field] as Record<string, string>)[level ?? 'desconhecido'] ?? level}`,
  kind: 'onehot',
  derivation:
    level === null
      ? `1 quando ${field} está ausente ou fora das categorias conhecidas, senão 0`
      : `1 quando ${field} = ${level}, senão 0`,
  inputs: [field],
  ...(field === 'genero' ? { notByDefault: GENDER_NOT_BY_DEFAULT } : {}),
});

/** The catalogue, in the order `computeAll` writes the values. */
export const FEATURE_CATALOG: readonly FeatureDef[] = [
  raw('fase', 'Fase no programa', 'fase do ano (ALFA = 0)'),
  raw('idade', 'Idade', 'idade em anos'),
  {
    name: 'anos_no_programa',
    label: 'Anos no programa',
    kind: 'numeric',
    derivation: 'ano_base − ano_ingresso',
    inputs: ['ano_base', 'ano_ingresso'],
  },
  raw('defasagem', 'Defasagem atual', 'fase − fase ideal no ano (negativa = atrasado)'),
  {
    name: 'atrasado_agora',
    label: 'Situação de atraso agora (defasagem < 0)',
    kind: 'flag',
    derivation: '1 quando defasagem < 0, senão 0',
    inputs: ['defasagem'],
  },
  {
    name: 'idade_vs_fase',
    label: 'Idade em relação à típica da fase',
    kind: 'numeric',
    derivation: 'idade − idade mediana dos alunos da mesma fase nos dados de treino',
    inputs: ['idade', 'fase'],
    notByDefault:
      'its medians per fase are learned from the training cohort, so its meaning moves with the cohort; on the one development transition it looks strong, on the next year it costs ROC-AUC (see the ablation in docs/model.md)',
  },
  raw('ian', 'IAN (adequação de nível)', 'indicador IAN'),
  raw('ida', 'IDA (desempenho acadêmico)', 'indicador IDA'),
  raw('ieg', 'IEG (engajamento)', 'indicador IEG'),
  raw('iaa', 'IAA (autoavaliação)', 'indicador IAA'),
  raw('ips', 'IPS (psicossocial)', 'indicador IPS'),
  raw('ipp', 'IPP (psicopedagógico)', 'indicador IPP'),
  raw('ipv', 'IPV (ponto de virada)', 'indicador IPV'),
  raw('inde', 'INDE (índice composto)', 'indicador INDE'),
  {
    name: 'ind_media',
    label: 'Média dos indicadores',
    kind: 'summary',
    derivation: `média de ${SUMMARY_INDICATORS.join(', ')} presentes`,
    inputs: [...SUMMARY_INDICATORS],
  },
  {
    name: 'ind_min',
    label: 'Menor indicador',
    kind: 'summary',
    derivation: `mínimo de ${SUMMARY_INDICATORS.join(', ')} presentes`,
    inputs: [...SUMMARY_INDICATORS],
  },
  {
    name: 'ind_desvio',
    label: 'Desigualdade entre indicadores (desvio-padrão)',
    kind: 'summary',
    derivation: `desvio-padrão populacional de ${SUMMARY_INDICATORS.join(', ')} presentes`,
    inputs: [...SUMMARY_INDICATORS],
  },
  {
    name: 'ind_ausentes',
    label: 'Número de indicadores ausentes',
    kind: 'summary',
    derivation: `quantos de ${COUNTED_INDICATORS.join(', ')} estão ausentes`,
    inputs: [...COUNTED_INDICATORS],
  },
  {
    name: 'ipp_ausente',
    label: 'Ausência do IPP',
    kind: 'flag',
    derivation: '1 quando ipp está ausente, senão 0',
    inputs: ['ipp'],
    notByDefault:
      'IPP is missing exactly for the 2022 edition, so the flag encodes the year (and its base rate), not the student',
  },
  ...GENEROS.map((g) => oneHot('genero', g)),
  oneHot('genero', null),
  ...INSTITUICOES.map((i) => oneHot('instituicao', i)),
  oneHot('instituicao', null),
];

export const FEATURE_INDEX: ReadonlyMap<string, number> = new Map(FEATURE_CATALOG.map((f, i) => [f.name, i]));
export const FEATURE_BY_NAME: ReadonlyMap<string, FeatureDef> = new Map(
  FEATURE_CATALOG.map((f) => [f.name, f]),
);
export const CATALOG_SIZE = FEATURE_CATALOG.length;

/**
 * The default feature set: the catalogue features that **carry across years**. A feature carries when
 * (1) it is computed from the student's own year-t values by fixed arithmetic: no parameter estimated
 * from a training cohort's distribution (such a parameter describes that cohort, and cohorts differ:
 * 68.5% of the 2022 students were behind, 51.6% of the 2023 ones), and (2) it does not reveal which PEDE
 * edition a row comes from (a field that exists only in some years, the year itself). Besides, (3) no
 * protected attribute (gender) is a default feature. Features left out carry `notByDefault` with the
 * reason. The training report's ablation table shows what each derived feature or group is worth on
 * validation and on the backtest.
 */
export const DEFAULT_FEATURES: readonly string[] = FEATURE_CATALOG.filter((f) => !f.notByDefault).map(
  (f) => f.name,
);

/** A missing number: null, undefined (a JSON client omitting a field) or NaN. */
const isMissing = (v: number | null | undefined): boolean => v === null || v === undefined || Number.isNaN(v);
const num = (v: number | null | undefined): number => (isMissing(v) ? Number.NaN : (v as number));

const MAX_FASE = 9;
const GENERO_OFFSET = FEATURE_CATALOG.findIndex((f) => f.name === `genero_${GENEROS[0]}`);
const INSTITUICAO_OFFSET = FEATURE_CATALOG.findIndex((f) => f.name === `instituicao_${INSTITUICOES[0]}`);

/** Computes every catalogue feature of a record into a buffer, with the learned parameters bound. */
export class FeatureComputer {
  private readonly ageByFase: Float64Array;

  constructor(params: LearnedParams) {
    // Dense lookup by fase 0..9 so the hot path uses no string keys.
    this.ageByFase = new Float64Array(MAX_FASE + 1).fill(Number.NaN);
    for (const [k, v] of Object.entries(params.idade_mediana_por_fase)) {
      const f = Number(k);
      if (Number.isInteger(f) && f >= 0 && f <= MAX_FASE) this.ageByFase[f] = v;
    }
  }

  /** Writes the CATALOG_SIZE features of `r` into out[0 .. CATALOG_SIZE), NaN = missing. No allocation. */
  computeAll(r: StudentRecord, out: Float64Array): void {
    const fase = num(r.fase);
    const idade = num(r.idade);
    const defas = num(r.defasagem);
    out[0] = fase;
    out[1] = idade;
    out[2] = num(r.ano_base) - num(r.ano_ingresso);
    out[3] = defas;
    out[4] = Number.isNaN(defas) ? Number.NaN : defas < 0 ? 1 : 0;
    out[5] =
      Number.isNaN(idade) || Number.isNaN(fase) || fase < 0 || fase > MAX_FASE
        ? Number.NaN
        : idade - this.ageByFase[Math.trunc(fase)]!;
    const ian = num(r.ian);
    const ida = num(r.ida);
    const ieg = num(r.ieg);
    const iaa = num(r.iaa);
    const ips = num(r.ips);
    const ipp = num(r.ipp);
    const ipv = num(r.ipv);
    const inde = num(r.inde);
    out[6] = ian;
    out[7] = ida;
    out[8] = ieg;
    out[9] = iaa;
    out[10] = ips;
    out[11] = ipp;
    out[12] = ipv;
    out[13] = inde;
    // Summaries over SUMMARY_INDICATORS (ian, ida, ieg, iaa, ips, ipv), reusing out[6..12].
    let s = 0;
    let n = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let j = 6; j <= 12; j++) {
      if (j === 11) continue; // ipp
      const v = out[j]!;
      if (!Number.isNaN(v)) {
        s += v;
        n++;
        if (v < min) min = v;
      }
    }
    const mean = n === 0 ? Number.NaN : s / n;
    let ss = 0;
    if (n > 0) {
      for (let j = 6; j <= 12; j++) {
        if (j === 11) continue;
        const v = out[j]!;
        if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
      }
    }
    out[14] = mean;
    out[15] = n === 0 ? Number.NaN : min;
    out[16] = n === 0 ? Number.NaN : Math.sqrt(ss / n);
    // Missing among COUNTED_INDICATORS: the six summarised plus inde.
    out[17] = 6 - n + (Number.isNaN(inde) ? 1 : 0);
    out[18] = Number.isNaN(ipp) ? 1 : 0;
    // One-hots: a known level sets its column; anything else (null, unknown string) sets "desconhecido".
    let gk = -1;
    for (let k = 0; k < GENEROS.length; k++) {
      const hit = r.genero === GENEROS[k];
      out[GENERO_OFFSET + k] = hit ? 1 : 0;
      if (hit) gk = k;
    }
    out[GENERO_OFFSET + GENEROS.length] = gk < 0 ? 1 : 0;
    let ik = -1;
    for (let k = 0; k < INSTITUICOES.length; k++) {
      const hit = r.instituicao === INSTITUICOES[k];
      out[INSTITUICAO_OFFSET + k] = hit ? 1 : 0;
      if (hit) ik = k;
    }
    out[INSTITUICAO_OFFSET + INSTITUICOES.length] = ik < 0 ? 1 : 0;
  }
}
