/**
 * What the operating point means for the pedagogical team, computed for the report and the metadata:
 * the trade-off around the threshold (validation and backtest), what each risk band holds, how the
 * fixed threshold behaves if the share of students who lag changes, and recall gaps between groups.
 * Pure functions over labels and calibrated scores.
 */
import { type Confusion, confusionAt } from '../ml/metrics.js';
import { isFlagged } from '../ml/threshold.js';
import type { RiskBands } from '../model/format.js';
import type { EvaluationBlock, RiskBand } from '../model/types.js';

/** Groups smaller than this are flagged as unstable in the report and left out of the gap check. */
export const SMALL_GROUP = 30;
/** A recall difference above this between groups of SMALL_GROUP or more students is reported. */
export const RECALL_GAP = 0.1;
/** Cut-offs of the trade-off table besides the threshold and the `alto` cut-off. */
export const TRADEOFF_GRID = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] as const;

export interface Rates {
  flagged: number;
  precision: number | null;
  recall: number | null;
}

export interface TradeoffRow {
  cutoff: number;
  /** 'limiar' for the model's threshold, 'alto' for the alto cut-off, null for a grid point. */
  marks: Array<'limiar' | 'alto'>;
  validation: Rates;
  test: Rates | null;
}

function ratesOf(c: Confusion): Rates {
  const n = c.tp + c.fp + c.tn + c.fn;
  const flagged = c.tp + c.fp;
  return {
    flagged: flagged / n,
    precision: flagged > 0 ? c.tp / flagged : null,
    recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : null,
  };
}

export interface Scored {
  y: Float64Array;
  p: Float64Array;
}

/** Share flagged, precision and recall at each cut-off, on validation and (when given) the test year. */
export function tradeoffTable(validation: Scored, test: Scored | null, bands: RiskBands): TradeoffRow[] {
  const cuts = new Map<number, TradeoffRow['marks']>();
  for (const c of TRADEOFF_GRID) cuts.set(c, []);
  const mark = (c: number, m: 'limiar' | 'alto') => cuts.set(c, [...(cuts.get(c) ?? []), m]);
  mark(bands.medio_from, 'limiar');
  mark(bands.alto_from, 'alto');
  return [...cuts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cutoff, marks]) => ({
      cutoff,
      marks,
      validation: ratesOf(confusionAt(validation.y, validation.p, cutoff)),
      test: test ? ratesOf(confusionAt(test.y, test.p, cutoff)) : null,
    }));
}

export interface BandStat {
  band: RiskBand;
  n: number;
  share: number;
  /** Share of the band's students who lagged the next year (null for an empty band). */
  observed: number | null;
  /** Mean calibrated risk in the band. */
  predicted: number | null;
}

/** Students per band (with the model's own band rule) and how many of them lagged. */
export function bandStats(set: Scored, bandOf: (score: number) => RiskBand): BandStat[] {
  return (['alto', 'medio', 'baixo'] as const).map((band) => {
    let n = 0;
    let pos = 0;
    let pred = 0;
    for (let i = 0; i < set.p.length; i++) {
      if (bandOf(set.p[i]!) !== band) continue;
      n++;
      pos += set.y[i]!;
      pred += set.p[i]!;
    }
    return {
      band,
      n,
      share: n / set.p.length,
      observed: n > 0 ? pos / n : null,
      predicted: n > 0 ? pred / n : null,
    };
  });
}

export interface ShiftRow {
  /** Share of students who will lag. */
  prevalence: number;
  flagged: number;
  precision: number;
  /** flagged / prevalence: how many students flagged per student who will lag. */
  ratio: number;
}

/**
 * The fixed threshold under a change in the share who lag (label shift: the scores of students who lag,
 * and of those who do not, keep their validation distributions): recall and the false-alarm rate stay,
 * so flagged = π·recall + (1 − π)·false-alarm rate. A check that the single-request threshold stays
 * sensible when fewer (or more) students lag, with nothing but validation data.
 */
export function labelShiftProjection(
  validation: Scored,
  threshold: number,
  prevalences: readonly number[],
): ShiftRow[] {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  for (let i = 0; i < validation.y.length; i++) {
    const flagged = isFlagged(validation.p[i]!, threshold);
    if (validation.y[i] === 1) {
      pos++;
      if (flagged) tp++;
    } else if (flagged) fp++;
  }
  const tpr = tp / pos;
  const fpr = fp / (validation.y.length - pos);
  return prevalences.map((prevalence) => {
    const flagged = prevalence * tpr + (1 - prevalence) * fpr;
    return {
      prevalence,
      flagged,
      precision: flagged > 0 ? (prevalence * tpr) / flagged : 0,
      ratio: flagged / prevalence,
    };
  });
}

export interface GroupRecall {
  group: string;
  n: number;
  /** Students of the group who lagged: recall's denominator (a recall over 2 students is no rate). */
  positives: number;
  recall: number;
  base_rate: number;
}

export interface RecallGap {
  field: string;
  low: GroupRecall;
  high: GroupRecall;
  gap: number;
}

/** Per grouping, the largest recall difference between groups of SMALL_GROUP+ students, when > RECALL_GAP. */
export function recallGaps(byGroup: Record<string, Record<string, EvaluationBlock>>): RecallGap[] {
  const out: RecallGap[] = [];
  for (const [field, blocks] of Object.entries(byGroup)) {
    const groups = Object.entries(blocks)
      .filter(([, b]) => b.n >= SMALL_GROUP && b.positives > 0 && b.metrics.recall.value !== null)
      .map(([group, b]) => ({
        group,
        n: b.n,
        positives: b.positives,
        recall: b.metrics.recall.value,
        base_rate: b.base_rate,
      }));
    if (groups.length < 2) continue;
    const low = groups.reduce((a, b) => (b.recall < a.recall ? b : a));
    const high = groups.reduce((a, b) => (b.recall > a.recall ? b : a));
    const gap = high.recall - low.recall;
    if (gap > RECALL_GAP) out.push({ field, low, high, gap });
  }
  return out;
}
