/**
 * Drift of a window of predictions against the training baseline: PSI per input field and for the
 * score on the baseline's own bins (real masses), the change of each field's missing rate, a status
 * per field and an overall status. Pure: histograms in, a JSON-ready report out.
 */
import { AppError } from '../core/error-base.js';
import { STUDENT_FIELDS } from '../core/student.js';
import type { FieldHistogram, NumericHistogram, WindowHistograms } from './aggregate.js';
import type { FieldBaseline, MonitorBaseline, NumericFieldBaseline } from './baseline.js';
import { binSpecFromBaseline } from './bins.js';
import { MONITOR_ERRORS } from './errors.js';
import { alignCategories, PSI_EPSILON, psi, type Status, statusOf, worst } from './psi.js';

export interface DriftOptions {
  psiYellow: number;
  psiRed: number;
  missingYellow: number;
  missingRed: number;
  /** Below this many records the overall status is 'insufficient'. */
  minRecords: number;
  /** Fields reported but left out of the overall status. */
  ignore: readonly string[];
}

export type OverallStatus = Status | 'insufficient';

/** One bin of a chart: its key (bin index or category), bounds for numeric bins, both shares. */
export interface DriftBin {
  key: string;
  /** Numeric bins: lower bound (exclusive; null = −∞) and upper bound (inclusive; null = +∞). */
  lo?: number | null;
  hi?: number | null;
  /** Share of the non-missing values in the baseline and now (0 when the side has no values). */
  baseline: number;
  current: number;
}

export interface FieldDrift {
  field: string;
  /** Portuguese description of the field (from the student record contract). */
  description: string;
  kind: 'numeric' | 'categorical';
  /** null when the baseline or the window has no value for this field. */
  psi: number | null;
  psi_status: Status | null;
  missing_rate: { baseline: number | null; current: number | null; change: number | null };
  missing_status: Status | null;
  /** Worst of the PSI and missing-rate statuses. */
  status: Status;
  /** False for fields in `ignore`: shown, not counted in the overall status. */
  counted: boolean;
  /** Values seen now that training never saw (categorical fields). */
  unseen: string[];
  values: { baseline: number; current: number };
  bins: DriftBin[];
}

export interface DriftReport {
  drift_version: 1;
  generated_at: string;
  model_version: string;
  window: { from: string; to: string } | null;
  baseline: { created_at: string; rows: number; label_years: number[] };
  thresholds: DriftOptions & { psi_epsilon: number };
  records: number;
  calls: number;
  status: OverallStatus;
  /** Fields (and 'score') that are red, then yellow: what to look at first. */
  attention: { field: string; status: Status }[];
  score: FieldDrift;
  positive_rate: { baseline: number; current: number | null };
  /** Share of students already behind (defasagem < 0) in the baseline and now, when defasagem is an input. */
  share_behind: { baseline: number; current: number | null } | null;
  fields: FieldDrift[];
}

const DESCRIPTIONS = new Map(STUDENT_FIELDS.map((f) => [f.name as string, f.description]));
const share = (c: number, n: number): number => (n > 0 ? c / n : 0);
const rate = (missing: number, n: number): number | null =>
  missing + n > 0 ? missing / (missing + n) : null;

function numericBins(edges: readonly number[], e: ArrayLike<number>, a: ArrayLike<number>): DriftBin[] {
  let te = 0;
  let ta = 0;
  for (let i = 0; i < e.length; i++) {
    te += e[i]!;
    ta += a[i]!;
  }
  return Array.from({ length: e.length }, (_, i) => ({
    key: String(i),
    lo: i === 0 ? null : edges[i - 1]!,
    hi: i === edges.length ? null : edges[i]!,
    baseline: share(e[i]!, te),
    current: share(a[i]!, ta),
  }));
}

function fieldDrift(field: string, b: FieldBaseline, h: FieldHistogram, o: DriftOptions): FieldDrift {
  let bins: DriftBin[];
  let value: number;
  let unseen: string[] = [];
  let current = 0;
  if (b.kind === 'numeric' && h.kind === 'numeric') {
    bins = numericBins(b.bin_edges, b.bin_counts, h.counts);
    value = psi(b.bin_counts, h.counts, PSI_EPSILON);
    for (const c of h.counts) current += c;
  } else if (b.kind === 'categorical' && h.kind === 'categorical') {
    const al = alignCategories(b.counts, h.counts);
    value = psi(al.expected, al.actual, PSI_EPSILON);
    for (const c of al.actual) current += c;
    unseen = al.keys.filter((k) => !(k in b.counts));
    bins = al.keys.map((key, i) => ({
      key,
      baseline: share(al.expected[i]!, b.n),
      current: share(al.actual[i]!, current),
    }));
  } else {
    throw new AppError(
      MONITOR_ERRORS.BINS_MISMATCH,
      `Field ${field} is ${b.kind} in the baseline but not now.`,
      {
        field,
      },
    );
  }
  const psiValue = Number.isNaN(value) ? null : value;
  const mb = rate(b.missing, b.n);
  const mc = rate(h.missing, current);
  const change = mb === null || mc === null ? null : mc - mb;
  const psiStatus = psiValue === null ? null : statusOf(psiValue, o.psiYellow, o.psiRed);
  const missingStatus = change === null ? null : statusOf(Math.abs(change), o.missingYellow, o.missingRed);
  return {
    field,
    description: DESCRIPTIONS.get(field) ?? field,
    kind: b.kind,
    psi: psiValue,
    psi_status: psiStatus,
    missing_rate: { baseline: mb, current: mc, change },
    missing_status: missingStatus,
    status: worst([psiStatus, missingStatus]),
    counted: !o.ignore.includes(field),
    unseen,
    values: { baseline: b.n, current },
    bins,
  };
}

function shareBehind(b: MonitorBaseline, h: WindowHistograms): DriftReport['share_behind'] {
  const fb = b.inputs.defasagem;
  const fh = h.fields.get('defasagem');
  if (fb?.kind !== 'categorical' || fh?.kind !== 'categorical') return null;
  const behind = (entries: Iterable<[string, number]>): [number, number] => {
    let neg = 0;
    let n = 0;
    for (const [k, c] of entries) {
      n += c;
      if (Number(k) < 0) neg += c;
    }
    return [neg, n];
  };
  const [nb, tb] = behind(Object.entries(fb.counts));
  const [nc, tc] = behind(fh.counts);
  return { baseline: share(nb, tb), current: tc > 0 ? nc / tc : null };
}

export interface DriftInput {
  baseline: MonitorBaseline;
  histograms: WindowHistograms;
  modelVersion: string;
  window?: { from: Date; to: Date };
  options: DriftOptions;
  now?: Date;
}

/** The drift report of a window. Throws BINS_MISMATCH when the histograms use other bins than the baseline. */
export function computeDrift(input: DriftInput): DriftReport {
  const { baseline: b, histograms: h, options: o } = input;
  const specId = binSpecFromBaseline(b).id;
  if (h.binsId !== specId) {
    throw new AppError(
      MONITOR_ERRORS.BINS_MISMATCH,
      `The events of model ${input.modelVersion} were counted on bins ${h.binsId}, its baseline uses ${specId}.`,
      { model_version: input.modelVersion, events_bins: h.binsId, baseline_bins: specId },
    );
  }
  const fields = Object.entries(b.inputs).map(([name, fb]) => fieldDrift(name, fb, h.fields.get(name)!, o));
  const score = fieldDrift('score', b.score as NumericFieldBaseline, h.score as NumericHistogram, o);
  score.description = 'Probabilidade de defasagem calculada pelo modelo.';
  const counted = [score, ...fields.filter((f) => f.counted)];
  const attention = counted
    .filter((f) => f.status !== 'green')
    .sort((x, y) => (x.status === y.status ? 0 : x.status === 'red' ? -1 : 1))
    .map((f) => ({ field: f.field, status: f.status }));
  return {
    drift_version: 1,
    generated_at: (input.now ?? new Date()).toISOString(),
    model_version: input.modelVersion,
    window: input.window
      ? { from: input.window.from.toISOString(), to: input.window.to.toISOString() }
      : null,
    baseline: { created_at: b.created_at, rows: b.rows, label_years: b.label_years },
    thresholds: { ...o, ignore: [...o.ignore], psi_epsilon: PSI_EPSILON },
    records: h.records,
    calls: h.calls,
    status: h.records < o.minRecords ? 'insufficient' : worst(counted.map((f) => f.status)),
    attention,
    score,
    positive_rate: {
      baseline: b.positive_rate_at_threshold,
      current: h.records > 0 ? h.positives / h.records : null,
    },
    share_behind: shareBehind(b, h),
    fields,
  };
}
