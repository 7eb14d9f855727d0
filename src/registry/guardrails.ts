import type { RegistrySettings } from './settings.js';
import type { GuardrailCheck } from './types.js';

/** The promotion guardrails on the test block of metrics.json, with the thresholds from settings. */
export function checkGuardrails(metrics: unknown, settings: RegistrySettings): GuardrailCheck[] {
  const test = (metrics as { test?: { metrics?: Record<string, { value?: unknown }> } | null } | null)?.test;
  const value = (name: string): number | null => {
    const v = test?.metrics?.[name]?.value;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const rules: Array<[GuardrailCheck['metric'], number]> = [
    ['roc_auc', settings.promoteMinRocAuc],
    ['precision', settings.promoteMinPrecision],
    ['recall', settings.promoteMinRecall],
  ];
  return rules.map(([metric, min]) => {
    const v = value(metric);
    return { metric, min, value: v, ok: v !== null && v >= min };
  });
}

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
