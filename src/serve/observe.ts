/**
 * The one place where a prediction can be observed. Monitoring (inference events, drift) will plug a
 * function in here. It is called synchronously on the request path with references, not copies, so an
 * implementation must only enqueue (e.g. push to a ring buffer flushed by a timer) and return at once;
 * it must never throw, block, or keep the records past the flush (they may hold raw inputs).
 */
import type { StudentRecord } from '../core/student.js';

export interface PredictionEvent {
  readonly modelVersion: string;
  readonly records: readonly StudentRecord[];
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  /** Request id, to join with logs. */
  readonly requestId: string;
  /** `Date.now()` at scoring time. */
  readonly at: number;
  /** Endpoint family: `predict` or `v2`. */
  readonly via: 'predict' | 'v2';
}

export type PredictionObserver = (event: PredictionEvent) => void;

/** Today's observer: nothing is recorded yet. */
export const noopObserver: PredictionObserver = () => {};
