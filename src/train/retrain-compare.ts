/**
 * The champion-vs-challenger judgement of `defasagem retrain`, as pure functions: the metrics of each
 * side on the same rows, the documented tolerances, the promotion guardrails, and the verdict with
 * one sentence per reason. No I/O: retrain.ts gathers the scores.
 */
import { evaluateAt } from '../ml/metrics.js';
import type { GuardrailCheck, RetrainComparisonRow, RetrainRecord } from '../registry/index.js';
import type { RetrainTolerances } from './retrain-settings.js';

/** One side's metrics on the evaluation rows, at its own threshold (rounded to 6 decimals, as metrics.json). */
export interface SideMetrics {
  roc_auc: number | null;
  pr_auc: number | null;
  precision: number | null;
  recall: number | null;
  brier: number | null;
  /** Share of the rows flagged at the threshold. */
  flagged: number;
  threshold: number;
}

const r6 = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null);

export function sideMetrics(y: ArrayLike<number>, p: ArrayLike<number>, threshold: number): SideMetrics {
  const { metrics, confusion } = evaluateAt(y, p, threshold);
  return {
    roc_auc: r6(metrics.roc_auc),
    pr_auc: r6(metrics.pr_auc),
    precision: r6(metrics.precision),
    recall: r6(metrics.recall),
    brier: r6(metrics.brier),
    flagged: r6((confusion.tp + confusion.fp) / y.length) ?? 0,
    threshold,
  };
}

export interface Judgement {
  verdict: RetrainRecord['verdict'];
  /** Whether the challenger may replace the champion (better, or no champion and the guardrails hold). */
  passed: boolean;
  comparison: RetrainComparisonRow[];
  reasons: string[];
}

type Checked = 'roc_auc' | 'recall' | 'precision' | 'brier';
interface Rule {
  metric: Checked;
  label: string;
  /** +1: higher is better; −1: lower is better. */
  direction: 1 | -1;
  allowance: number;
}

const rulesOf = (t: RetrainTolerances): Rule[] => [
  { metric: 'roc_auc', label: 'ROC-AUC', direction: 1, allowance: t.maxRocAucDrop },
  { metric: 'recall', label: 'recall', direction: 1, allowance: t.maxRecallDrop },
  { metric: 'precision', label: 'precision', direction: 1, allowance: t.maxPrecisionDrop },
  { metric: 'brier', label: 'Brier score', direction: -1, allowance: t.maxBrierRise },
];

const f3 = (v: number | null) => (v === null ? '—' : v.toFixed(3));
const ruleText = (r: Rule) =>
  r.direction === 1
    ? r.allowance === 0
      ? 'change ≥ 0'
      : `change ≥ −${r.allowance}`
    : r.allowance === 0
      ? 'change ≤ 0'
      : `change ≤ +${r.allowance}`;
/** Differences of values rounded to 6 decimals, rounded again (so identical sides give exactly 0). */
const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : r6(b - a));

function checkRule(r: Rule, champion: SideMetrics, challenger: SideMetrics): RetrainComparisonRow {
  const change = diff(champion[r.metric], challenger[r.metric]);
  // A tiny epsilon: both values are rounded to 6 decimals, their difference is not exact in binary.
  const ok = change !== null && r.direction * change >= -r.allowance - 1e-9;
  return {
    metric: r.metric,
    champion: champion[r.metric],
    challenger: challenger[r.metric],
    change,
    rule: ruleText(r),
    ok,
  };
}

function failureText(r: Rule, row: RetrainComparisonRow): string {
  if (row.change === null) return `${r.label} could not be computed on these rows`;
  const worse = r.direction === 1 ? 'fell' : 'rose';
  const by = Math.abs(row.change).toFixed(3);
  const allowed =
    r.allowance === 0
      ? `it may not ${r.direction === 1 ? 'fall' : 'rise'}`
      : `more than the ${r.allowance} allowed`;
  return `${r.label} ${worse} ${by} (${f3(row.champion)} → ${f3(row.challenger)}), ${allowed}`;
}

const guardrailText = (g: GuardrailCheck) =>
  g.value === null
    ? `promotion guardrail: test ${g.metric} is missing (needs ≥ ${g.min})`
    : `promotion guardrail: test ${g.metric} ${g.value.toFixed(3)} < ${g.min}`;

/** Rows shown for information only (no tolerance): PR-AUC, the share flagged, the threshold. */
function infoRows(champion: SideMetrics | null, challenger: SideMetrics): RetrainComparisonRow[] {
  return (['pr_auc', 'flagged', 'threshold'] as const).map((metric) => ({
    metric,
    champion: champion ? champion[metric] : null,
    challenger: challenger[metric],
    change: champion ? diff(champion[metric], challenger[metric]) : null,
    rule: null,
    ok: null,
  }));
}

/**
 * The verdict: `rejected` when a metric is worse than its tolerance or a promotion guardrail fails;
 * `not_better` when everything is within tolerance but no checked metric is better (an identical model
 * included); `better` otherwise. Without a champion only the guardrails decide (`no_champion`).
 */
export function judge(
  champion: SideMetrics | null,
  challenger: SideMetrics,
  guardrails: readonly GuardrailCheck[],
  tolerances: RetrainTolerances,
): Judgement {
  const failedGuardrails = guardrails.filter((g) => !g.ok).map(guardrailText);
  if (!champion) {
    const rows: RetrainComparisonRow[] = rulesOf(tolerances).map((r) => ({
      metric: r.metric,
      champion: null,
      challenger: challenger[r.metric],
      change: null,
      rule: null,
      ok: null,
    }));
    return {
      verdict: failedGuardrails.length ? 'rejected' : 'no_champion',
      passed: failedGuardrails.length === 0,
      comparison: [...rows, ...infoRows(null, challenger)],
      reasons: failedGuardrails.length
        ? failedGuardrails
        : ['no champion to compare with: the promotion guardrails hold'],
    };
  }
  const rules = rulesOf(tolerances);
  const rows = rules.map((r) => checkRule(r, champion, challenger));
  const failed = rules.flatMap((r, i) => (rows[i]!.ok ? [] : [failureText(r, rows[i]!)]));
  const comparison = [...rows, ...infoRows(champion, challenger)];
  if (failed.length || failedGuardrails.length) {
    return { verdict: 'rejected', passed: false, comparison, reasons: [...failed, ...failedGuardrails] };
  }
  const better = rules.flatMap((r, i) => {
    const c = rows[i]!.change!;
    return r.direction * c > 0 ? [`${r.label} ${c > 0 ? '+' : '−'}${Math.abs(c).toFixed(3)}`] : [];
  });
  if (better.length === 0) {
    const identical = rows.every((r) => r.change === 0);
    return {
      verdict: 'not_better',
      passed: false,
      comparison,
      reasons: [
        identical
          ? 'not better: the same ROC-AUC, recall, precision and Brier score as the champion on these rows'
          : 'not better: within every tolerance, but no better than the champion on ROC-AUC, recall, precision or Brier score',
      ],
    };
  }
  return {
    verdict: 'better',
    passed: true,
    comparison,
    reasons: [`better on ${better.join(', ')}; every metric within its tolerance and the guardrails hold`],
  };
}
