/**
 * The shapes the dashboard reads. Those of /registry and /dashboard are the server's own contract
 * (src/serve/plugins/registry-types.ts, types only); the diff is the registry library's, read
 * loosely here because its model verdict is still growing.
 */
import type { BlockView, GroupRow, MoveResponse } from '../../src/serve/plugins/registry-types';

export type {
  ChampionView as ChampionInfo,
  DashboardConfig,
  DashboardSession as Session,
  Estimate,
  EvaluationView as Evaluation,
  GuardrailCheck,
  HistoryView as HistoryEntry,
  Point,
  RegistryOverview,
  ReportChart,
  Serving,
  VersionDetail,
  VersionRow,
} from '../../src/serve/plugins/registry-types';

export type Block = BlockView;
export type { GroupRow };
export type MoveResult = MoveResponse;

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
