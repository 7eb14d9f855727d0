/**
 * The promotion guardrails: minimums on the backtest (test block) metrics of a metrics file. The rule
 * lives here, with the metrics file it reads, so that the registry (which refuses a promotion) and the
 * training report (which states the result beforehand) apply the same check; the minimums come from
 * the caller (the registry's settings, PROMOTE_MIN_*).
 */

/** Minimum test values a model must reach to be promoted. */
export interface GuardrailMinimums {
  roc_auc: number;
  precision: number;
  recall: number;
}

export interface GuardrailCheck {
  metric: keyof GuardrailMinimums;
  min: number;
  /** null when the metrics file has no test value for it. */
  value: number | null;
  ok: boolean;
}

/** Checks the test block of a metrics file (parsed JSON, possibly malformed) against the minimums. */
export function checkGuardrails(metrics: unknown, min: GuardrailMinimums): GuardrailCheck[] {
  const test = (metrics as { test?: { metrics?: Record<string, { value?: unknown }> } | null } | null)?.test;
  const value = (name: string): number | null => {
    const v = test?.metrics?.[name]?.value;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  return (['roc_auc', 'precision', 'recall'] as const).map((metric) => {
    const v = value(metric);
    return { metric, min: min[metric], value: v, ok: v !== null && v >= min[metric] };
  });
}

/** One line naming every failed guardrail (English, for errors and logs). */
export function describeFailures(checks: readonly GuardrailCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) =>
      c.value === null
        ? `test ${c.metric} is missing (needs ≥ ${c.min})`
        : `test ${c.metric} ${c.value.toFixed(3)} < ${c.min}`,
    )
    .join('; ');
}
