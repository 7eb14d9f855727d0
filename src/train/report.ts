/**
 * The training report in Portuguese for the pedagogical coordination, written once as blocks
 * (report-doc.ts) and rendered as model_report.md and as a self-contained model_report.html. Plain
 * language first (a summary, what the score and each band mean, the one threshold in use, how well the
 * procedure did on a year it never saw, the promotion guardrails), then charts, factors, groups, limits
 * and a glossary; the technical evidence (the backtest model's own threshold, the trade-off around it,
 * the label-shift projection, the candidates, the feature ablation) is in an annex at the end.
 */
import type { StudentRecord } from '../core/student.js';
import { FEATURE_BY_NAME } from '../features/catalog.js';
import { calibrationCurve, confusionAt, precisionRecallCurve, rocCurve } from '../ml/metrics.js';
import type { ThresholdChoice } from '../ml/threshold.js';
import { ptNumber } from '../model/factor-text.js';
import { checkGuardrails, type GuardrailCheck, type GuardrailMinimums } from '../model/guardrails.js';
import type { LoadedModelV1 } from '../model/load.js';
import type { EvaluationBlock, MetricsFile } from '../model/types.js';
import type { AblationRow } from './ablation.js';
import type { TrainConfig } from './config.js';
import { type Scored, SMALL_GROUP } from './operating-point.js';
import type { CandidateResult } from './outputs.js';
import { type Block, HTML_REPORT, heading, list, paragraph, renderMarkdown } from './report-doc.js';
import { glossaryBlock } from './report-glossary.js';
import { renderHtml } from './report-html.js';
import {
  ablationBlock,
  bandList,
  candidateBlock,
  ci,
  dec,
  gapBlocks,
  groupBlock,
  guardrailBlock,
  pct,
  shiftBlock,
  tradeoffBlock,
} from './report-tables.js';
import { barChart, type ChartSpec, lineChart } from './svg.js';

export interface ReportInput {
  createdAt: string;
  metrics: MetricsFile;
  comparison: CandidateResult[];
  selection: { kind: string; rule: string; reason: string };
  /** The model delivered (and served). */
  model: LoadedModelV1;
  backtest: LoadedModelV1;
  testYear: number;
  devYears: number[];
  /** Label years the delivered model was fitted on. */
  productionYears: number[];
  refit: boolean;
  /** The chosen candidate's out-of-fold probabilities on the development transitions. */
  validation: Scored;
  /** The delivered model's out-of-fold probabilities on its own training rows (= `validation` without refit). */
  servedValidation: Scored;
  /** How the delivered model's threshold was chosen, with its validation rates. */
  servedChoice: ThresholdChoice;
  /** The backtest model's probabilities on the test year. */
  test: Scored;
  synthetic: boolean;
  cfg: TrainConfig;
  testRows: readonly StudentRecord[];
  ablation: readonly AblationRow[];
  /** The registry's promotion minimums (PROMOTE_MIN_*), given by the caller; null when not given. */
  guardrails: GuardrailMinimums | null;
}

export const REPORT_TITLE = 'Relatório do modelo de risco de defasagem';

const LEARNER_PT: Record<string, string> = {
  persistence: 'persistência (quem está atrasado agora continua atrasado)',
  logistic_regression: 'regressão logística',
  random_forest: 'floresta aleatória',
  gbdt: 'gradient boosting de árvores',
};

const years = (ys: readonly number[]): string => ys.join(', ');

/** Keeps at most `max` points of a curve (evenly spaced), always the first and the last. */
function thin(points: Array<[number, number]>, max = 160): Array<[number, number]> {
  if (points.length <= max) return points;
  const out: Array<[number, number]> = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return out;
}

const diagonal = (name: string) => ({
  name,
  points: [
    [0, 0],
    [1, 1],
  ] as Array<[number, number]>,
  color: '#6b7680',
  dashed: true,
});

const chartBlock = (spec: ChartSpec): Block => ({
  kind: 'chart',
  id: spec.id,
  title: spec.title,
  description: spec.description,
  svg: lineChart(spec),
});

function curves(inp: ReportInput, t: EvaluationBlock): Block[] {
  const { y, p } = inp.test;
  const roc = rocCurve(y, p);
  const pr = precisionRecallCurve(y, p);
  const c = confusionAt(y, p, t.threshold);
  const rec = c.tp / (c.tp + c.fn);
  const prec = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const fpr = c.fp / (c.fp + c.tn);
  const cal = calibrationCurve(y, p, 10);
  const year = inp.testYear;
  const label = 'ponto de operação (teste)';
  return [
    chartBlock({
      id: 'curva-roc',
      title: `Curva ROC (${year})`,
      description: `No teste de ${year}, ROC-AUC ${dec(t.metrics.roc_auc.value)}: quanto mais a curva do modelo passa acima da diagonal do acaso, melhor ele ordena os alunos. No ponto de operação do teste, o modelo encontra ${pct(rec)} dos alunos que atrasaram com ${pct(fpr)} de alarmes falsos entre os que não atrasaram.`,
      xLabel: 'Taxa de alarmes falsos',
      yLabel: 'Recall (alunos em risco encontrados)',
      series: [
        { name: 'modelo', points: thin(Array.from(roc.fpr, (x, i) => [x, roc.tpr[i]!])), color: '#0b4f8a' },
        diagonal('acaso'),
      ],
      markers: [{ x: fpr, y: rec, label }],
      legend: 'bottom-right',
    }),
    chartBlock({
      id: 'curva-pr',
      title: `Precisão × recall (${year})`,
      description: `No teste de ${year}, PR-AUC ${dec(t.metrics.pr_auc.value)} contra a taxa base de ${pct(t.base_rate)} (o acaso). No ponto de operação do teste: precisão ${pct(prec)} com recall ${pct(rec)}.`,
      xLabel: 'Recall',
      yLabel: 'Precisão',
      series: [
        {
          name: 'modelo',
          points: thin(Array.from(pr.recall, (r, i) => [r, pr.precision[i]!])),
          color: '#0b4f8a',
        },
        {
          name: 'taxa base',
          points: [
            [0, t.base_rate],
            [1, t.base_rate],
          ],
          color: '#6b7680',
          dashed: true,
        },
      ],
      markers: [{ x: rec, y: prec, label }],
    }),
    chartBlock({
      id: 'calibracao',
      title: `Calibração (${year})`,
      description: `Risco previsto contra a proporção que de fato atrasou, em ${cal.probPred.length} faixas de escore, no teste de ${year}; pontos sobre a diagonal = escore bem calibrado. Risco médio previsto ${pct(t.mean_predicted)} contra ${pct(t.base_rate)} observado; ECE ${dec(t.metrics.ece.value)}.`,
      xLabel: 'Risco previsto',
      yLabel: 'Proporção que atrasou',
      series: [
        {
          name: 'modelo',
          points: Array.from(cal.probPred, (x, i) => [x, cal.probTrue[i]!]),
          color: '#0b4f8a',
          dots: true,
        },
        diagonal('perfeita'),
      ],
      legend: 'bottom-right',
    }),
  ];
}

/** Rows the importance is averaged over: TreeSHAP on every student would dominate the training time. */
export const IMPORTANCE_ROWS = 100;

/**
 * Mean |contribution| per feature (the model's global importance) over at most IMPORTANCE_ROWS rows,
 * evenly spaced through the given rows (deterministic), named by the catalogue's Portuguese label.
 */
function importance(model: LoadedModelV1, all: readonly StudentRecord[]) {
  const sums = new Map<string, number>();
  const k = model.featureNames.length;
  const step = Math.max(1, all.length / IMPORTANCE_ROWS);
  const rows: StudentRecord[] = [];
  for (let x = 0; Math.floor(x) < all.length && rows.length < IMPORTANCE_ROWS; x += step)
    rows.push(all[Math.floor(x)]!);
  for (const r of rows)
    for (const f of model.explain(r, k))
      sums.set(f.feature, (sums.get(f.feature) ?? 0) + Math.abs(f.contribution));
  return [...sums.entries()]
    .map(([feature, s]) => ({
      label: FEATURE_BY_NAME.get(feature)?.label ?? feature,
      value: s / rows.length,
    }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label))
    .slice(0, 12);
}

/**
 * What the report can honestly say about IPP (missing in 2022): whether the delivered model and the
 * backtest model (source of the test-year numbers) use it at all depends on the years they saw.
 */
export function ippLimit(inp: Pick<ReportInput, 'model' | 'backtest'>): string {
  const uses = (m: LoadedModelV1) => m.featureNames.some((n) => n === 'ipp' || n.startsWith('ipp_'));
  if (!uses(inp.model))
    return 'O IPP não existe em 2022 e faltou em todas as transições de treino do modelo entregue: ele não usa o IPP (um IPP enviado não muda o escore).';
  if (!uses(inp.backtest))
    return 'O IPP não existe em 2022: o modelo entregue aprende seu efeito apenas com anos posteriores, e o modelo de backtest, de onde vêm os números do ano de teste, não usa o IPP.';
  return 'O IPP não existe em 2022: o modelo aprende seu efeito apenas com anos posteriores.';
}

function policyText(cfg: TrainConfig): string {
  const p = cfg.threshold_policy;
  return p.kind === 'min_recall_with_flag_cap'
    ? `o **maior** limiar que ainda encontra pelo menos ${pct(p.min_recall)} dos alunos que vão atrasar (o menor número de sinalizados para esse recall), desde que não sinalize mais que ${dec(p.max_flag_ratio, 2)} × a proporção esperada de alunos que atrasam (o risco médio calibrado, que não usa os resultados)`
    : `maximizar F${p.beta} com recall ≥ ${pct(p.min_recall)}`;
}

function guardrailVerdict(checks: readonly GuardrailCheck[] | null): Block {
  if (checks === null)
    return {
      kind: 'notice',
      tone: 'info',
      title: 'Critérios de promoção não verificados.',
      text: 'Os mínimos do registro (PROMOTE_MIN_ROC_AUC, PROMOTE_MIN_PRECISION, PROMOTE_MIN_RECALL) não foram informados a este treino; o registro os aplica ao promover o modelo.',
    };
  const failed = checks.filter((c) => !c.ok);
  return failed.length === 0
    ? {
        kind: 'notice',
        tone: 'ok',
        title: 'O modelo passa nos critérios de promoção.',
        text: 'ROC-AUC, precisão e recall no ano de teste estão acima dos mínimos do registro: `registry promote` aceita colocá-lo em uso.',
      }
    : {
        kind: 'notice',
        tone: 'warning',
        title: 'O modelo NÃO passa nos critérios de promoção.',
        text: `${failed.map((c) => `${c.metric === 'roc_auc' ? 'ROC-AUC' : c.metric === 'precision' ? 'precisão' : 'recall'} ${c.value === null ? 'ausente' : dec(c.value)} abaixo do mínimo ${ptNumber(c.min, 3)}`).join('; ')}. \`registry promote\` recusa este modelo; o modelo em uso continua o anterior. Não o use para decisões sem entender por quê (veja o anexo técnico).`,
      };
}

function header(inp: ReportInput): Block[] {
  const out: Block[] = [
    heading(1, REPORT_TITLE),
    paragraph(
      `Gerado em ${inp.createdAt} por \`defasagem train\`. Modelo escolhido: **${LEARNER_PT[inp.selection.kind] ?? inp.selection.kind}**.`,
    ),
    {
      kind: 'paragraph',
      only: 'md',
      text: `Versão com gráficos, para abrir no navegador: [${HTML_REPORT}](${HTML_REPORT}) (mesma pasta; funciona sem internet).`,
    },
  ];
  if (inp.synthetic)
    out.push({
      kind: 'notice',
      tone: 'warning',
      title: 'DADOS SINTÉTICOS.',
      text: 'Este modelo foi treinado com dados gerados, não com alunos reais. Não use para decisões.',
    });
  return out;
}

function summarySection(inp: ReportInput, t: EvaluationBlock, checks: GuardrailCheck[] | null): Block[] {
  const flagged = t.confusion.tp + t.confusion.fp;
  return [
    heading(2, 'Resumo'),
    guardrailVerdict(checks),
    list([
      `O modelo em uso **sinaliza um aluno quando o escore é pelo menos ${dec(inp.model.threshold)}** (o limiar do modelo entregue; as faixas estão abaixo).`,
      `No teste em ${inp.testYear}, com alunos que o procedimento nunca viu, ele encontrou **${Math.round(100 * t.metrics.recall.value)} de cada 100** alunos que atrasaram (recall) e, de cada 10 sinalizados, **${Math.round(10 * t.metrics.precision.value)}** atrasaram de fato (precisão). Sinalizou ${pct(flagged / t.n)} dos alunos, quando ${pct(t.base_rate)} atrasaram.`,
      'O escore não é um diagnóstico nem um julgamento sobre o aluno: é um alerta para olhar mais de perto. Cada escore vem com os fatores que mais pesaram, em português e com o efeito aproximado em pontos percentuais.',
    ]),
  ];
}

function meaningSection(inp: ReportInput): Block[] {
  return [
    heading(2, 'O que o escore significa'),
    paragraph(
      'Para cada aluno observado num ano do PEDE, o modelo estima a **probabilidade de ele estar atrasado (defasagem negativa) no ano seguinte**. O escore vai de 0 a 1 e é calibrado: entre alunos com escore 0,6, espera-se que cerca de 6 em 10 estejam atrasados no ano seguinte (na população em que o modelo foi calibrado).',
    ),
    paragraph(
      `As faixas do modelo em uso dizem o que fazer. Entre parênteses, o que cada faixa continha na validação cruzada do modelo em uso (anos do rótulo ${years(inp.productionYears)}) e, com os mesmos cortes, entre os escores do teste de ${inp.testYear}:`,
    ),
    bandList(inp.model, inp.servedValidation, inp.test, inp.testYear),
  ];
}

function operatingSection(inp: ReportInput, t: EvaluationBlock): Block[] {
  const m = t.metrics;
  const v = inp.servedChoice.validation;
  const capacity = inp.cfg.capacity;
  const capacityText =
    capacity.kind === 'expected'
      ? `no máximo ${dec(capacity.ratio, 2)} × o número esperado de alunos que atrasam (a soma dos escores calibrados da turma)`
      : capacity.kind === 'share'
        ? `os ${pct(capacity.share)} de maior escore`
        : `os ${capacity.count} alunos de maior escore`;
  const flagged = t.confusion.tp + t.confusion.fp;
  return [
    heading(2, 'Ponto de operação em uso', 'ponto-de-operacao'),
    paragraph(
      `**Limiar em uso: ${dec(inp.model.threshold)}.** Um aluno é sinalizado (\`risk_label\` = 1) quando o escore é pelo menos esse valor; é o limiar do modelo entregue, o que a API e a pontuação de turmas usam. Ele foi escolhido **apenas na validação cruzada** (anos do rótulo ${years(inp.productionYears)}) pela política: ${policyText(inp.cfg)}. Nessa validação, com este limiar, o modelo encontrou ${pct(v.recall)} dos alunos que atrasaram, ${pct(v.precision)} dos sinalizados atrasaram e ${pct(v.flagged_rate)} dos alunos foram sinalizados.`,
    ),
    paragraph(
      inp.refit
        ? `**Desempenho esperado num ano novo.** O modelo entregue foi reajustado com todas as transições (incluindo ${inp.testYear}), então não resta um ano que ele não viu. A melhor estimativa honesta vem do **mesmo procedimento** refeito só com os anos anteriores (ano do rótulo ${years(inp.devYears)}) e aplicado aos alunos de ${inp.testYear - 1} → ${inp.testYear}, que ele nunca viu (o limiar desse modelo de teste, escolhido pela mesma regra, está no anexo técnico). Esse teste é uma **verificação de regressão**, nunca um alvo de ajuste:`
        : `**Desempenho esperado num ano novo.** O modelo entregue foi desenvolvido só com os anos anteriores (ano do rótulo ${years(inp.devYears)}) e testado nos alunos de ${inp.testYear - 1} → ${inp.testYear}, que ele nunca viu. Esse teste é uma **verificação de regressão**, nunca um alvo de ajuste:`,
    ),
    list([
      `Alunos no teste: **${t.n}**, dos quais **${t.positives}** ficaram atrasados em ${inp.testYear} (taxa base ${pct(t.base_rate)}). O modelo previa, em média, ${pct(t.mean_predicted)} (risco médio previsto contra ${pct(t.base_rate)} observado).`,
      `Sinalizados: **${flagged}** (${pct(flagged / t.n)} dos alunos; ${dec(flagged / Math.max(1, t.positives), 2)} sinalizados por aluno que atrasou).`,
      `**Recall**: ${ci(m.recall)} — de cada 100 alunos que vão atrasar, o modelo encontra cerca de **${Math.round(100 * m.recall.value)}**. Não encontrou ${t.confusion.fn} de ${t.positives}.`,
      `**Precisão**: ${ci(m.precision)} — de cada 10 alunos sinalizados, cerca de **${Math.round(10 * m.precision.value)}** realmente atrasam (sem modelo, sinalizando todos, seriam ${dec(10 * t.base_rate, 1)}).`,
      `ROC-AUC ${ci(m.roc_auc, false)}; PR-AUC ${ci(m.pr_auc, false)}; F2 ${ci(m.f2, false)}; Brier ${ci(m.brier, false)} (veja o glossário).`,
    ]),
    paragraph(
      `**Pontuação de uma turma inteira**: com os escores de todos os alunos à mão, a capacidade padrão sinaliza ${capacityText}, dos maiores escores para os menores (empates nunca são separados); top k% ou N alunos também são possíveis. Pedidos de um aluno por vez usam o limiar fixo acima.`,
    ),
  ];
}

function guardrailSection(inp: ReportInput, checks: GuardrailCheck[] | null): Block[] {
  return [
    heading(2, 'Critérios de promoção', 'criterios-de-promocao'),
    paragraph(
      `Antes de colocar um modelo em uso, o registro confere se o teste em ${inp.testYear} atinge mínimos de ROC-AUC, precisão e recall (configuráveis: \`PROMOTE_MIN_ROC_AUC\`, \`PROMOTE_MIN_PRECISION\`, \`PROMOTE_MIN_RECALL\`).`,
    ),
    checks === null ? guardrailVerdict(checks) : guardrailBlock(checks, inp.testYear),
  ];
}

function factorsSection(inp: ReportInput): Block[] {
  const imp = importance(inp.model, inp.testRows);
  const n = Math.min(IMPORTANCE_ROWS, inp.testRows.length);
  const description = `Os fatores que mais pesam no escore do modelo em uso, do maior para o menor: ${imp
    .slice(0, 5)
    .map((i) => `${i.label} (${dec(i.value)})`)
    .join(', ')}.`;
  return [
    heading(2, 'O que mais pesa no escore'),
    paragraph(
      `Importância média de cada fator: a média do tamanho da contribuição exata de cada fator ao escore interno do modelo (em log-odds), no modelo em uso, em ${n} alunos do ano de teste espaçados uniformemente.`,
    ),
    {
      kind: 'chart',
      id: 'importancia',
      title: 'Importância dos fatores',
      description,
      svg: barChart({ id: 'importancia', title: 'Importância dos fatores', description }, imp),
    },
    paragraph(
      'Para cada aluno, a API e a planilha de turma mostram os fatores que mais pesaram no seu escore, como frases: o valor do aluno comparado a uma referência (por exemplo, "IDA 3,2 — abaixo da mediana dos alunos (6,1)"), se aumenta ou reduz o risco e o efeito aproximado em pontos percentuais. Um dado que falta aparece como fator próprio ("Idade não informada").',
    ),
  ];
}

function groupsSection(inp: ReportInput): Block[] {
  return [
    heading(2, `Resultados por grupo (${inp.testYear})`, 'resultados-por-grupo'),
    paragraph(
      `Mesmo limiar para todos. Grupos pequenos (⚠, menos de ${SMALL_GROUP} alunos) têm números instáveis; os intervalos de confiança por grupo estão em \`metrics_v1.json\`.`,
    ),
    ...Object.entries(inp.metrics.by_group).map(([field, blocks]) => groupBlock(field, blocks)),
    ...gapBlocks(inp.metrics.by_group),
  ];
}

function limitsSection(inp: ReportInput): Block[] {
  return [
    heading(2, 'Limites'),
    list([
      `Poucos dados: ${inp.devYears.length === 1 ? 'apenas uma transição anual' : `${inp.devYears.length} transições anuais`} para desenvolver o modelo e uma para testar. Os intervalos de confiança são largos; trate diferenças pequenas entre modelos ou grupos como ruído.`,
      'A taxa de alunos atrasados mudou muito entre os anos; se mudar de novo, as probabilidades ficam descalibradas, mesmo que a ordenação continue útil. Monitore a taxa de sinalizados (baseline_v1.json) e recalibre com os resultados do ano.',
      ippLimit(inp),
      'O modelo só vê o que o PEDE registra; fatores familiares, de saúde ou da escola que não estão nos dados não entram. Use o escore como um ponto de partida para a conversa com a equipe, nunca como decisão automática.',
      'Nomes e RA nunca são usados pelo modelo.',
    ]),
  ];
}

function annexSection(inp: ReportInput, t: EvaluationBlock): Block[] {
  const v = inp.metrics.validation;
  const flagged = t.confusion.tp + t.confusion.fp;
  const twoThresholds = inp.refit
    ? `Há dois limiares nesta execução, ambos escolhidos pela mesma política, cada um na validação cruzada do seu modelo. **${dec(inp.model.threshold)}** é o do modelo entregue (reajustado com os anos ${years(inp.productionYears)}): é o que está em uso. **${dec(t.threshold)}** é o do modelo de teste (desenvolvido só com ${years(inp.devYears)}), usado apenas para medir o desempenho em ${inp.testYear}; os números do teste (\`metrics_v1.json\`, bloco \`test\`, e os critérios de promoção) são os dele.`
    : `O modelo entregue é o próprio modelo de teste (sem reajuste): um único limiar, **${dec(t.threshold)}**.`;
  return [
    heading(2, 'Anexo técnico', 'anexo-tecnico'),
    heading(3, 'Os dois limiares'),
    paragraph(twoThresholds),
    heading(3, `O modelo de teste em ${inp.testYear}`),
    paragraph(
      `Matriz de confusão no limiar ${dec(t.threshold)}: ${t.confusion.tp} em risco sinalizados (VP), ${t.confusion.fp} alarmes falsos (FP), ${t.confusion.fn} em risco não sinalizados (FN), ${t.confusion.tn} corretamente não sinalizados (VN). Na validação (${pct(v.base_rate)} de alunos em risco): recall ${pct(v.metrics.recall.value)}, precisão ${pct(v.metrics.precision.value)}. A calibração em ${inp.testYear} reflete a mudança entre os anos (${pct(v.base_rate)} em risco na validação, ${pct(t.base_rate)} no teste): ECE ${ci(t.metrics.ece, false)}.`,
    ),
    paragraph(
      '**Compromisso em torno do limiar** do modelo de teste (cada corte: quantos alunos são sinalizados, quantos dos sinalizados atrasam, quantos dos que atrasam são encontrados):',
    ),
    tradeoffBlock(inp.backtest, inp.validation, inp.test, inp.testYear),
    paragraph(
      '**Se a proporção de alunos que atrasam mudar** (projeção com as taxas da validação: a mesma proporção dos que atrasam e dos que não atrasam é sinalizada):',
    ),
    shiftBlock(inp.backtest, inp.validation, v.base_rate),
    paragraph(
      `Essa projeção é o caso pessimista, em que só a proporção muda. De ${inp.testYear - 1} para ${inp.testYear}, as entradas também mudaram (por exemplo, menos alunos já atrasados), os escores caíram junto e o limiar sinalizou ${pct(flagged / t.n)} dos alunos quando ${pct(t.base_rate)} atrasaram (o modelo esperava ${pct(t.mean_predicted)}).`,
    ),
    heading(3, 'Modelos comparados'),
    paragraph(
      `Todos os candidatos foram desenvolvidos com os mesmos dados e a mesma validação. ${inp.selection.rule}`,
    ),
    paragraph(`**Escolhido:** ${inp.selection.reason}`),
    candidateBlock(inp.comparison),
    paragraph('As colunas de teste são informativas: a escolha não olha o teste.'),
    heading(3, 'Atributos: o que cada um vale (ablação)'),
    paragraph(
      `O modelo escolhido, refeito pelo mesmo procedimento sem cada atributo derivado (ou grupo), ou com ele quando está fora do conjunto padrão; diferenças em relação à primeira linha. Só entram no conjunto padrão atributos que se mantêm de um ano para o outro: calculados só com os valores do próprio aluno, sem parâmetros aprendidos de uma coorte, e sem revelar a edição do PEDE. **O backtest de ${inp.testYear} informou esta escolha uma vez** (\`idade_vs_fase\` saiu: melhora a validação e piora o ano seguinte); daqui em diante ele é uma verificação de regressão, nunca um alvo de ajuste. Diferenças de poucos milésimos são ruído.`,
    ),
    ablationBlock(inp.ablation, inp.testYear),
  ];
}

/** The report's blocks, in reading order. */
export function reportBlocks(inp: ReportInput): Block[] {
  const t = inp.metrics.test!;
  const checks = inp.guardrails ? checkGuardrails(inp.metrics, inp.guardrails) : null;
  return [
    ...header(inp),
    ...summarySection(inp, t, checks),
    ...meaningSection(inp),
    ...operatingSection(inp, t),
    ...guardrailSection(inp, checks),
    heading(2, 'Curvas'),
    ...curves(inp, t),
    ...factorsSection(inp),
    ...groupsSection(inp),
    ...limitsSection(inp),
    heading(2, 'Glossário'),
    glossaryBlock(),
    ...annexSection(inp, t),
  ];
}

/** model_report.md and model_report.html, from the same blocks. */
export function renderReport(inp: ReportInput): { markdown: string; html: string } {
  const blocks = reportBlocks(inp);
  return { markdown: renderMarkdown(blocks), html: renderHtml(blocks, REPORT_TITLE) };
}
