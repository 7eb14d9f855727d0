/**
 * model_report.md: the training report in Portuguese for the pedagogical coordination. Plain language
 * first (what the score means, how many students it flags and how many it catches, with intervals),
 * then the evidence: curves as inline SVG, feature importance, per-group results and the limits.
 */
import type { StudentRecord } from '../core/student.js';
import { calibrationCurve, confusionAt, precisionRecallCurve, rocCurve } from '../ml/metrics.js';
import type { LoadedModelV1 } from '../model/load.js';
import type { EvaluationBlock, MetricsFile, MetricWithCI } from '../model/types.js';
import type { TrainConfig } from './config.js';
import { barChart, lineChart } from './svg.js';
import type { CandidateResult } from './train.js';

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
  yTest: Float64Array;
  pTest: Float64Array;
  synthetic: boolean;
  cfg: TrainConfig;
  testRows: readonly StudentRecord[];
}

const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1).replace('.', ',')}%`;
const dec = (v: number | null | undefined, d = 3): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d).replace('.', ',');
const ci = (m: MetricWithCI, asPct = true): string => {
  const f = asPct ? pct : (v: number | null) => dec(v);
  return m.ci_low === null ? f(m.value) : `${f(m.value)} (IC 95%: ${f(m.ci_low)} a ${f(m.ci_high)})`;
};

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

/** Test-year students per risk band of the backtest model, and how many of them fell behind. */
function bandRows(model: LoadedModelV1, p: Float64Array, y: Float64Array): string[] {
  const names = { alto: 'alto', medio: 'médio', baixo: 'baixo' } as const;
  return (['alto', 'medio', 'baixo'] as const).map((band) => {
    let n = 0;
    let pos = 0;
    for (let i = 0; i < p.length; i++) {
      if (model.riskBand(p[i]!) === band) {
        n++;
        pos += y[i]!;
      }
    }
    return `| ${names[band]} | ${n} (${pct(n / p.length)}) | ${n > 0 ? pct(pos / n) : '—'} |`;
  });
}

const GROUP_PT: Record<string, string> = { genero: 'Gênero', instituicao: 'Tipo de escola', fase: 'Fase' };

function groupTable(field: string, blocks: Record<string, EvaluationBlock>): string[] {
  const lines = [
    `**${GROUP_PT[field] ?? field}**`,
    '',
    '| grupo | alunos | em risco | sinalizados | recall | precisão | ROC-AUC |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, b] of Object.entries(blocks)) {
    const small = b.n < 30 ? ' ⚠' : '';
    const flagged = b.confusion.tp + b.confusion.fp;
    // Recall is undefined without positives, precision without flagged students: show "—", not 0%.
    const recall = b.positives > 0 ? pct(b.metrics.recall.value) : '—';
    const precision = flagged > 0 ? pct(b.metrics.precision.value) : '—';
    lines.push(
      `| ${key}${small} | ${b.n} | ${pct(b.base_rate)} | ${pct(flagged / b.n)} | ${recall} | ${precision} | ${dec(b.metrics.roc_auc.value)} |`,
    );
  }
  lines.push('');
  return lines;
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

export function renderReport(inp: ReportInput): string {
  const { metrics, testYear } = inp;
  const t = metrics.test!;
  const v = metrics.validation;
  const m = t.metrics;
  const flagged = t.confusion.tp + t.confusion.fp;
  const caught = t.confusion.tp;
  const missed = t.confusion.fn;
  const perHundredCaught = Math.round(100 * m.recall.value);
  const perTenRight = Math.round(10 * m.precision.value);
  const bands = inp.model.riskBands;
  const [rocSvg, prSvg, calSvg] = curves(inp.yTest, inp.pTest, t.threshold, t.base_rate);
  const imp = importance(inp.model, inp.testRows);
  const L: string[] = [];
  L.push(
    '# Relatório do modelo de risco de defasagem',
    '',
    `Gerado em ${inp.createdAt} por \`defasagem train\`. Modelo escolhido: **${LEARNER_PT[inp.selection.kind] ?? inp.selection.kind}**.`,
    '',
  );
  if (inp.synthetic) {
    L.push(
      '> ⚠ **DADOS SINTÉTICOS.** Este modelo foi treinado com dados gerados, não com alunos reais. Não use para decisões.',
      '',
    );
  }
  L.push(
    '## O que o escore significa',
    '',
    'Para cada aluno observado num ano do PEDE, o modelo estima a **probabilidade de ele estar atrasado (defasagem negativa) no ano seguinte**.',
    'O escore vai de 0 a 1 e é calibrado: entre alunos com escore 0,6, espera-se que cerca de 6 em 10 estejam atrasados no ano seguinte (na população em que o modelo foi calibrado).',
    `O aluno é **sinalizado** quando o escore é pelo menos **${dec(inp.model.threshold)}**. As faixas ajudam a priorizar:`,
    '',
    `- **alto**: escore ≥ ${dec(bands.alto_from)} — probabilidade estimada de atraso de pelo menos ${pct(bands.alto_from)}; prioridade;`,
    `- **médio**: de ${dec(bands.medio_from)} até ${dec(bands.alto_from)} — sinalizado, acompanhar;`,
    `- **baixo**: abaixo de ${dec(bands.medio_from)} — não sinalizado.`,
    '',
    'O escore não é um diagnóstico nem um julgamento sobre o aluno: é um alerta para olhar mais de perto. Os principais fatores de cada aluno acompanham o escore na API.',
    '',
    `## Ponto de operação no ano de teste (${testYear})`,
    '',
    `O modelo foi avaliado como será usado: desenvolvido só com transições anteriores (ano do rótulo ${inp.devYears.join(', ')}) e testado nos alunos de ${testYear - 1} → ${testYear}, que ele nunca viu.`,
    '',
    `- Alunos no teste: **${t.n}**, dos quais **${t.positives}** ficaram atrasados em ${testYear} (taxa base ${pct(t.base_rate)}).`,
    `- Sinalizados pelo modelo: **${flagged}** (${pct(flagged / t.n)} dos alunos).`,
    `- **Recall**: ${ci(m.recall)} — de cada 100 alunos que vão atrasar, o modelo encontra cerca de **${perHundredCaught}**. Não encontrou ${missed} de ${t.positives}.`,
    `- **Precisão**: ${ci(m.precision)} — de cada 10 alunos sinalizados, cerca de **${perTenRight}** realmente atrasam (sem modelo, sinalizando todos, seriam ${dec(10 * t.base_rate, 1)}).`,
    `- ROC-AUC ${ci(m.roc_auc, false)}; PR-AUC ${ci(m.pr_auc, false)}; F2 ${ci(m.f2, false)}; Brier ${ci(m.brier, false)}.`,
    '',
    `Matriz de confusão no limiar ${dec(t.threshold)}: ${caught} em risco sinalizados (VP), ${t.confusion.fp} alarmes falsos (FP), ${missed} em risco não sinalizados (FN), ${t.confusion.tn} corretamente não sinalizados (VN).`,
    '',
    `O limiar foi escolhido **apenas na validação** pela política: maximizar F${'beta' in inp.cfg.threshold_policy ? inp.cfg.threshold_policy.beta : 2} com recall ≥ ${pct(inp.cfg.threshold_policy.min_recall)} (perder um aluno em risco custa mais que um alarme falso, mas sinalizar todos não ajuda). Na validação: recall ${pct(v.metrics.recall.value)}, precisão ${pct(v.metrics.precision.value)}, com ${pct(v.base_rate)} de alunos em risco. Quanto maior essa proporção, mais a política favorece sinalizar muitos alunos; por isso, para priorizar, use as faixas:`,
    '',
    '| faixa (modelo de backtest) | alunos no teste | ficaram atrasados |',
    '| --- | ---: | ---: |',
    ...bandRows(inp.backtest, inp.pTest, inp.yTest),
    '',
  );
  if (inp.refit) {
    L.push(
      `O modelo entregue foi **reajustado com todas as transições** (incluindo ${testYear}) pelo mesmo procedimento; calibração e limiar foram refeitos pela mesma política na validação cruzada desse conjunto (limiar entregue: ${dec(inp.model.threshold)}). Os números acima são do modelo de backtest (limiar ${dec(t.threshold)}), a melhor estimativa honesta do desempenho do modelo entregue.`,
      '',
    );
  }
  L.push('## Curvas', '', rocSvg, '', prSvg, '', calSvg, '');
  L.push(
    `A calibração no ano de teste reflete a mudança de taxa base entre os anos (${pct(v.base_rate)} na validação, ${pct(t.base_rate)} no teste): ECE ${ci(m.ece, false)}. Quando a proporção de alunos atrasados muda, as probabilidades se deslocam, mas a ordenação (quem tem mais risco) e o recall no limiar se mantêm melhor.`,
    '',
    '## Modelos comparados',
    '',
    'Todos os candidatos foram desenvolvidos com os mesmos dados e a mesma validação. Regra de escolha: ' +
      inp.selection.rule,
    '',
    `**Escolhido:** ${inp.selection.reason}`,
    '',
    '| modelo | PR-AUC validação | ROC-AUC validação | recall validação | precisão validação | ROC-AUC teste* | recall teste* | precisão teste* |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const c of inp.comparison) {
    L.push(
      `| ${c.label} | ${dec(c.validation.pr_auc)} | ${dec(c.validation.roc_auc)} | ${pct(c.validation.recall)} | ${pct(c.validation.precision)} | ${dec(c.test?.roc_auc)} | ${pct(c.test?.recall)} | ${pct(c.test?.precision)} |`,
    );
  }
  L.push(
    '',
    '\\* Informativo: a escolha não olha o teste.',
    '',
    '## O que mais pesa no escore',
    '',
    `Importância média de cada fator (média do valor absoluto da contribuição exata ao escore, modelo entregue, em ${Math.min(IMPORTANCE_ROWS, inp.testRows.length)} alunos do ano de teste espaçados uniformemente):`,
    '',
    barChart('Importância dos fatores', imp),
    '',
    '## Resultados por grupo (ano de teste)',
    '',
    'Mesmo limiar para todos. Grupos pequenos (⚠, menos de 30 alunos) têm números instáveis; os intervalos de confiança por grupo estão em `metrics_v1.json`.',
    '',
  );
  for (const [field, blocks] of Object.entries(metrics.by_group)) L.push(...groupTable(field, blocks));
  L.push(
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
