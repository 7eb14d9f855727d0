/** What the server hands to monitoring: its one observation point and its response hook. */

/** What the server's one observation point hands over (references, not copies). */
export interface PredictionObservation {
  readonly modelVersion: string;
  /** Endpoint family, e.g. `predict`, `v2`, `score` (`via` is read when this is absent). */
  readonly endpoint?: string;
  /** The server's name for the endpoint family (its PredictionEvent has `via`, not `endpoint`). */
  readonly via?: string;
  readonly records: readonly object[];
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  /** `Date.now()` at scoring time. */
  readonly at: number;
  /**
   * RA of each record when the caller has it (cohort scoring): used, hashed, in pseudonymised mode only,
   * where only students given with an RA become rows.
   */
  readonly ras?: readonly (string | null | undefined)[];
  /** The served risk-band cut-offs, to count the bands given (a reference to the bundle's). */
  readonly bandCuts?: { readonly alto: number; readonly medio: number } | null;
}

export interface RequestObservation {
  readonly endpoint: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly at: number;
}

/** The endpoint an observation is counted under. */
export function endpointOf(o: { endpoint?: unknown; via?: unknown } | null | undefined): string {
  const e = o?.endpoint ?? o?.via;
  return e === undefined || e === null ? 'unknown' : String(e);
}
