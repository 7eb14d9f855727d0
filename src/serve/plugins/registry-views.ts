/**
 * What the dashboard shows of a registered version, built from the files training wrote into it
 * (metrics.json, model_metadata.json, model_report.md). Those files change shape as the model evolves,
 * so every field is read defensively: a missing or odd field becomes null, never a 500, and nothing
 * here passes on a filesystem path or a person's name unless the caller is an operator. Pure functions.
 */
import { trainedOnSynthetic } from '../../model/provenance.js';
import type { Principal } from '../auth.js';
import type {
  Bands,
  BlockView,
  Curves,
  Estimate,
  EvaluationView,
  GroupRow,
  GroupTable,
  ImportanceItem,
  Point,
  ReportChart,
  ReportChartKind,
} from './registry-types.js';

/** Groups smaller than this get the dashboard's "small group" warning (the training report's rule). */
export const SMALL_GROUP = 30;

/** Fields written by people (names, free text): shown to the admin role only, like GET /models does. */
const OPERATOR_ONLY = ['created_by', 'notes', 'promoted_by', 'by', 'reason'] as const;

export const isOperator = (p: Principal | null): boolean => p?.role === 'admin';

/** `record` without the fields only operators see, unless `principal` is one. */
export function forRole<T extends object>(record: T, principal: Principal | null): T {
  if (isOperator(principal)) return record;
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const k of OPERATOR_ONLY) if (k in out) delete out[k];
  return out as T;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function estimate(v: unknown): Estimate {
  const o = obj(v);
  if (!o) return { value: num(v), ci_low: null, ci_high: null };
  return { value: num(o.value), ci_low: num(o.ci_low), ci_high: num(o.ci_high) };
}

function confusion(v: unknown): BlockView['confusion'] {
  const o = obj(v);
  if (!o) return null;
  const [tp, fp, tn, fn] = [num(o.tp), num(o.fp), num(o.tn), num(o.fn)];
  return tp === null || fp === null || tn === null || fn === null ? null : { tp, fp, tn, fn };
}

/** One evaluation block of metrics.json (validation, test, a group), or null when it is not one. */
export function blockView(v: unknown): BlockView | null {
  const o = obj(v);
  if (!o) return null;
  const c = confusion(o.confusion);
  const total = c ? c.tp + c.fp + c.tn + c.fn : 0;
  const metrics = Object.fromEntries(Object.entries(obj(o.metrics) ?? {}).map(([k, m]) => [k, estimate(m)]));
  // A rate over nobody is no rate: recall of a group where no one lagged, precision where no one was
  // flagged (training writes 0 for these in small groups).
  if (num(o.positives) === 0 && metrics.recall) metrics.recall = { value: null, ci_low: null, ci_high: null };
  if (c && c.tp + c.fp === 0 && metrics.precision)
    metrics.precision = { value: null, ci_low: null, ci_high: null };
  return {
    label_years: Array.isArray(o.label_years) ? o.label_years.filter((y) => typeof y === 'number') : [],
    n: num(o.n),
    positives: num(o.positives),
    base_rate: num(o.base_rate),
    mean_predicted: num(o.mean_predicted),
    threshold: num(o.threshold),
    flagged_share: c && total > 0 ? (c.tp + c.fp) / total : null,
    metrics,
    confusion: c,
  };
}

/** The order the dashboard shows the groupings in; others follow in file order. */
const GROUP_ORDER = ['genero', 'instituicao', 'fase'];

export function groupTables(byGroup: unknown): GroupTable[] {
  const groups = obj(byGroup);
  if (!groups) return [];
  const rank = (f: string) => (GROUP_ORDER.includes(f) ? GROUP_ORDER.indexOf(f) : GROUP_ORDER.length);
  const fields = Object.keys(groups).sort((a, b) => rank(a) - rank(b));
  return fields.flatMap((field) => {
    const levels = obj(groups[field]);
    if (!levels) return [];
    const rows: GroupRow[] = Object.entries(levels).flatMap(([level, b]) => {
      const view = blockView(b);
      return view ? [{ ...view, level, small: view.n === null || view.n < SMALL_GROUP }] : [];
    });
    return [{ field, rows }];
  });
}

/** A list of [x, y] pairs (extra numbers per point, such as a bin's count, are dropped). */
function points(v: unknown): Point[] | null {
  if (!Array.isArray(v) || v.length < 2) return null;
  const out: Point[] = [];
  for (const p of v) {
    const o = obj(p);
    const x = Array.isArray(p) ? num(p[0]) : num(o?.x);
    const y = Array.isArray(p) ? num(p[1]) : num(o?.y);
    if (x === null || y === null) return null;
    out.push([x, y]);
  }
  return out;
}

/** Curves training stored as data (`test.curves` or top-level `curves` of metrics.json); null when none. */
export function curvesOf(metrics: unknown): Curves | null {
  const m = obj(metrics);
  const c = obj(obj(m?.test)?.curves) ?? obj(m?.curves);
  if (!c) return null;
  const curves = { pr: points(c.pr), calibration: points(c.calibration), roc: points(c.roc) };
  return curves.pr || curves.calibration || curves.roc ? curves : null;
}

/** Mean |contribution| per factor, largest first, when training stored it (metrics.json `importance`). */
export function importanceOf(metrics: unknown): ImportanceItem[] | null {
  const list = obj(metrics)?.importance;
  if (!Array.isArray(list)) return null;
  const out = list.flatMap((item) => {
    const o = obj(item);
    const feature = str(o?.feature);
    const value = num(o?.value) ?? num(o?.mean_abs_contribution);
    return feature && value !== null ? [{ feature, label: str(o?.label) ?? feature, value }] : [];
  });
  return out.length > 0 ? out.sort((a, b) => b.value - a.value) : null;
}

function bandsOf(metadata: Obj | null): Bands | null {
  const b = obj(metadata?.risk_bands) ?? obj(obj(metadata?.operating_point)?.risk_bands);
  const medio = num(b?.medio_from);
  const alto = num(b?.alto_from);
  return medio !== null && alto !== null ? { medio_from: medio, alto_from: alto } : null;
}

function periodsOf(metadata: Obj | null): EvaluationView['periods'] {
  const p = obj(metadata?.training_periods);
  if (!p) return null;
  return Object.fromEntries(
    Object.entries(p).flatMap(([k, v]) => {
      const o = obj(v);
      if (!o) return [];
      const years = Array.isArray(o.label_years) ? o.label_years.filter((y) => typeof y === 'number') : [];
      return [[k, { label_years: years, rows: num(o.rows) }]];
    }),
  );
}

/** What the dashboard needs of a version's metrics.json and model_metadata.json, read defensively. */
export function evaluationView(metrics: unknown, metadata: unknown): EvaluationView {
  const m = obj(metrics);
  const md = obj(metadata);
  return {
    learner: str(m?.learner) ?? str(md?.learner),
    synthetic: trainedOnSynthetic(md),
    threshold: num(md?.threshold) ?? num(m?.threshold),
    bands: bandsOf(md),
    test: blockView(m?.test),
    validation: blockView(m?.validation),
    groups: groupTables(m?.by_group),
    curves: curvesOf(m),
    importance: importanceOf(m),
    periods: periodsOf(md),
  };
}

function chartKind(title: string): ReportChartKind {
  const t = title.toLowerCase();
  if (t.includes('recall') && t.includes('precis')) return 'pr';
  if (t.includes('calibra')) return 'calibration';
  if (t.includes('roc')) return 'roc';
  if (t.includes('import') || t.includes('fator')) return 'importance';
  return 'other';
}

/** Most charts a report may contribute, and the largest one (bytes): a bound on what a request returns. */
const MAX_CHARTS = 12;
const MAX_CHART_BYTES = 200_000;

const unescapeXml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/**
 * The charts the training report embeds as inline SVG (model_report.html; model_report.md of older
 * versions), with their titles (the SVG's `<title>`, or `aria-label`). The dashboard
 * shows them as images when training did not store the curves as data. Scripts and external
 * references are refused outright: an SVG shown through <img> cannot run either, but none belongs here.
 */
export function reportCharts(report: string): ReportChart[] {
  const out: ReportChart[] = [];
  for (const m of report.matchAll(/<svg\b[^>]*>[\s\S]*?<\/svg>/g)) {
    const svg = m[0];
    if (svg.length > MAX_CHART_BYTES || /<script|<foreignObject|\bon\w+\s*=|href\s*=/i.test(svg)) continue;
    const title = unescapeXml(
      /<title\b[^>]*>([^<]*)<\/title>/.exec(svg)?.[1] ?? /\baria-label="([^"]*)"/.exec(svg)?.[1] ?? '',
    );
    // Inline in HTML an <svg> needs no namespace; shown on its own (as an image) it does.
    const standalone = /^<svg\b[^>]*\bxmlns=/.test(svg)
      ? svg
      : svg.replace(/^<svg\b/, '<svg xmlns="http://www.w3.org/2000/svg"');
    out.push({ kind: chartKind(title), title, svg: standalone });
    if (out.length >= MAX_CHARTS) break;
  }
  return out;
}
