/**
 * What a prediction observer receives, and the guard every observer runs behind. Monitoring
 * (inference events, drift) plugs an observer into `buildApp`; `scoring.ts` is the one place it is
 * called. It runs synchronously on the request path with references, not copies, so an implementation
 * must only enqueue (e.g. push to a ring buffer flushed by a timer) and return at once, and must not
 * keep the records past the flush (they may hold raw inputs). It must not throw either; if it does
 * anyway, `guardObserver` keeps the failure away from the client: the prediction is answered as usual
 * and the failure is logged.
 */
import type { StudentRecord } from '../core/student.js';
import type {
  DriftReport,
  MonitoringSeries,
  OutcomeReport,
  PrivacyMode,
  RecorderStats,
  ServiceHealth,
} from '../monitor/index.js';

export interface PredictionEvent {
  readonly modelVersion: string;
  readonly records: readonly StudentRecord[];
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  /** Request id, to join with logs. */
  readonly requestId: string;
  /** `Date.now()` at scoring time. */
  readonly at: number;
  /** Endpoint family: `predict`, `v2` or `score` (a cohort upload). */
  readonly via: 'predict' | 'v2' | 'score';
  /**
   * RA of each record, when the endpoint has it (`score`: the uploaded cohort). Personal data: an
   * observer may keep it only pseudonymised, never as is.
   */
  readonly ras?: readonly (string | null)[];
}

export type PredictionObserver = (event: PredictionEvent) => void;

/** Told about an observer that threw: the error, and how many failures went unreported before it. */
export type ObserverFailureReport = (err: unknown, suppressed: number) => void;

/** At most one report per this many milliseconds: a broken observer fails on every request. */
export const OBSERVER_REPORT_INTERVAL_MS = 60_000;

/**
 * The observer as the request path calls it: whatever it throws is caught, and reported at most
 * once per OBSERVER_REPORT_INTERVAL_MS with the count of failures in between.
 */
export function guardObserver(
  observer: PredictionObserver,
  report: ObserverFailureReport,
  now: () => number = Date.now,
): PredictionObserver {
  let lastReport = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (event) => {
    try {
      observer(event);
    } catch (err) {
      const t = now();
      if (t - lastReport < OBSERVER_REPORT_INTERVAL_MS) {
        suppressed++;
        return;
      }
      lastReport = t;
      const before = suppressed;
      suppressed = 0;
      try {
        report(err, before);
      } catch {
        // Reporting must not fail a prediction either.
      }
    }
  };
}

/** What the response hook hands to monitoring for every answered request. */
export interface RequestEvent {
  /** The route template (`/predict`, `/v2/models/defasagem/infer`), or `unmatched`. */
  readonly endpoint: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly at: number;
}

/**
 * Monitoring as the HTTP app sees it (built by runner/monitoring.ts from src/monitor): the response
 * hook's observer and the reads behind GET /monitoring/*. Each read throws catalogue errors
 * (MONITORING_OFF, WINDOW_INVALID, BASELINE_NOT_FOUND...).
 */
export interface MonitoringService {
  readonly mode: PrivacyMode;
  /** Largest window a read accepts, in days (the retention period). */
  readonly maxDays: number;
  /** Never throws, never waits (a bounded queue). */
  observeRequest(e: RequestEvent): void;
  drift(q: { modelVersion: string; lastDays: number }): Promise<DriftReport>;
  slo(lastDays: number): Promise<ServiceHealth & { recorder: RecorderStats }>;
  series(lastDays: number): Promise<MonitoringSeries>;
  /** The latest outcomes report `defasagem monitor outcomes` saved beside the events; null before any. */
  outcomes(): Promise<OutcomeReport | null>;
}
