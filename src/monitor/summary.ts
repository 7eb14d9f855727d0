/**
 * The dashboard's Monitoramento page in one answer (GET /monitoring/summary): traffic and latency of
 * the scoring endpoints, the share of students flagged (now and in the baseline) and per band, drift
 * per field with a traffic light in Portuguese, and the latest outcomes. Pure: it folds what the other
 * reads already computed. Every block is null when there is nothing to show (the page shows an empty
 * state), never zeros that would look like data.
 */
import type { DriftReport, OverallStatus } from './drift.js';
import type { ServiceHealth } from './health.js';
import type { OutcomeReport } from './outcomes.js';
import type { Status } from './psi.js';
import type { MonitoringSeries } from './series.js';

export type StatusPt = 'verde' | 'amarelo' | 'vermelho' | 'sem_dados';

export interface MonitoringSummary {
  summary_version: 1;
  window: { from: string; to: string };
  model_version: string | null;
  /** Requests to the scoring endpoints, and students scored. */
  traffic: { requests: number; students: number } | null;
  /** Latency of the scoring endpoints (every request, accepted or not). */
  latency: { p50_ms: number | null; p95_ms: number | null; p99_ms: number | null } | null;
  scores: {
    flagged_share: number;
    baseline_flagged_share: number | null;
    /** Share of students per band given; null before bands were counted. */
    bands: { alto: number; medio: number; baixo: number } | null;
  } | null;
  drift_status: StatusPt | null;
  drift: { feature: string; label: string; psi: number | null; status: StatusPt; counted: boolean }[] | null;
  outcomes: {
    model_version: string;
    generated_at: string;
    n: number;
    recall: number | null;
    precision: number | null;
    pr_auc: number | null;
    alerts: number;
  } | null;
}

const STATUS_PT: Record<OverallStatus, StatusPt> = {
  green: 'verde',
  yellow: 'amarelo',
  red: 'vermelho',
  insufficient: 'sem_dados',
};

/** Short Portuguese names of the fields (the indicators by their acronym). */
const LABELS: Record<string, string> = {
  score: 'Risco (score)',
  ano_base: 'Ano da observação',
  fase: 'Fase',
  idade: 'Idade',
  genero: 'Gênero',
  instituicao: 'Tipo de escola',
  ano_ingresso: 'Ano de ingresso',
  defasagem: 'Defasagem',
};

export const fieldLabel = (field: string): string => LABELS[field] ?? field.toUpperCase();

const share = (a: number, n: number): number => (n > 0 ? Math.round((a / n) * 1e4) / 1e4 : 0);

function scoresOf(series: MonitoringSeries, drift: DriftReport | null): MonitoringSummary['scores'] {
  let students = 0;
  let flagged = 0;
  const bands = { alto: 0, medio: 0, baixo: 0 };
  for (const h of series.hours) {
    students += h.students;
    flagged += h.flagged;
    bands.alto += h.bands.alto;
    bands.medio += h.bands.medio;
    bands.baixo += h.bands.baixo;
  }
  if (students === 0) return null;
  const banded = bands.alto + bands.medio + bands.baixo;
  return {
    flagged_share: share(flagged, students),
    baseline_flagged_share: drift ? drift.positive_rate.baseline : null,
    bands:
      banded > 0
        ? {
            alto: share(bands.alto, banded),
            medio: share(bands.medio, banded),
            baixo: share(bands.baixo, banded),
          }
        : null,
  };
}

function outcomesOf(report: OutcomeReport | null, version: string | null): MonitoringSummary['outcomes'] {
  if (!report || report.versions.length === 0) return null;
  const v = report.versions.find((x) => x.model_version === version) ?? report.versions[0]!;
  return {
    model_version: v.model_version,
    generated_at: report.generated_at,
    n: v.overall.n,
    recall: v.overall.recall,
    precision: v.overall.precision,
    pr_auc: v.overall.pr_auc,
    alerts: v.alerts.length,
  };
}

export function buildSummary(q: {
  modelVersion: string | null;
  series: MonitoringSeries;
  /** Health of the scoring endpoints only. */
  scoring: ServiceHealth;
  drift: DriftReport | null;
  outcomes: OutcomeReport | null;
}): MonitoringSummary {
  const t = q.scoring.total;
  const students = q.series.hours.reduce((a, h) => a + h.students, 0);
  const pt = (s: Status | OverallStatus): StatusPt => STATUS_PT[s];
  return {
    summary_version: 1,
    window: q.series.window,
    model_version: q.modelVersion,
    traffic: t.requests > 0 || students > 0 ? { requests: t.requests, students } : null,
    latency:
      t.requests > 0
        ? { p50_ms: t.latency_ms.p50, p95_ms: t.latency_ms.p95, p99_ms: t.latency_ms.p99 }
        : null,
    scores: scoresOf(q.series, q.drift),
    drift_status: q.drift ? pt(q.drift.status) : null,
    drift: q.drift
      ? [q.drift.score, ...q.drift.fields].map((f) => ({
          feature: f.field,
          label: fieldLabel(f.field),
          psi: f.psi === null ? null : Math.round(f.psi * 1e4) / 1e4,
          status: f.psi === null && f.missing_status === null ? 'sem_dados' : pt(f.status),
          counted: f.counted,
        }))
      : null,
    outcomes: outcomesOf(q.outcomes, q.modelVersion),
  };
}
