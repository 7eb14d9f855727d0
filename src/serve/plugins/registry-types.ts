/**
 * The shapes the dashboard reads from /registry and /dashboard: one contract for the server (which
 * annotates its answers with them) and the web client (web/src imports them as types). Types only,
 * importing nothing but the registry's own data shapes, so the browser build can use them.
 */
import type { GuardrailCheck, HistoryEntry, VerifyReport, VersionSummary } from '../../registry/types.js';

export type { GuardrailCheck, HistoryEntry };

export interface DashboardConfig {
  auth: boolean;
  /**
   * Optional endpoints this server has and that can answer: the page never calls one that is absent,
   * nor a monitoring read when monitoring is off (those answer 409 DEF_ERR_MONITOR_MONITORING_OFF).
   */
  features: { score: boolean; drift: boolean; slo: boolean; series: boolean; outcomes: boolean };
  /**
   * Inference monitoring: `on` (aggregate_only or pseudonymised), `off` (MONITOR_PRIVACY_MODE=off: the
   * routes exist and refuse), `absent` (a server embedded without monitoring: no routes).
   */
  monitoring: 'on' | 'off' | 'absent';
}

export interface DashboardSession {
  auth: boolean;
  role: 'admin' | 'predict' | null;
  key_id: string | null;
}

export interface Estimate {
  value: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export interface BlockView {
  label_years: number[];
  n: number | null;
  positives: number | null;
  base_rate: number | null;
  /** Mean calibrated score: the share the model expected to lag (compare with base_rate). */
  mean_predicted: number | null;
  threshold: number | null;
  /** Share of the students the threshold flagged, from the confusion matrix. */
  flagged_share: number | null;
  metrics: Record<string, Estimate>;
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
}

export interface GroupRow extends BlockView {
  level: string;
  /** Fewer than SMALL_GROUP students: its numbers are unstable. */
  small: boolean;
}

export interface GroupTable {
  field: string;
  rows: GroupRow[];
}

export type Point = [number, number];

export interface Curves {
  /** Precision (y) against recall (x) on the test year. */
  pr: Point[] | null;
  /** Observed share (y) against mean predicted probability (x) per bin on the test year. */
  calibration: Point[] | null;
  roc: Point[] | null;
}

export interface ImportanceItem {
  feature: string;
  label: string;
  value: number;
}

export interface Bands {
  /** Lowest score of "medio" (= the threshold: from here a student is flagged). */
  medio_from: number;
  /** Lowest score of "alto". */
  alto_from: number;
}

export interface EvaluationView {
  learner: string | null;
  /** True when the training data was the synthetic workbook (then the numbers describe fake students). */
  synthetic: boolean | null;
  /** The threshold of the model in this version (production); the test block has the backtest's. */
  threshold: number | null;
  bands: Bands | null;
  test: BlockView | null;
  validation: BlockView | null;
  groups: GroupTable[];
  curves: Curves | null;
  importance: ImportanceItem[] | null;
  /** Rows of the development, test and production periods (no paths, no hashes). */
  periods: Record<string, { label_years: number[]; rows: number | null }> | null;
}

export type ReportChartKind = 'pr' | 'calibration' | 'roc' | 'importance' | 'other';

export interface ReportChart {
  kind: ReportChartKind;
  title: string;
  /** A standalone SVG document, shown by the dashboard as an image (never inserted as markup). */
  svg: string;
}

/** What this server serves, and whether it follows the champion (MODEL_VERSION=champion). */
export interface Serving {
  version: string;
  source: string;
  requested: string;
  follows_champion: boolean;
}

/** The champion as GET /registry shows it: `promoted_by` and `reason` for the admin role only. */
export interface ChampionView {
  version: string;
  promoted_at: string;
  promoted_by?: string;
  action: 'promote' | 'rollback';
  reason?: string | null;
  forced: boolean;
  previous_champion: string | null;
}

/** A registry listing row (`created_by`, `notes`: admin only) with its guardrails from the manifest. */
export type VersionRow = Omit<VersionSummary, 'created_by' | 'notes'> & {
  created_by?: string | null;
  notes?: string;
  guardrails: GuardrailCheck[] | null;
};

export interface RegistryOverview {
  champion: ChampionView | null;
  /** Why champion.json could not be read, when it could not. */
  champion_problem: string | null;
  /** Where a rollback without a version would go. */
  rollback_target: string | null;
  serving: Serving | null;
  guardrail_minimums: Record<GuardrailCheck['metric'], number>;
  versions: VersionRow[];
}

/** A champion move as the API shows it: `by` and `reason` for the admin role only. */
export type HistoryView = Partial<HistoryEntry> &
  Pick<HistoryEntry, 'at' | 'action' | 'from' | 'to' | 'forced'>;

export interface VersionDetail {
  version: string;
  is_champion: boolean;
  was_champion: boolean;
  manifest: {
    created_at: string;
    created_by?: string;
    notes?: string;
    model_format_version: number;
    signature_sha256: string;
    metrics_summary: unknown;
    files: string[];
  };
  integrity: VerifyReport;
  signature: { inputs: unknown[]; outputs: unknown[] } | null;
  /** Champion moves involving this version. */
  history: HistoryView[];
  guardrails: GuardrailCheck[] | null;
  evaluation: EvaluationView | null;
  has_report_charts: boolean;
}

export interface MoveResponse {
  action: 'promote' | 'rollback';
  version: string;
  previous: string | null;
  changed: boolean;
  forced: boolean;
  guardrails: GuardrailCheck[];
  /** What this server did after the move: swapped to the new champion, or nothing to do. */
  reload: 'swapped' | 'unchanged' | 'failed';
  serving: Serving | null;
}
