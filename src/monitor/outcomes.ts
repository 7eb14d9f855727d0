/**
 * Outcomes: once next year's PEDE arrives, did the model catch the students who fell behind? Predictions
 * (pseudonymised rows recorded by the server, or a re-scoring of the earlier cohort with the version
 * that was champion then) are joined by RA pseudonym to next year's real defasagem, and realised recall,
 * precision, PR-AUC and calibration are reported per model version and per group (gender, school type,
 * fase), with alerts where a metric crosses its floor. Metrics are src/ml's (sklearn-equal).
 */

import { AppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import {
  averagePrecision,
  brierScore,
  type Confusion,
  calibrationCurve,
  confusionAt,
  expectedCalibrationError,
  metricOrNull,
} from '../ml/metrics.js';
import type { LoadedModel } from '../model/types.js';
import type { HistoryEntry } from '../registry/types.js';
import { MONITOR_ERRORS } from './errors.js';
import type { Pseudonymiser } from './pseudonym.js';
import type { PredictionRow } from './store/types.js';

export const OUTCOME_GROUPS = ['genero', 'instituicao', 'fase'] as const;
export type OutcomeGroup = (typeof OUTCOME_GROUPS)[number];

export interface OutcomePrediction {
  /** RA pseudonym (HMAC-SHA256). */
  subject: string;
  modelVersion: string;
  score: number;
  /** The label given at the time (score ≥ that model's threshold). */
  label: 0 | 1;
  /** Epoch ms; the latest prediction per student and version wins. */
  at: number;
  groups: Record<OutcomeGroup, string | number | null>;
}

export interface OutcomeFloors {
  minRecall: number;
  minPrecision: number;
  minPrAuc: number;
  maxEce: number;
  /** Smaller groups (and versions) are reported, never alerted on. */
  minGroupSize: number;
}

export interface OutcomeMetrics {
  n: number;
  /** Students who fell behind next year (defasagem < 0). */
  positives: number;
  base_rate: number;
  flagged: number;
  confusion: Confusion;
  /** null when undefined: recall without positives, precision without flagged students. */
  recall: number | null;
  precision: number | null;
  pr_auc: number | null;
  ece: number;
  brier: number;
  /** Reliability bins (10 equal-width, empty ones omitted): mean predicted vs observed rate. */
  calibration: { bin: number; n: number; mean_predicted: number; observed: number }[];
}

export interface OutcomeAlert {
  model_version: string;
  /** 'geral' or `${group}=${value}`. */
  scope: string;
  metric: 'recall' | 'precision' | 'pr_auc' | 'ece';
  value: number;
  floor: number;
  n: number;
  /** Portuguese, for the coordination. */
  message: string;
}

export interface VersionOutcomes {
  model_version: string;
  overall: OutcomeMetrics;
  groups: Record<OutcomeGroup, Record<string, OutcomeMetrics>>;
  alerts: OutcomeAlert[];
}

export interface OutcomeReport {
  outcomes_version: 1;
  generated_at: string;
  floors: OutcomeFloors;
  predictions: number;
  /** Predictions joined to an outcome (after keeping the latest per student and version). */
  matched: number;
  /** Students predicted but absent (or without defasagem) next year: left the programme, new RA... */
  unmatched: number;
  versions: VersionOutcomes[];
  alerts: OutcomeAlert[];
  status: 'ok' | 'alert';
}

/** The floor fields of `s` and nothing else (settings objects also hold the HMAC secret). */
export function floorsOf(s: OutcomeFloors): OutcomeFloors {
  return {
    minRecall: s.minRecall,
    minPrecision: s.minPrecision,
    minPrAuc: s.minPrAuc,
    maxEce: s.maxEce,
    minGroupSize: s.minGroupSize,
  };
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const fmt = (v: number): string => v.toFixed(2).replace('.', ',');

/** Metrics of one set of joined predictions. */
export function outcomeMetrics(y: Float64Array, scores: Float64Array, labels: Float64Array): OutcomeMetrics {
  const c = confusionAt(y, labels, 0.5);
  const positives = c.tp + c.fn;
  const flagged = c.tp + c.fp;
  const cal = calibrationCurve(y, scores, 10);
  return {
    n: y.length,
    positives,
    base_rate: r6(positives / y.length),
    flagged,
    confusion: c,
    recall: positives > 0 ? r6(c.tp / positives) : null,
    precision: flagged > 0 ? r6(c.tp / flagged) : null,
    pr_auc: ((v) => (v === null ? null : r6(v)))(metricOrNull(() => averagePrecision(y, scores))),
    ece: r6(expectedCalibrationError(y, scores)),
    brier: r6(brierScore(y, scores)),
    calibration: Array.from(cal.bins, (bin, q) => ({
      bin,
      n: cal.counts[q]!,
      mean_predicted: r6(cal.probPred[q]!),
      observed: r6(cal.probTrue[q]!),
    })),
  };
}

const METRIC_PT: Record<OutcomeAlert['metric'], string> = {
  recall: 'Recall realizado (atrasados que o modelo sinalizou)',
  precision: 'Precisão realizada (sinalizados que de fato atrasaram)',
  pr_auc: 'PR-AUC realizada',
  ece: 'Erro de calibração (ECE)',
};

function alertsOf(version: string, scope: string, m: OutcomeMetrics, f: OutcomeFloors): OutcomeAlert[] {
  if (m.n < f.minGroupSize) return [];
  const checks: [OutcomeAlert['metric'], number | null, number, boolean][] = [
    ['recall', m.recall, f.minRecall, m.recall !== null && m.recall < f.minRecall],
    ['precision', m.precision, f.minPrecision, m.precision !== null && m.precision < f.minPrecision],
    ['pr_auc', m.pr_auc, f.minPrAuc, m.pr_auc !== null && m.pr_auc < f.minPrAuc],
    ['ece', m.ece, f.maxEce, m.ece > f.maxEce],
  ];
  const where = scope === 'geral' ? '' : `, grupo ${scope}`;
  return checks
    .filter(([, , , bad]) => bad)
    .map(([metric, value, floor]) => ({
      model_version: version,
      scope,
      metric,
      value: value!,
      floor,
      n: m.n,
      message: `${METRIC_PT[metric]} ${fmt(value!)} ${metric === 'ece' ? 'acima do máximo' : 'abaixo do mínimo'} ${fmt(floor)} (modelo ${version}${where}, ${m.n} alunos).`,
    }));
}

function metricsOf(items: readonly { p: OutcomePrediction; y: number }[]): OutcomeMetrics {
  return outcomeMetrics(
    Float64Array.from(items, (i) => i.y),
    Float64Array.from(items, (i) => i.p.score),
    Float64Array.from(items, (i) => i.p.label),
  );
}

function versionOutcomes(
  version: string,
  items: { p: OutcomePrediction; y: number }[],
  floors: OutcomeFloors,
): VersionOutcomes {
  const overall = metricsOf(items);
  const alerts = alertsOf(version, 'geral', overall, floors);
  const groups = {} as VersionOutcomes['groups'];
  for (const g of OUTCOME_GROUPS) {
    const by = new Map<string, { p: OutcomePrediction; y: number }[]>();
    for (const it of items) {
      const v = it.p.groups[g];
      const key = v === null || v === undefined ? 'desconhecido' : String(v);
      let list = by.get(key);
      if (!list) by.set(key, (list = []));
      list.push(it);
    }
    const keys = [...by.keys()].sort((a, b) =>
      g === 'fase' && a !== 'desconhecido' && b !== 'desconhecido'
        ? Number(a) - Number(b)
        : a.localeCompare(b),
    );
    groups[g] = {};
    for (const key of keys) {
      const m = metricsOf(by.get(key)!);
      groups[g][key] = m;
      alerts.push(...alertsOf(version, `${g}=${key}`, m, floors));
    }
  }
  return { model_version: version, overall, groups, alerts };
}

/**
 * Joins predictions to next year's defasagem (pseudonym → defasagem; students without one are absent)
 * and reports per version and group. OUTCOMES_NO_MATCH when nothing joins.
 */
export function computeOutcomes(
  predictions: readonly OutcomePrediction[],
  outcomes: ReadonlyMap<string, number>,
  floors: OutcomeFloors,
  now: Date = new Date(),
): OutcomeReport {
  const latest = new Map<string, OutcomePrediction>();
  for (const p of predictions) {
    const k = `${p.modelVersion}\t${p.subject}`;
    const prev = latest.get(k);
    if (!prev || p.at >= prev.at) latest.set(k, p);
  }
  const byVersion = new Map<string, { p: OutcomePrediction; y: number }[]>();
  let unmatched = 0;
  for (const p of latest.values()) {
    const d = outcomes.get(p.subject);
    if (d === undefined) {
      unmatched++;
      continue;
    }
    let list = byVersion.get(p.modelVersion);
    if (!list) byVersion.set(p.modelVersion, (list = []));
    list.push({ p, y: d < 0 ? 1 : 0 });
  }
  const matched = latest.size - unmatched;
  if (matched === 0) {
    throw new AppError(
      MONITOR_ERRORS.OUTCOMES_NO_MATCH,
      `None of the ${latest.size} predicted students has an outcome in the next year's data.`,
      { predictions: latest.size, outcomes: outcomes.size },
    );
  }
  const f = floorsOf(floors);
  const versions = [...byVersion.keys()].sort().map((v) => versionOutcomes(v, byVersion.get(v)!, f));
  const alerts = versions.flatMap((v) => v.alerts);
  return {
    outcomes_version: 1,
    generated_at: now.toISOString(),
    // Only the floors: callers pass the whole monitoring settings, whose secret must not be copied.
    floors: f,
    predictions: predictions.length,
    matched,
    unmatched,
    versions,
    alerts,
    status: alerts.length > 0 ? 'alert' : 'ok',
  };
}

/** Next year's outcomes by pseudonym: defasagem of every student that has one. */
export function outcomesByPseudonym(
  records: readonly { ra: string; defasagem: number | null }[],
  pseudonymise: Pseudonymiser,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records)
    if (r.defasagem !== null && r.ra.trim() !== '') out.set(pseudonymise(r.ra), r.defasagem);
  return out;
}

const groupsOf = (r: Partial<StudentRecord>): OutcomePrediction['groups'] => ({
  genero: r.genero ?? null,
  instituicao: r.instituicao ?? null,
  fase: r.fase ?? null,
});

/** Predictions recorded in pseudonymised mode (rows without a pseudonym cannot be joined and are skipped). */
export function predictionsFromRows(rows: readonly PredictionRow[]): OutcomePrediction[] {
  const out: OutcomePrediction[] = [];
  for (const r of rows) {
    if (!r.subject) continue;
    out.push({
      subject: r.subject,
      modelVersion: r.modelVersion,
      score: r.score,
      label: r.label,
      at: r.at,
      groups: groupsOf(JSON.parse(r.inputs) as Partial<StudentRecord>),
    });
  }
  return out;
}

/** Re-scores an earlier cohort with the model that was champion then (records keep their RA in memory only). */
export function rescoreCohort(opts: {
  model: LoadedModel;
  modelVersion: string;
  records: readonly (StudentRecord & { ra: string })[];
  pseudonymise: Pseudonymiser;
  at?: number;
}): OutcomePrediction[] {
  const scores = opts.model.predictProba(opts.records);
  const at = opts.at ?? Date.now();
  return opts.records.map((r, i) => ({
    subject: opts.pseudonymise(r.ra),
    modelVersion: opts.modelVersion,
    score: scores[i]!,
    label: scores[i]! >= opts.model.threshold ? 1 : 0,
    at,
    groups: groupsOf(r),
  }));
}

/** The version that was champion at `when` according to the registry history (null before the first promotion). */
export function championAt(history: readonly HistoryEntry[], when: Date): string | null {
  let version: string | null = null;
  let latest = Number.NEGATIVE_INFINITY;
  for (const e of history) {
    const t = Date.parse(e.at);
    if (Number.isFinite(t) && t <= when.getTime() && t >= latest) {
      latest = t;
      version = e.to;
    }
  }
  return version;
}
