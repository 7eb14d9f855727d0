/**
 * Tables of model_report.md about the operating point, the risk bands, the candidates, the feature
 * ablation and the groups (Portuguese, for the pedagogical coordination). Pure: lines of Markdown.
 */
import type { LoadedModelV1 } from '../model/load.js';
import type { EvaluationBlock, MetricWithCI } from '../model/types.js';
import type { AblationRow } from './ablation.js';
import {
  type BandStat,
  bandStats,
  labelShiftProjection,
  type Rates,
  type RecallGap,
  recallGaps,
  type Scored,
  SMALL_GROUP,
  tradeoffTable,
} from './operating-point.js';
import { type CandidateResult, PROJECTED_PREVALENCES } from './outputs.js';

export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1).replace('.', ',')}%`;
export const dec = (v: number | null | undefined, d = 3): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d).replace('.', ',');
export const ci = (m: MetricWithCI, asPct = true): string => {
  const f = asPct ? pct : (v: number | null) => dec(v);
  return m.ci_low === null ? f(m.value) : `${f(m.value)} (IC 95%: ${f(m.ci_low)} a ${f(m.ci_high)})`;
};

const rates = (r: Rates | null): string =>
  r === null ? '— | — | —' : `${pct(r.flagged)} | ${pct(r.precision)} | ${pct(r.recall)}`;

export function tradeoffLines(
  model: LoadedModelV1,
  validation: Scored,
  test: Scored,
  testYear: number,
): string[] {
  const rows = tradeoffTable(validation, test, model.riskBands);
  const mark = (m: string[]) =>
    m.length === 0 ? '' : ` (${m.map((x) => (x === 'limiar' ? '**limiar**' : 'início do alto')).join(', ')})`;
  return [
    `| corte | sinalizados (validação) | precisão (validação) | recall (validação) | sinalizados (${testYear}) | precisão (${testYear}) | recall (${testYear}) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${dec(r.cutoff)}${mark(r.marks)} | ${rates(r.validation)} | ${rates(r.test)} |`),
  ];
}

const BAND_TEXT: Record<BandStat['band'], (b: { medio_from: number; alto_from: number }) => string> = {
  alto: (b) =>
    `**alto** (escore ≥ ${dec(b.alto_from)}): a **maioria destes alunos vai atrasar** — para cada um, o modelo estima uma chance de pelo menos ${Math.round(100 * b.alto_from)} em 100. Prioridade para tutoria e acompanhamento da família.`,
  medio: (b) =>
    `**médio** (de ${dec(b.medio_from)} até ${dec(b.alto_from)}): sinalizado; cerca de metade destes alunos atrasa. Acompanhar de perto e rever no meio do ano.`,
  baixo: (b) =>
    `**baixo** (abaixo de ${dec(b.medio_from)}): não sinalizado. Poucos destes alunos atrasam, mas não nenhum: é aqui que ficam os alunos em risco que o modelo não encontra.`,
};

/** Each band in Portuguese, with what it held on validation and on the backtest. */
export function bandLines(
  model: LoadedModelV1,
  validation: Scored,
  test: Scored,
  testYear: number,
): string[] {
  const b = model.riskBands;
  const band = (s: number) => model.riskBand(s);
  const v = bandStats(validation, band);
  const t = bandStats(test, band);
  const lines: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const name = v[i]!.band;
    const text = BAND_TEXT[name](b);
    lines.push(
      `- ${text} Na validação: ${pct(v[i]!.share)} dos alunos, dos quais ${pct(v[i]!.observed)} atrasaram; em ${testYear}: ${pct(t[i]!.share)} dos alunos, dos quais ${pct(t[i]!.observed)} atrasaram (risco médio previsto ${pct(t[i]!.predicted)}).`,
    );
  }
  if (b.alto_from === b.medio_from)
    lines.push('- (O limiar já está acima do mínimo do alto: não há faixa média.)');
  return lines;
}

/** The fixed threshold if the share of students who lag changes (label shift, validation rates). */
export function shiftLines(model: LoadedModelV1, validation: Scored, validationRate: number): string[] {
  const prevalences = [...new Set([...PROJECTED_PREVALENCES, Math.round(validationRate * 1000) / 1000])].sort(
    (a, b) => a - b,
  );
  const rows = labelShiftProjection(validation, model.threshold, prevalences);
  return [
    '| alunos que vão atrasar | sinalizados | precisão | sinalizados por aluno que vai atrasar |',
    '| ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${pct(r.prevalence)}${Math.abs(r.prevalence - validationRate) < 0.001 ? ' (validação)' : ''} | ${pct(r.flagged)} | ${pct(r.precision)} | ${dec(r.ratio, 2)} |`,
    ),
  ];
}

export function candidateLines(comparison: readonly CandidateResult[]): string[] {
  return [
    '| modelo | papel | PR-AUC validação (± erro-padrão) | ROC-AUC validação | recall validação | precisão validação | parâmetros | ROC-AUC teste* | PR-AUC teste* | recall teste* | precisão teste* |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...comparison.map(
      (c) =>
        `| ${c.label} | ${c.role} | ${dec(c.validation.pr_auc)} ± ${dec(c.validation_pr_auc_se)} | ${dec(c.validation.roc_auc)} | ${pct(c.validation.recall)} | ${pct(c.validation.precision)} | ${c.parameters} | ${dec(c.test?.roc_auc)} | ${dec(c.test?.pr_auc)} | ${pct(c.test?.recall)} | ${pct(c.test?.precision)} |`,
    ),
  ];
}

export function ablationLines(rows: readonly AblationRow[], testYear: number): string[] {
  if (rows.length === 0)
    return [
      'Não calculada nesta execução (ela quase dobra o tempo de treino). Para incluí-la, treine com `--config` e `{"ablation": true}`; a última tabela medida está em docs/model.md.',
    ];
  const ref = rows[0]!;
  const delta = (v: number, r: number) => `${v >= r ? '+' : '−'}${dec(Math.abs(v - r))}`;
  return [
    `| atributo ou grupo | mudança | ROC-AUC validação | PR-AUC validação | ROC-AUC ${testYear} | PR-AUC ${testYear} |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r === ref
        ? `| ${r.label} | ${r.change} | ${dec(r.validation.roc_auc)} | ${dec(r.validation.pr_auc)} | ${dec(r.test.roc_auc)} | ${dec(r.test.pr_auc)} |`
        : `| ${r.label}${r.note ? ` (${r.note})` : ''} | ${r.change} | ${delta(r.validation.roc_auc, ref.validation.roc_auc)} | ${delta(r.validation.pr_auc, ref.validation.pr_auc)} | ${delta(r.test.roc_auc, ref.test.roc_auc)} | ${delta(r.test.pr_auc, ref.test.pr_auc)} |`,
    ),
  ];
}

const GROUP_PT: Record<string, string> = {
  genero: 'Gênero',
  instituicao: 'Tipo de escola',
  fase: 'Fase',
  fase_grupo: 'Grupo de fases',
};

export function groupLines(field: string, blocks: Record<string, EvaluationBlock>): string[] {
  const lines = [
    `**${GROUP_PT[field] ?? field}**`,
    '',
    '| grupo | alunos | em risco | sinalizados | recall | precisão | ROC-AUC |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, b] of Object.entries(blocks)) {
    const small = b.n < SMALL_GROUP ? ' ⚠' : '';
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

export function gapLines(byGroup: Record<string, Record<string, EvaluationBlock>>): string[] {
  const gaps: RecallGap[] = recallGaps(byGroup);
  if (gaps.length === 0)
    return [
      `Nenhuma diferença de recall acima de 10 pontos entre grupos com ${SMALL_GROUP} alunos ou mais.`,
      '',
    ];
  return [
    `Diferenças de recall acima de 10 pontos entre grupos com ${SMALL_GROUP} alunos ou mais (mesmo limiar para todos; a explicação de cada uma está em docs/model.md):`,
    '',
    ...gaps.map(
      (g) =>
        `- ${GROUP_PT[g.field] ?? g.field}: ${g.low.group} ${pct(g.low.recall)} (${g.low.n} alunos, ${g.low.positives} em risco) contra ${g.high.group} ${pct(g.high.recall)} (${g.high.n} alunos, ${g.high.positives} em risco).`,
    ),
    '',
  ];
}
