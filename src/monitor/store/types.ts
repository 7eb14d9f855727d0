/**
 * The event store interface. SQLite (sqlite.ts) is the default; issue 15 adds PostgreSQL with the same
 * schema and queries (schema.ts holds them in portable SQL). Every method is async so a networked
 * backend fits; `append` is one transaction: after it resolves the batch is durable, before, absent.
 */

/** [from, to) in epoch milliseconds. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** One hourly counter of predictions (see aggregate.ts for the series). */
export interface PredictionCount {
  /** Start of the hour, unix seconds. */
  hour: number;
  modelVersion: string;
  endpoint: string;
  binsId: string;
  series: string;
  bin: string;
  n: number;
}

/** One hourly counter of HTTP requests (see health.ts for the series). */
export interface RequestCount {
  hour: number;
  endpoint: string;
  series: string;
  bin: string;
  n: number;
}

/** One scored student (pseudonymised mode only): no RA, no name, only the contract's input fields. */
export interface PredictionRow {
  /** Epoch milliseconds of the prediction. */
  at: number;
  modelVersion: string;
  endpoint: string;
  /** HMAC-SHA256 of the RA (hex), or null when the caller gave no RA. */
  subject: string | null;
  score: number;
  label: 0 | 1;
  /** JSON of the student record's input fields. */
  inputs: string;
}

export interface EventBatch {
  predictionCounts: PredictionCount[];
  requestCounts: RequestCount[];
  rows: PredictionRow[];
  /** Bin specs referenced by the counts (stored once per id). */
  binSpecs: { id: string; json: string }[];
}

export interface PruneResult {
  predictionCounts: number;
  requestCounts: number;
  rows: number;
}

export interface EventStore {
  /** 'sqlite' or 'postgres'. */
  readonly backend: string;
  /** Applies pending migrations; returns the versions before and after. Refuses a newer database. */
  migrate(): Promise<{ from: number; to: number }>;
  append(batch: EventBatch): Promise<void>;
  /** Counts summed over the hours of the window (hour ≥ from, hour < to), per version/endpoint/bins. */
  predictionCounts(window: TimeWindow, modelVersion?: string): Promise<Omit<PredictionCount, 'hour'>[]>;
  requestCounts(window: TimeWindow): Promise<Omit<RequestCount, 'hour'>[]>;
  /**
   * Per hour (not summed): the volume, label, band and score series of predictions, for charts over
   * time (the input-field series are left out: drift sums them over the window).
   */
  predictionSeries(window: TimeWindow): Promise<PredictionCount[]>;
  /** Per hour (not summed): every request series. */
  requestSeries(window: TimeWindow): Promise<RequestCount[]>;
  predictionRows(window: TimeWindow, modelVersion?: string): Promise<PredictionRow[]>;
  /** The JSON of a bin spec by id, or null. */
  binSpec(id: string): Promise<string | null>;
  /** Deletes everything older than `before` (epoch ms; hours that start before it). */
  prune(before: number): Promise<PruneResult>;
  close(): Promise<void>;
}
