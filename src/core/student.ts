/**
 * The year-agnostic student record: what we know about a student in year t. It is the single
 * contract between ingestion (each PEDE sheet is normalised to it), the feature pipeline, the model
 * signature and the API's input validation. Names and RA are never part of it.
 */

export const GENEROS = ['feminino', 'masculino'] as const;
export type Genero = (typeof GENEROS)[number];

/**
 * School type, normalised from the many spellings across years:
 * - publica: "Escola Pública", "Pública"
 * - privada: "Privada" (family pays)
 * - privada_bolsa: private school paid by the programme or a partner ("Privada - Programa de
 *   Apadrinhamento", "Privada *Parcerias com Bolsa 100%", "Privada - Pagamento por *Empresa Parceira",
 *   "Rede Decisão", "Escola JP II")
 * - concluiu_em: finished secondary school ("Concluiu o 3º EM", "Bolsista Universitário *Formado (a)")
 * - outro: "Nenhuma das opções acima" and anything else recognisable but unclassified
 */
export const INSTITUICOES = ['publica', 'privada', 'privada_bolsa', 'concluiu_em', 'outro'] as const;
export type Instituicao = (typeof INSTITUICOES)[number];

/** The 0–10 indicators, INDE being the composite. IPP does not exist in 2022. */
export const INDICATORS = ['ian', 'ida', 'ieg', 'iaa', 'ips', 'ipp', 'ipv', 'inde'] as const;
export type Indicator = (typeof INDICATORS)[number];

export interface StudentRecord {
  /** Year t of the observation (the PEDE edition). Used for "years in the programme". */
  ano_base: number | null;
  /** Programme stage: ALFA = 0, then 1..9. */
  fase: number | null;
  idade: number | null;
  genero: Genero | null;
  instituicao: Instituicao | null;
  ano_ingresso: number | null;
  ian: number | null;
  ida: number | null;
  ieg: number | null;
  iaa: number | null;
  ips: number | null;
  ipp: number | null;
  ipv: number | null;
  inde: number | null;
  /** fase − fase ideal in year t; negative = behind. */
  defasagem: number | null;
}

export type FieldType = 'number' | 'integer' | 'category';

export interface FieldSpec {
  readonly name: keyof StudentRecord;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly categories?: readonly string[];
  /** Portuguese, for the signature, the API docs and the dashboard. */
  readonly description: string;
}

const indicator = (name: Indicator, description: string): FieldSpec => ({
  name,
  type: 'number',
  nullable: true,
  min: 0,
  max: 10,
  description,
});

/** Field order here is the canonical column order everywhere (parquet, CSV, signature). */
export const STUDENT_FIELDS: readonly FieldSpec[] = [
  {
    name: 'ano_base',
    type: 'integer',
    nullable: true,
    min: 2000,
    max: 2100,
    description: 'Ano da observação (edição do PEDE).',
  },
  {
    name: 'fase',
    type: 'integer',
    nullable: false,
    min: 0,
    max: 9,
    description: 'Fase no programa (ALFA = 0, depois 1 a 9).',
  },
  {
    name: 'idade',
    type: 'integer',
    nullable: true,
    min: 4,
    max: 40,
    description: 'Idade em anos no ano da observação.',
  },
  { name: 'genero', type: 'category', nullable: true, categories: GENEROS, description: 'Gênero.' },
  {
    name: 'instituicao',
    type: 'category',
    nullable: true,
    categories: INSTITUICOES,
    description: 'Tipo de instituição de ensino.',
  },
  {
    name: 'ano_ingresso',
    type: 'integer',
    nullable: true,
    min: 2000,
    max: 2100,
    description: 'Ano de ingresso na Passos Mágicos.',
  },
  indicator('ian', 'Indicador de Adequação de Nível (0–10).'),
  indicator('ida', 'Indicador de Desempenho Acadêmico (0–10).'),
  indicator('ieg', 'Indicador de Engajamento (0–10).'),
  indicator('iaa', 'Indicador de Autoavaliação (0–10).'),
  indicator('ips', 'Indicador Psicossocial (0–10).'),
  indicator('ipp', 'Indicador Psicopedagógico (0–10); ausente em 2022.'),
  indicator('ipv', 'Indicador de Ponto de Virada (0–10).'),
  indicator('inde', 'Índice de Desenvolvimento Educacional, composto (0–10).'),
  {
    name: 'defasagem',
    type: 'integer',
    nullable: false,
    min: -9,
    max: 9,
    description: 'Defasagem no ano: fase − fase ideal (negativa = atrasado).',
  },
];

export const STUDENT_FIELD_NAMES: readonly (keyof StudentRecord)[] = STUDENT_FIELDS.map((f) => f.name);

/** Label column of the modelling dataset: 1 when defasagem(t+1) < 0. */
export const TARGET_COLUMN = 'em_risco';
