/**
 * model_report.md: the training report in Portuguese for the pedagogical coordination. Plain language
 * first (what the score means, what each band holds, how many students it flags and how many it
 * catches, with intervals), then the evidence: the trade-off around the threshold, curves as inline
 * SVG, the candidates and the selection rule, the feature ablation, feature importance, per-group
 * results and the limits. The tables live in report-tables.ts.
 */
import type { StudentRecord } from '../core/student.js';
import { calibrationCurve, confusionAt, precisionRecallCurve, rocCurve } from '../ml/metrics.js';
import type { LoadedModelV1 } from '../model/load.js';
import type { MetricsFile } from '../model/types.js';
import type { AblationRow } from './ablation.js';
import type { TrainConfig } from './config.js';
import type { Scored } from './operating-point.js';
import { SMALL_GROUP } from './operating-point.js';
import type { CandidateResult } from './outputs.js';
import {
  ablationLines,
  bandLines,
  candidateLines,
  ci,
  dec,
  gapLines,
  groupLines,
  pct,
  shiftLines,
  tradeoffLines,
} from './report-tables.js';
import { barChart, lineChart } from './svg.js';

export interface ReportInput {
  createdAt: string;
  metrics: MetricsFile;
  comparison: CandidateResult[];
  selection: { kind: string; rule: string; reason: string };
  model: LoadedModelV1;
  backtest: LoadedModelV1;
  testYear: number;
  devYears: number[];
  refit: boolean;
  /** The chosen candidate's out-of-fold probabilities on the development transitions. */
  validation: Scored;
  /** The backtest model's probabilities on the test year. */
  test: Scored;
  synthetic: boolean;
  cfg: TrainConfig;
  testRows: readonly StudentRecord[];
  ablation: readonly AblationRow[];
}

const LEARNER_PT: Record<string, string> = {
  persistence: 'persistência (quem está atrasado agora continua atrasado)',
  logistic_regression: 'regressão logística',
  random_forest: 'floresta aleatória',
  gbdt: 'gradient boosting de árvores',
};

/** Keeps at most `max` points of a curve (evenly spaced), always the first and the last. */
function thin(points: Array<[number, number]>, max = 160): Array<[number, number]> {
  if (points.length <= max) return points;
  const out: Array<[number, number]> = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return out;
}

function curves(y: Float64Array, p: Float64Array, threshold: number, baseRate: number): string[] {
  const roc = rocCurve(y, p);
  const rocPts = thin(Array.from(roc.fpr, (x, i) => [x, roc.tpr[i]!] as [number, number]));
  const pr = precisionRecallCurve(y, p);
  const prPts = thin(Array.from(pr.recall, (r, i) => [r, pr.precision[i]!] as [number, number]));
  const c = confusionAt(y, p, threshold);
  const rec = c.tp / (c.tp + c.fn);
  const prec = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const fpr = c.fp / (c.fp + c.tn);
  const cal = calibrationCurve(y, p, 10);
  const calPts = Array.from(cal.probPred, (x, i) => [x, cal.probTrue[i]!] as [number, number]);
  return [
    lineChart({
      title: 'Curva ROC (ano de teste)',
      xLabel: 'Taxa de falsos alarmes',
      yLabel: 'Recall (alunos em risco encontrados)',
      series: [
        { name: 'modelo', points: rocPts, color: '#1f77b4' },
        {
          name: 'acaso',
          points: [
            [0, 0],
            [1, 1],
          ],
          color: '#999',
          dashed: true,
        },
      ],
      markers: [{ x: fpr, y: rec, label: 'ponto de operação' }],
      legend: 'bottom-right',
    }),
    lineChart({
      title: 'Precisão × recall (ano de teste)',
      xLabel: 'Recall',
      yLabel: 'Precisão',
      series: [
        { name: 'modelo', points: prPts, color: '#1f77b4' },
        {
          name: 'taxa base',
          points: [
            [0, baseRate],
            [1, baseRate],
          ],
          color: '#999',
          dashed: true,
        },
      ],
      markers: [{ x: rec, y: prec, label: 'ponto de operação' }],
    }),
    lineChart({
      title: 'Calibração (ano de teste)',
      xLabel: 'Probabilidade prevista',
      yLabel: 'Proporção observada em risco',
      series: [
        { name: 'modelo', points: calPts, color: '#1f77b4', dots: true },
        {
          name: 'perfeita',
          points: [
            [0, 0],
            [1, 1],
          ],
          color: '#999',
          dashed: true,
        },
      ],
      legend: 'bottom-right',
    }),
  ];
}

/** Rows the importance is averaged over: TreeSHAP on every student would dominate the training time. */
export const IMPORTANCE_ROWS = 100;

/**
 * Mean |contribution| per feature (the model's global importance) over at most IMPORTANCE_ROWS rows,
 * evenly spaced through the given rows (deterministic).
 */
function importance(
  model: LoadedModelV1,
  all: readonly StudentRecord[],
): Array<{ label: string; value: number }> {
  const sums = new Map<string, { label: string; s: number }>();
  const k = model.featureNames.length;
  const step = Math.max(1, all.length / IMPORTANCE_ROWS);
  const rows: StudentRecord[] = [];
  for (let x = 0; Math.floor(x) < all.length && rows.length < IMPORTANCE_ROWS; x += step)
    rows.push(all[Math.floor(x)]!);
  for (const r of rows) {
    for (const f of model.explain(r, k)) {
      const e = sums.get(f.feature) ?? { label: f.label, s: 0 };
      e.s += Math.abs(f.contribution);
      sums.set(f.feature, e);
    }
  }
  return [...sums.values()]
    .map((e) => ({ label: e.label, value: e.s / rows.length }))
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
    return '- O IPP não existe em 2022 e faltou em todas as transições de treino do modelo entregue: ele não usa o IPP (um IPP enviado não muda o escore).';
  if (!uses(inp.backtest))
    return '- O IPP não existe em 2022: o modelo entregue aprende seu efeito apenas com anos posteriores, e o modelo de backtest, de onde vêm os números do ano de teste, não usa o IPP.';
  return '- O IPP não existe em 2022: o modelo aprende seu efeito apenas com anos posteriores.';
}

function policyText(cfg: TrainConfig): string {
  const p = cfg.threshold_policy;
  return p.kind === 'min_recall_with_flag_cap'
    ? `o **maior** limiar que ainda encontra pelo menos ${pct(p.min_recall)} dos alunos que vão atrasar (o menor número de sinalizados para esse recall), desde que não sinalize mais que ${dec(p.max_flag_ratio, 2)} × a proporção esperada de alunos que atrasam (o risco médio calibrado, que não usa os resultados)`
    : `maximizar F${p.beta} com recall ≥ ${pct(p.min_recall)}`;
}

function meaningSection(inp: ReportInput): string[] {
  const { model, testYear } = inp;
  return [
    '## O que o escore significa',
    '',
    'Para cada aluno observado num ano do PEDE, o modelo estima a **probabilidade de ele estar atrasado (defasagem negativa) no ano seguinte**.',
    'O escore vai de 0 a 1 e é calibrado: entre alunos com escore 0,6, espera-se que cerca de 6 em 10 estejam atrasados no ano seguinte (na população em que o modelo foi calibrado).',
    `O aluno é **sinalizado** (\`risk_label\` = 1) quando o escore é pelo menos **${dec(model.threshold)}**. As faixas dizem o que fazer; entre parênteses, o que cada faixa do modelo de backtest continha na validação e em ${testYear}:`,
    '',
    ...bandLines(inp.backtest, inp.validation, inp.test, testYear),
    '',
    'O escore não é um diagnóstico nem um julgamento sobre o aluno: é um alerta para olhar mais de perto. Os principais fatores de cada aluno acompanham o escore na API.',
    '',
  ];
}

function operatingSection(inp: ReportInput): string[] {
  const { metrics, testYear } = inp;
  const t = metrics.test!;
  const v = metrics.validation;
  const m = t.metrics;
  const flagged = t.confusion.tp + t.confusion.fp;
  const p = inp.cfg.threshold_policy;
  const capacity = inp.cfg.capacity;
  const capacityText =
    capacity.kind === 'expected'
      ? `no máximo ${dec(capacity.ratio, 2)} × o número esperado de alunos que atrasam (a soma dos escores calibrados da turma)`
      : capacity.kind === 'share'
        ? `os ${pct(capacity.share)} de maior escore`
        : `os ${capacity.count} alunos de maior escore`;
  return [
    `## Ponto de operação no ano de teste (${testYear})`,
    '',
    `O modelo foi avaliado como será usado: desenvolvido só com transições anteriores (ano do rótulo ${inp.devYears.join(', ')}) e testado nos alunos de ${testYear - 1} → ${testYear}, que ele nunca viu. Esse teste é uma **verificação de regressão**, nunca um alvo de ajuste.`,
    '',
    `- Alunos no teste: **${t.n}**, dos quais **${t.positives}** ficaram atrasados em ${testYear} (taxa base ${pct(t.base_rate)}). O modelo previa, em média, ${pct(t.mean_predicted)} (risco médio previsto contra ${pct(t.base_rate)} observado).`,
    `- Sinalizados pelo modelo: **${flagged}** (${pct(flagged / t.n)} dos alunos; ${dec(flagged / Math.max(1, t.positives), 2)} sinalizados por aluno que atrasou).`,
    `- **Recall**: ${ci(m.recall)} — de cada 100 alunos que vão atrasar, o modelo encontra cerca de **${Math.round(100 * m.recall.value)}**. Não encontrou ${t.confusion.fn} de ${t.positives}.`,
    `- **Precisão**: ${ci(m.precision)} — de cada 10 alunos sinalizados, cerca de **${Math.round(10 * m.precision.value)}** realmente atrasam (sem modelo, sinalizando todos, seriam ${dec(10 * t.base_rate, 1)}).`,
    `- ROC-AUC ${ci(m.roc_auc, false)}; PR-AUC ${ci(m.pr_auc, false)}; F2 ${ci(m.f2, false)}; Brier ${ci(m.brier, false)}.`,
    '',
    `Matriz de confusão no limiar ${dec(t.threshold)}: ${t.confusion.tp} em risco sinalizados (VP), ${t.confusion.fp} alarmes falsos (FP), ${t.confusion.fn} em risco não sinalizados (FN), ${t.confusion.tn} corretamente não sinalizados (VN).`,
    '',
    `O limiar foi escolhido **apenas na validação** (${pct(v.base_rate)} de alunos em risco) pela política: ${policyText(inp.cfg)}. Na validação: recall ${pct(v.metrics.recall.value)}, precisão ${pct(v.metrics.precision.value)}.${p.kind === 'min_recall_with_flag_cap' ? ' O recall num limiar fixo depende só de como os alunos que atrasam são pontuados, não de quantos eles são; por isso o mesmo limiar serve anos em que a proporção de alunos que atrasam muda.' : ''}`,
    '',
    '**Compromisso em torno do limiar** (cada corte: quantos alunos são sinalizados, quantos dos sinalizados atrasam, quantos dos que atrasam são encontrados):',
    '',
    ...tradeoffLines(inp.backtest, inp.validation, inp.test, testYear),
    '',
    '**Se a proporção de alunos que atrasam mudar** (projeção com as taxas da validação: a mesma proporção dos que atrasam e dos que não atrasam é sinalizada):',
    '',
    ...shiftLines(inp.backtest, inp.validation, v.base_rate),
    '',
    `Essa projeção é o caso pessimista, em que só a proporção muda. De ${testYear - 1} para ${testYear}, as entradas também mudaram (por exemplo, menos alunos já atrasados), os escores caíram junto e o limiar sinalizou ${pct(flagged / t.n)} dos alunos quando ${pct(t.base_rate)} atrasaram (${dec(flagged / Math.max(1, t.positives), 2)} sinalizados por aluno que atrasou; o modelo esperava ${pct(t.mean_predicted)}).`,
    '',
    `**Pontuação de uma turma inteira**: com os escores de todos os alunos à mão, a capacidade padrão sinaliza ${capacityText}, dos maiores escores para os menores (empates nunca são separados); top k% ou N alunos também são possíveis. Pedidos de um aluno por vez usam o limiar fixo acima.`,
    '',
  ];
}

function comparisonSection(inp: ReportInput): string[] {
  return [
    '## Modelos comparados',
    '',
    `Todos os candidatos foram desenvolvidos com os mesmos dados e a mesma validação. ${inp.selection.rule}`,
    '',
    `**Escolhido:** ${inp.selection.reason}`,
    '',
    ...candidateLines(inp.comparison),
    '',
    '\\* Informativo: a escolha não olha o teste.',
    '',
    '## Atributos: o que cada um vale (ablação)',
    '',
    `O modelo escolhido, refeito pelo mesmo procedimento sem cada atributo derivado (ou grupo), ou com ele quando está fora do conjunto padrão; diferenças em relação à primeira linha. Só entram no conjunto padrão atributos que se mantêm de um ano para o outro: calculados só com os valores do próprio aluno, sem parâmetros aprendidos de uma coorte, e sem revelar a edição do PEDE. **O backtest de ${inp.testYear} informou esta escolha uma vez** (\`idade_vs_fase\` saiu: melhora a validação e piora o ano seguinte); daqui em diante ele é uma verificação de regressão, nunca um alvo de ajuste. Diferenças de poucos milésimos são ruído.`,
    '',
    ...ablationLines(inp.ablation, inp.testYear),
    '',
  ];
}

export function renderReport(inp: ReportInput): string {
  const { metrics, testYear } = inp;
  const t = metrics.test!;
  const [rocSvg, prSvg, calSvg] = curves(inp.test.y, inp.test.p, t.threshold, t.base_rate);
  const imp = importance(inp.model, inp.testRows);
  const L: string[] = [
    '# Relatório do modelo de risco de defasagem',
    '',
    `Gerado em ${inp.createdAt} por \`defasagem train\`. Modelo escolhido: **${LEARNER_PT[inp.selection.kind] ?? inp.selection.kind}**.`,
    '',
  ];
  if (inp.synthetic) {
    L.push(
      '> ⚠ **DADOS SINTÉTICOS.** Este modelo foi treinado com dados gerados, não com alunos reais. Não use para decisões.',
      '',
    );
  }
  L.push(...meaningSection(inp), ...operatingSection(inp));
  if (inp.refit) {
    L.push(
      `O modelo entregue foi **reajustado com todas as transições** (incluindo ${testYear}) pelo mesmo procedimento; calibração e limiar foram refeitos pela mesma política na validação cruzada desse conjunto (limiar entregue: ${dec(inp.model.threshold)}). Os números acima são do modelo de backtest (limiar ${dec(t.threshold)}), a melhor estimativa honesta do desempenho do modelo entregue.`,
      '',
    );
  }
  L.push('## Curvas', '', rocSvg, '', prSvg, '', calSvg, '');
  L.push(
    `A calibração no ano de teste reflete a mudança entre os anos (${pct(metrics.validation.base_rate)} em risco na validação, ${pct(t.base_rate)} no teste; risco médio previsto ${pct(t.mean_predicted)}): ECE ${ci(t.metrics.ece, false)}. Quando a proporção de alunos atrasados muda, as probabilidades se deslocam; a ordenação (quem tem mais risco) e o recall no limiar se mantêm melhor.`,
    '',
    ...comparisonSection(inp),
    '## O que mais pesa no escore',
    '',
    `Importância média de cada fator (média do valor absoluto da contribuição exata ao escore, modelo entregue, em ${Math.min(IMPORTANCE_ROWS, inp.testRows.length)} alunos do ano de teste espaçados uniformemente):`,
    '',
    barChart('Importância dos fatores', imp),
    '',
    '## Resultados por grupo (ano de teste)',
    '',
    `Mesmo limiar para todos. Grupos pequenos (⚠, menos de ${SMALL_GROUP} alunos) têm números instáveis; os intervalos de confiança por grupo estão em \`metrics_v1.json\`.`,
    '',
  );
  for (const [field, blocks] of Object.entries(metrics.by_group)) L.push(...groupLines(field, blocks));
  L.push(
    ...gapLines(metrics.by_group),
    '## Limites',
    '',
    `- Poucos dados: ${inp.devYears.length === 1 ? 'apenas uma transição anual' : `${inp.devYears.length} transições anuais`} para desenvolver o modelo e uma para testar. Os intervalos de confiança são largos; trate diferenças pequenas entre modelos ou grupos como ruído.`,
    '- A taxa de alunos atrasados mudou muito entre os anos; se mudar de novo, as probabilidades ficam descalibradas, mesmo que a ordenação continue útil. Monitore a taxa de sinalizados (baseline_v1.json) e recalibre com os resultados do ano.',
    ippLimit(inp),
    '- O modelo só vê o que o PEDE registra; fatores familiares, de saúde ou da escola que não estão nos dados não entram. Use o escore como um ponto de partida para a conversa com a equipe, nunca como decisão automática.',
    '- Nomes e RA nunca são usados pelo modelo.',
    '',
  );
  return L.join('\n');
}
