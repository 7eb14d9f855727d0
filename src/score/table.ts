/**
 * The ranked table a coordinator opens, and its "Sobre" (about) text: which columns, in which order,
 * with Portuguese headers and descriptions. The xlsx and CSV writers and the JSON answer of POST /score
 * all take their rows from here, so the three agree.
 */
import type { Capacity } from '../ml/capacity.js';
import { ptNumber as decimalPt } from '../model/factor-text.js';
import type { EvaluationBlock, MetricsFile, RiskBand } from '../model/types.js';
import type { Cohort } from './input.js';
import type { RankedCohort, RankedStudent } from './rank.js';

/** Everything the "Sobre" sheet states besides the rows. */
export interface ScoreContext {
  readonly modelVersion: string;
  readonly modelSource: 'dev' | 'registry';
  readonly learner: string;
  /** Risk-band cut-offs in use (alto ≥ alto; medio ≥ medio = the threshold). */
  readonly bands: { readonly alto: number; readonly medio: number };
  /** Whether the model was trained on synthetic data (null: its metadata does not say). */
  readonly modelSynthetic: boolean | null;
  readonly metrics: MetricsFile | null;
  readonly includeNames: boolean;
  /** When the list was made. */
  readonly at: Date;
}

export type CellKind = 'int' | 'text' | 'percent';

export interface OutColumn {
  readonly header: string;
  readonly kind: CellKind;
  /** Width in characters (xlsx). */
  readonly width: number;
  readonly description: string;
  /** Numbers for int / percent (percent: 0–100), text otherwise; null = empty cell. */
  readonly value: (r: RankedStudent) => string | number | null;
}

export const BAND_PT: Readonly<Record<RiskBand, string>> = { alto: 'alto', medio: 'médio', baixo: 'baixo' };
const yesNo = (b: boolean) => (b ? 'sim' : 'não');
const alunos = (n: number) => `${n} aluno${n === 1 ? '' : 's'}`;
export const pct = (p: number, digits = 1) => `${(100 * p).toFixed(digits).replace('.', ',')}%`;

/** The columns of the ranked table, in order, for these options. */
export function tableColumns(ctx: ScoreContext, ranked: RankedCohort): OutColumn[] {
  const t = pct(ranked.threshold);
  const cols: (OutColumn | null)[] = [
    {
      header: 'Posição',
      kind: 'int',
      width: 9,
      description: 'Ordem de prioridade: 1 = maior risco. Empates ficam na ordem da planilha de origem.',
      value: (r) => r.rank,
    },
    {
      header: 'RA',
      kind: 'text',
      width: 12,
      description: 'Registro do aluno, como na planilha de origem, para encontrá-lo (dado pessoal: LGPD).',
      value: (r) => r.student.ra,
    },
    ctx.includeNames
      ? {
          header: 'Nome',
          kind: 'text',
          width: 28,
          description: 'Nome como na planilha de origem (incluído porque foi pedido; dado pessoal: LGPD).',
          value: (r) => r.student.nome,
        }
      : null,
    {
      header: 'Turma',
      kind: 'text',
      width: 10,
      description: 'Turma como na planilha de origem (vazia quando a origem não tem turma).',
      value: (r) => r.student.turma,
    },
    {
      header: 'Fase',
      kind: 'int',
      width: 6,
      description: 'Fase no programa no ano avaliado (ALFA = 0; "7E" conta como 7).',
      value: (r) => r.student.record.fase,
    },
    {
      header: 'Risco (%)',
      kind: 'percent',
      width: 10,
      description:
        'Probabilidade, estimada pelo modelo, de o aluno estar em defasagem no próximo ano (0 a 100). É calibrada nos dados de validação: de cada 100 alunos com risco perto de 70, cerca de 70 ficaram defasados.',
      value: (r) => 100 * r.score,
    },
    {
      header: 'Faixa',
      kind: 'text',
      width: 8,
      description: `Faixa de risco: alto (risco ≥ ${pct(ctx.bands.alto)}: a maioria destes alunos fica defasada), médio (de ${pct(ctx.bands.medio)} a ${pct(ctx.bands.alto)}: acompanhar de perto), baixo (abaixo de ${pct(ctx.bands.medio)}).`,
      value: (r) => BAND_PT[r.band],
    },
    ranked.capacity
      ? {
          header: 'Dentro da capacidade',
          kind: 'text',
          width: 13,
          description: `"sim" para os alunos que cabem na capacidade informada (${capacityText(ranked.capacity.rule)}), do maior risco para o menor; empates na última vaga nunca são separados.`,
          value: (r) => yesNo(r.flagged),
        }
      : {
          header: 'Sinalizado',
          kind: 'text',
          width: 11,
          description: `"sim" quando o risco é pelo menos o limiar do modelo (${t}).`,
          value: (r) => yesNo(r.flagged),
        },
    ...[0, 1, 2].map(
      (k): OutColumn => ({
        header: `Fator ${k + 1}`,
        kind: 'text',
        width: 44,
        description:
          k === 0
            ? 'Os três fatores que mais pesaram no risco deste aluno, do maior para o menor, com o valor do aluno e se aumentam ou reduzem o risco ("sem dado" quando o dado falta).'
            : `Fator ${k + 1} em peso (ver Fator 1).`,
        value: (r) => r.factors[k]?.text ?? null,
      }),
    ),
    {
      header: 'Dados ausentes',
      kind: 'text',
      width: 22,
      description:
        'Dados que o modelo usa e que estão vazios para este aluno. O aluno recebe um risco mesmo assim; completar estes dados torna o risco mais confiável.',
      value: (r) => (r.missing.length > 0 ? r.missing.join(', ') : null),
    },
    {
      header: 'Linha na origem',
      kind: 'int',
      width: 9,
      description: 'Linha do aluno na planilha ou no CSV de origem (a linha 1 é o cabeçalho).',
      value: (r) => r.student.sourceRow,
    },
    {
      header: 'Versão do modelo',
      kind: 'text',
      width: 18,
      description: 'Versão do modelo que calculou o risco.',
      value: () => ctx.modelVersion,
    },
  ];
  return cols.filter((c): c is OutColumn => c !== null);
}

export function capacityText(c: Capacity): string {
  switch (c.kind) {
    case 'share':
      return `${decimalPt(100 * c.share, 2)}% dos alunos avaliados`;
    case 'count':
      return alunos(c.count);
    default:
      return `${decimalPt(c.ratio, 2)} × o número esperado de alunos em defasagem (a soma dos riscos da turma)`;
  }
}

function backtestText(test: EvaluationBlock | null | undefined): string {
  if (!test) return 'Não disponível (a versão do modelo não traz métricas de backtest).';
  const m = test.metrics;
  const ci = (k: 'recall' | 'precision') =>
    m[k].ci_low !== null && m[k].ci_high !== null
      ? ` [IC 95%: ${pct(m[k].ci_low!)} a ${pct(m[k].ci_high!)}]`
      : '';
  return [
    `Ano ${test.label_years.join(', ')}: ${test.n} alunos, ${pct(test.base_rate)} ficaram defasados.`,
    `Recall ${pct(m.recall.value)}${ci('recall')} (dos que ficaram defasados, quantos o modelo sinalizou);`,
    `precisão ${pct(m.precision.value)}${ci('precision')} (dos sinalizados, quantos ficaram defasados);`,
    `ROC-AUC ${decimalPt(m.roc_auc.value, 3)}.`,
    `Medido com o modelo de backtest (treinado sem o ano testado) no limiar ${pct(test.threshold)}.`,
  ].join(' ');
}

function flagRuleText(ranked: RankedCohort): string {
  const c = ranked.capacity;
  if (!c)
    return `Sem capacidade informada: sinalizados ${alunos(ranked.flagged)} com risco ≥ limiar (${pct(ranked.threshold)}).`;
  const ties =
    c.tiesLeftOut > 0
      ? ` ${c.tiesLeftOut} alunos empatados na última vaga ficaram de fora (empates nunca são separados).`
      : '';
  return `Capacidade: ${capacityText(c.rule)} → até ${alunos(c.limit)}; ${c.count} dentro da capacidade${c.cutoff !== null ? ` (menor risco dentro: ${pct(c.cutoff)})` : ''}.${ties}`;
}

/** The "Sobre" sheet: [item, text] rows. */
export function aboutRows(ctx: ScoreContext, cohort: Cohort, ranked: RankedCohort): [string, string][] {
  const when = ctx.at.toLocaleString('pt-BR', {
    timeZone: 'America/Sao_Paulo',
    dateStyle: 'short',
    timeStyle: 'short',
  });
  const origin = {
    xlsx: 'planilha',
    csv: 'CSV',
    interim: 'tabela normalizada',
    modeling: 'base de modelagem',
  }[cohort.sourceKind];
  const synthetic = [
    ctx.modelSynthetic ? 'o modelo foi treinado com DADOS SINTÉTICOS' : null,
    cohort.synthetic ? 'os alunos avaliados são DADOS SINTÉTICOS' : null,
  ].filter(Boolean);
  const rows: [string, string][] = [
    [
      'Lista de prioridade',
      'Risco de defasagem escolar no próximo ano, aluno a aluno, do maior para o menor.',
    ],
    ['Gerada em', `${when} (horário de Brasília)`],
    [
      'Alunos avaliados',
      `${ranked.students.length} alunos de ${cohort.year} (${origin} ${cohort.sheet}); ${cohort.rowsRejected} linhas rejeitadas pelo contrato de dados${cohort.rowsRejected > 0 ? ' (ver a aba Rejeitadas ou a saída do comando)' : ''}.`,
    ],
    [
      'Modelo',
      `Versão ${ctx.modelVersion} (${ctx.modelSource === 'registry' ? 'registro de modelos' : 'arquivos de desenvolvimento'}), ${ctx.learner}.`,
    ],
    [
      'Dados sintéticos',
      synthetic.length > 0
        ? `ATENÇÃO: ${synthetic.join('; ')}. Os riscos não descrevem alunos reais.`
        : ctx.modelSynthetic === null
          ? 'O modelo não informa se foi treinado com dados sintéticos.'
          : 'Não: modelo treinado com dados reais e alunos reais.',
    ],
    ['Limiar', `${pct(ranked.threshold)}: risco a partir deste valor = sinalizado.`],
    [
      'Faixas de risco',
      `baixo: abaixo de ${pct(ctx.bands.medio)}; médio: de ${pct(ctx.bands.medio)} a ${pct(ctx.bands.alto)}; alto: ${pct(ctx.bands.alto)} ou mais.`,
    ],
    ['Qualidade no backtest', backtestText(ctx.metrics?.test)],
    ['Regra de sinalização', flagRuleText(ranked)],
    [
      'Como usar',
      'Comece pelo topo da lista. O risco é uma estimativa para planejar tutoria e acompanhamento, não um diagnóstico: converse com a equipe antes de decidir. Alunos de risco baixo também podem ficar defasados.',
    ],
    [
      'Privacidade',
      `Este arquivo contém RA${ctx.includeNames ? ' e nomes' : ''}: dados pessoais (LGPD). Guarde-o em local restrito e compartilhe só com a equipe pedagógica.`,
    ],
  ];
  for (const c of tableColumns(ctx, ranked)) rows.push([`Coluna "${c.header}"`, c.description]);
  return rows;
}
