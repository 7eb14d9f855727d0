/** The shapes the dashboard reads from the API (src/serve/plugins/registry*.ts and dashboard.ts). */

export interface DashboardConfig {
  auth: boolean;
  /** Optional endpoint families this server has. */
  features: { score: boolean; drift: boolean; slo: boolean; outcomes: boolean };
}

export interface Session {
  auth: boolean;
  role: 'admin' | 'predict' | null;
  key_id: string | null;
}

export interface GuardrailCheck {
  metric: 'roc_auc' | 'precision' | 'recall';
  min: number;
  value: number | null;
  ok: boolean;
}

export interface Serving {
  version: string;
  source: string;
  requested: string;
  follows_champion: boolean;
}

export interface ChampionInfo {
  version: string;
  promoted_at: string;
  /** Admin only. */
  promoted_by?: string;
  action: 'promote' | 'rollback';
  /** Admin only. */
  reason?: string | null;
  forced: boolean;
  previous_champion: string | null;
}

export interface VersionRow {
  version: string;
  prerelease: boolean;
  created_at: string | null;
  created_by?: string | null;
  notes?: string;
  is_champion: boolean;
  model_format_version: number | null;
  learner: string | null;
  test_metrics: Record<string, number> | null;
  readable: boolean;
  problem?: string;
  guardrails: GuardrailCheck[] | null;
}

export interface RegistryOverview {
  champion: ChampionInfo | null;
  champion_problem: string | null;
  rollback_target: string | null;
  serving: Serving | null;
  guardrail_minimums: Record<'roc_auc' | 'precision' | 'recall', number>;
  versions: VersionRow[];
}

export interface Estimate {
  value: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export interface Block {
  label_years: number[];
  n: number | null;
  positives: number | null;
  base_rate: number | null;
  mean_predicted: number | null;
  threshold: number | null;
  flagged_share: number | null;
  metrics: Record<string, Estimate>;
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
}

export interface GroupRow extends Block {
  level: string;
  small: boolean;
}

export type Point = [number, number];

export interface Evaluation {
  learner: string | null;
  synthetic: boolean | null;
  threshold: number | null;
  bands: { medio_from: number; alto_from: number } | null;
  test: Block | null;
  validation: Block | null;
  groups: Array<{ field: string; rows: GroupRow[] }>;
  curves: { pr: Point[] | null; calibration: Point[] | null; roc: Point[] | null } | null;
  importance: Array<{ feature: string; label: string; value: number }> | null;
  periods: Record<string, { label_years: number[]; rows: number | null }> | null;
}

export interface HistoryEntry {
  at: string;
  by?: string;
  action: 'promote' | 'rollback';
  from: string | null;
  to: string;
  reason?: string | null;
  forced: boolean;
  recovered?: boolean;
  guardrails?: GuardrailCheck[];
}

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
    files: string[];
  };
  integrity: { ok: boolean; problems: Array<{ kind: string; file: string; message: string }> };
  guardrails: GuardrailCheck[] | null;
  evaluation: Evaluation | null;
  has_report_charts: boolean;
  history: HistoryEntry[];
}

export interface ReportChart {
  kind: 'pr' | 'calibration' | 'roc' | 'importance' | 'other';
  title: string;
  svg: string;
}

export interface MetricDelta {
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface Change {
  kind?: string;
  field?: string;
  detail?: string;
  breaking?: boolean;
  bump?: string;
  rule?: string;
}

export interface VersionDiff {
  a: string;
  b: string;
  metrics: { test: MetricDelta[]; validation: MetricDelta[] };
  same_signature: boolean;
  signature: { changes: Change[]; required: string };
  /** The model verdict (registry diff's newer versions). */
  model?: { changes: Change[]; required: string };
  semver: {
    from: string;
    to: string;
    required: string;
    actual: string;
    ok: boolean;
    verdict: string;
    contract_required?: string;
    model_required?: string;
    warning?: string;
  };
}

export interface MoveResult {
  action: 'promote' | 'rollback';
  version: string;
  previous: string | null;
  changed: boolean;
  forced: boolean;
  guardrails: GuardrailCheck[];
  reload: 'swapped' | 'unchanged' | 'failed';
  serving: Serving | null;
}
