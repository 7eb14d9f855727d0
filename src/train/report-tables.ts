/**
 * Tables and lists of the training report (Portuguese, for the pedagogical coordination): risk bands,
 * the trade-off around the threshold, the label-shift projection, the candidates, the feature ablation,
 * the groups (named in Portuguese) and the promotion guardrails. Pure: report blocks (report-doc.ts).
 */
import { CATEGORY_FIELD_LABELS, faseName, LEVEL_LABELS } from '../features/catalog.js';
import { ptNumber } from '../model/factor-text.js';
import type { GuardrailCheck } from '../model/guardrails.js';
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
import { type Block, list, paragraph, table } from './report-doc.js';

export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1).replace('.', ',')}%`;
export const dec = (v: number | null | undefined, d = 3): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d).replace('.', ',');
export const ci = (m: MetricWithCI, asPct = true): string => {
  const f = asPct ? pct : (v: number | null) => dec(v);
  return m.ci_low === null ? f(m.value) : `${f(m.value)} (IC 95%: ${f(m.ci_low)} a ${f(m.ci_high)})`;
};

const rates = (r: Rates | null): string[] =>
  r === null ? ['—', '—', '—'] : [pct(r.flagged), pct(r.precision), pct(r.recall)];
const R = 'right' as const;
const L = 'left' as const;

/** Share flagged, precision and recall at cut-offs around the threshold of `model`. */
export function tradeoffBlock(
  model: LoadedModelV1,
  validation: Scored,
  test: Scored,
  testYear: number,
): Block {
  const rows = tradeoffTable(validation, test, model.riskBands);
  const mark = (m: string[]) =>
    m.length === 0 ? '' : ` (${m.map((x) => (x === 'limiar' ? '**limiar**' : 'início do alto')).join(', ')})`;
  return table(
    [
      'corte',
      'sinalizados (validação)',
      'precisão (validação)',
      'recall (validação)',
      `sinalizados (${testYear})`,
      `precisão (${testYear})`,
      `recall (${testYear})`,
    ],
    [L, R, R, R, R, R, R],
    rows.map((r) => [`${dec(r.cutoff)}${mark(r.marks)}`, ...rates(r.validation), ...rates(r.test)]),
  );
}

const BAND_TEXT: Record<BandStat['band'], (b: { medio_from: number; alto_from: number }) => string> = {
  alto: (b) =>
    `**alto** (escore ≥ ${dec(b.alto_from)}): a **maioria destes alunos vai atrasar** — para cada um, o modelo estima uma chance de pelo menos ${Math.round(100 * b.alto_from)} em 100. Prioridade para tutoria e acompanhamento da família.`,
  medio: (b) =>
    `**médio** (de ${dec(b.medio_from)} até ${dec(b.alto_from)}): sinalizado; cerca de metade destes alunos atrasa. Acompanhar de perto e rever no meio do ano.`,
  baixo: (b) =>
    `**baixo** (abaixo de ${dec(b.medio_from)}): não sinalizado. Poucos destes alunos atrasam, mas não nenhum: é aqui que ficam os alunos em risco que o modelo não encontra.`,
};

/**
 * Each band of the served model in Portuguese, with what it held in the served model's cross-validation
 * (`validation`) and, with the same cut-offs, among the backtest model's scores of the test year.
 */
export function bandList(model: LoadedModelV1, validation: Scored, test: Scored, testYear: number): Block {
  const b = model.riskBands;
  const band = (s: number) => model.riskBand(s);
  const v = bandStats(validation, band);
  const t = bandStats(test, band);
  const items = v.map(
    (s, i) =>
      `${BAND_TEXT[s.band](b)} Na validação: ${pct(s.share)} dos alunos, dos quais ${pct(s.observed)} atrasaram; em ${testYear}: ${pct(t[i]!.share)} dos alunos, dos quais ${pct(t[i]!.observed)} atrasaram (risco médio previsto ${pct(t[i]!.predicted)}).`,
  );
  if (b.alto_from === b.medio_from)
    items.push('(O limiar já está acima do mínimo do alto: não há faixa média.)');
  return list(items);
}

/** The fixed threshold if the share of students who lag changes (label shift, validation rates). */
export function shiftBlock(model: LoadedModelV1, validation: Scored, validationRate: number): Block {
  const prevalences = [...new Set([...PROJECTED_PREVALENCES, Math.round(validationRate * 1000) / 1000])].sort(
    (a, b) => a - b,
  );
  return table(
    ['alunos que vão atrasar', 'sinalizados', 'precisão', 'sinalizados por aluno que vai atrasar'],
    [R, R, R, R],
    labelShiftProjection(validation, model.threshold, prevalences).map((r) => [
      `${pct(r.prevalence)}${Math.abs(r.prevalence - validationRate) < 0.001 ? ' (validação)' : ''}`,
      pct(r.flagged),
      pct(r.precision),
      dec(r.ratio, 2),
    ]),
  );
}

export function candidateBlock(comparison: readonly CandidateResult[]): Block {
  return table(
    [
      'modelo',
      'papel',
      'PR-AUC validação (± erro-padrão)',
      'ROC-AUC validação',
      'recall validação',
      'precisão validação',
      'parâmetros',
      'ROC-AUC teste (informativo)',
      'PR-AUC teste (informativo)',
      'recall teste (informativo)',
      'precisão teste (informativo)',
    ],
    [L, L, R, R, R, R, R, R, R, R, R],
    comparison.map((c) => [
      c.label,
      c.role,
      `${dec(c.validation.pr_auc)} ± ${dec(c.validation_pr_auc_se)}`,
      dec(c.validation.roc_auc),
      pct(c.validation.recall),
      pct(c.validation.precision),
      String(c.parameters),
      dec(c.test?.roc_auc),
      dec(c.test?.pr_auc),
      pct(c.test?.recall),
      pct(c.test?.precision),
    ]),
  );
}

export function ablationBlock(rows: readonly AblationRow[], testYear: number): Block {
  if (rows.length === 0)
    return paragraph(
      'Não calculada nesta execução (ela quase dobra o tempo de treino). Para incluí-la, treine com `--config` e `{"ablation": true}`; a última tabela medida está em docs/model.md.',
    );
  const ref = rows[0]!;
  const delta = (v: number, r: number) => `${v >= r ? '+' : '−'}${dec(Math.abs(v - r))}`;
  return table(
    [
      'atributo ou grupo',
      'mudança',
      'ROC-AUC validação',
      'PR-AUC validação',
      `ROC-AUC ${testYear}`,
      `PR-AUC ${testYear}`,
    ],
    [L, L, R, R, R, R],
    rows.map((r) =>
      r === ref
        ? [
            r.label,
            r.change,
            dec(r.validation.roc_auc),
            dec(r.validation.pr_auc),
            dec(r.test.roc_auc),
            dec(r.test.pr_auc),
          ]
        : [
            `${r.label}${r.note ? ` (${r.note})` : ''}`,
            r.change,
            delta(r.validation.roc_auc, ref.validation.roc_auc),
            delta(r.validation.pr_auc, ref.validation.pr_auc),
            delta(r.test.roc_auc, ref.test.roc_auc),
            delta(r.test.pr_auc, ref.test.pr_auc),
          ],
    ),
  );
}

export const GROUP_PT: Record<string, string> = {
  genero: CATEGORY_FIELD_LABELS.genero,
  instituicao: CATEGORY_FIELD_LABELS.instituicao,
  fase: 'Fase',
  fase_grupo: 'Grupo de fases',
};

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const FASE_GROUP_PT: Record<string, string> = {
  '0-2': 'ALFA a Fase 2',
  '3-5': 'Fases 3 a 5',
  '6-9': 'Fases 6 a 9',
};

/** A group of metrics_v1.json `by_group` named in Portuguese: "Particular com bolsa", "ALFA", "Fases 3 a 5". */
export function groupName(field: string, key: string): string {
  if (field === 'genero' || field === 'instituicao') {
    const names = LEVEL_LABELS[field] as Readonly<Record<string, string>>;
    return capital(names[key] ?? key);
  }
  if (key === 'desconhecido') return 'Não informada';
  if (field === 'fase' && /^\d+$/.test(key)) return faseName(Number(key));
  if (field === 'fase_grupo') return FASE_GROUP_PT[key] ?? key;
  return key;
}

export function groupBlock(field: string, blocks: Record<string, EvaluationBlock>): Block {
  return table(
    ['grupo', 'alunos', 'em risco', 'sinalizados', 'recall', 'precisão', 'ROC-AUC'],
    [L, R, R, R, R, R, R],
    Object.entries(blocks).map(([key, b]) => {
      const flagged = b.confusion.tp + b.confusion.fp;
      // Recall is undefined without positives, precision without flagged students: show "—", not 0%.
      return [
        `${groupName(field, key)}${b.n < SMALL_GROUP ? ' ⚠' : ''}`,
        String(b.n),
        pct(b.base_rate),
        pct(flagged / b.n),
        b.positives > 0 ? pct(b.metrics.recall.value) : '—',
        flagged > 0 ? pct(b.metrics.precision.value) : '—',
        dec(b.metrics.roc_auc.value),
      ];
    }),
    GROUP_PT[field] ?? field,
  );
}

export function gapBlocks(byGroup: Record<string, Record<string, EvaluationBlock>>): Block[] {
  const gaps: RecallGap[] = recallGaps(byGroup);
  if (gaps.length === 0)
    return [
      paragraph(
        `Nenhuma diferença de recall acima de 10 pontos entre grupos com ${SMALL_GROUP} alunos ou mais.`,
      ),
    ];
  return [
    paragraph(
      `Diferenças de recall acima de 10 pontos entre grupos com ${SMALL_GROUP} alunos ou mais (mesmo limiar para todos; a explicação de cada uma está em docs/model.md):`,
    ),
    list(
      gaps.map(
        (g) =>
          `${GROUP_PT[g.field] ?? g.field}: ${groupName(g.field, g.low.group)} ${pct(g.low.recall)} (${g.low.n} alunos, ${g.low.positives} em risco) contra ${groupName(g.field, g.high.group)} ${pct(g.high.recall)} (${g.high.n} alunos, ${g.high.positives} em risco).`,
      ),
    ),
  ];
}

const GUARDRAIL_PT: Record<GuardrailCheck['metric'], string> = {
  roc_auc: 'ROC-AUC (ordenação)',
  precision: 'Precisão no limiar',
  recall: 'Recall no limiar',
};

/** The promotion guardrails, one row each, on the test-year metrics. */
export function guardrailBlock(checks: readonly GuardrailCheck[], testYear: number): Block {
  return table(
    ['critério', 'mínimo exigido', `valor em ${testYear}`, 'resultado'],
    [L, R, R, L],
    checks.map((c) => [
      GUARDRAIL_PT[c.metric],
      ptNumber(c.min, 3),
      c.value === null ? '—' : dec(c.value),
      c.ok ? '✓ passou' : '✗ **não passou**',
    ]),
  );
}
