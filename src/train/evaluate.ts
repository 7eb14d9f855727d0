/**
 * Evaluation blocks of metrics_v1.json: every metric at the threshold with a percentile-bootstrap 95%
 * interval, the confusion matrix, the mean predicted risk against the observed rate, and the same per
 * group (gender, school type, fase, fase group).
 */
import type { StudentRecord } from '../core/student.js';
import { bootstrapMetrics, METRIC_KEYS } from '../ml/metrics.js';
import type { EvaluationBlock, MetricName, MetricWithCI } from '../model/types.js';

const r6 = (v: number | null): number | null =>
  v === null || Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e6;

/**
 * `value` is null (in JSON) when the metric is undefined on these rows, e.g. ROC-AUC of a group with
 * one class only.
 */
export function evaluationBlock(
  y: Float64Array,
  p: Float64Array,
  threshold: number,
  labelYears: number[],
  bootstrap: number,
  seed: number,
): EvaluationBlock {
  const { metrics, confusion } = bootstrapMetrics(y, p, threshold, { n: bootstrap, seed });
  const out = {} as Record<MetricName, MetricWithCI>;
  for (const k of METRIC_KEYS) {
    const m = metrics[k];
    out[k] = { value: r6(m.value) as number, ci_low: r6(m.ci_low), ci_high: r6(m.ci_high) };
  }
  let positives = 0;
  let predicted = 0;
  for (let i = 0; i < y.length; i++) {
    positives += y[i]!;
    predicted += p[i]!;
  }
  return {
    label_years: labelYears,
    n: y.length,
    positives,
    base_rate: r6(positives / y.length) as number,
    mean_predicted: r6(predicted / y.length) as number,
    threshold,
    metrics: out,
    confusion,
  };
}

/** Fase groups for the fairness check (single fases are small): ALFA–2, 3–5, 6–9. */
export function faseGroupOf(fase: number | null): string | null {
  if (fase === null || !Number.isFinite(fase)) return null;
  return fase <= 2 ? '0-2' : fase <= 5 ? '3-5' : '6-9';
}

/** The per-group breakdowns: a name (the key in metrics_v1.json by_group) and the group of a record. */
export const GROUPINGS: ReadonlyArray<{ name: string; of: (r: StudentRecord) => string | number | null }> = [
  { name: 'genero', of: (r) => r.genero },
  { name: 'instituicao', of: (r) => r.instituicao },
  { name: 'fase', of: (r) => r.fase },
  { name: 'fase_grupo', of: (r) => faseGroupOf(r.fase) },
];
export const GROUP_FIELDS = GROUPINGS.map((g) => g.name);

const UNKNOWN = 'desconhecido';

/** Per-group blocks; missing values form the group "desconhecido". Groups are sorted by key. */
export function byGroup(
  records: readonly StudentRecord[],
  y: Float64Array,
  p: Float64Array,
  threshold: number,
  labelYears: number[],
  bootstrap: number,
  seed: number,
): Record<string, Record<string, EvaluationBlock>> {
  const out: Record<string, Record<string, EvaluationBlock>> = {};
  for (const g of GROUPINGS) {
    const idx = new Map<string, number[]>();
    records.forEach((r, i) => {
      const v = g.of(r);
      const key = v === null || v === undefined ? UNKNOWN : String(v);
      let list = idx.get(key);
      if (!list) idx.set(key, (list = []));
      list.push(i);
    });
    const keys = [...idx.keys()].sort((a, b) =>
      g.name === 'fase' && a !== UNKNOWN && b !== UNKNOWN ? Number(a) - Number(b) : a.localeCompare(b),
    );
    out[g.name] = {};
    for (const key of keys) {
      const rows = idx.get(key)!;
      const yg = Float64Array.from(rows, (i) => y[i]!);
      const pg = Float64Array.from(rows, (i) => p[i]!);
      out[g.name]![key] = evaluationBlock(yg, pg, threshold, labelYears, bootstrap, seed);
    }
  }
  return out;
}
