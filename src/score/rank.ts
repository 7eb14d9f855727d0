/**
 * A scored cohort in priority order: every student ranked by risk (highest first, ties in input
 * order), flagged either at the model's threshold or within the team's capacity (src/ml/capacity.ts,
 * never splitting a tie), with the model's top factors worded in Portuguese and the missing data named.
 */
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { type Capacity, DEFAULT_CAPACITY, flagByCapacity } from '../ml/capacity.js';
import { orderByScoreDesc } from '../ml/metrics.js';
import type { LoadedModelV1 } from '../model/load.js';
import type { Factor, LoadedModel, RiskBand } from '../model/types.js';
import { SCORE_ERRORS } from './errors.js';
import { fieldsRead, missingData } from './factors.js';
import type { Cohort, CohortStudent } from './input.js';

/** Scores, labels at the threshold and bands of a cohort's students, in cohort order. */
export interface CohortScores {
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<0 | 1>;
  readonly bands: readonly RiskBand[];
}

/** What `--capacity` / `capacity=` asks for: a rule, or the model's own rule (`expected`). */
export type CapacityRequest = Capacity | 'expected';

/**
 * `30%` → top 30% of the cohort; `120` → top 120 students; `expected` → the model's own rule (at
 * most 1.25 × the expected number lagging). Anything else is CAPACITY_INVALID.
 */
export function parseCapacity(raw: string): CapacityRequest {
  const t = raw.trim().toLowerCase();
  if (t === 'expected' || t === 'esperado') return 'expected';
  const pct = /^(\d{1,3}(?:[.,]\d+)?)\s*%$/.exec(t);
  if (pct) {
    const share = Number(pct[1]!.replace(',', '.')) / 100;
    if (share >= 0 && share <= 1) return { kind: 'share', share };
  } else if (/^\d{1,7}$/.test(t)) {
    return { kind: 'count', count: Number(t) };
  }
  throw new AppError(
    SCORE_ERRORS.CAPACITY_INVALID,
    `Capacity ${JSON.stringify(raw.slice(0, 20))} is not a share (30%), a number of students (120) or "expected".`,
    { rule: 'capacity' },
  );
}

/** `expected` becomes the capacity the model's metadata records (operating_point.capacity), else the default. */
export function resolveCapacity(req: CapacityRequest | null, metadata: unknown): Capacity | null {
  if (req !== 'expected') return req;
  const c = (metadata as { operating_point?: { capacity?: { kind?: unknown; ratio?: unknown } } } | null)
    ?.operating_point?.capacity;
  return c?.kind === 'expected' && typeof c.ratio === 'number' && c.ratio >= 0
    ? { kind: 'expected', ratio: c.ratio }
    : { ...DEFAULT_CAPACITY };
}

/** The model's own scores for a cohort (the CLI's path; the server scores through its scorer). */
export function scoreRecords(model: LoadedModelV1, cohort: Cohort): CohortScores {
  const scores = model.predictProba(cohort.students.map((s) => s.record));
  const labels = new Array<0 | 1>(scores.length);
  const bands = new Array<RiskBand>(scores.length);
  for (let i = 0; i < scores.length; i++) {
    labels[i] = scores[i]! >= model.threshold ? 1 : 0;
    bands[i] = model.riskBand(scores[i]!);
  }
  return { scores, labels, bands };
}

export interface RankedStudent {
  /** 1 = highest risk. */
  readonly rank: number;
  readonly student: CohortStudent;
  readonly score: number;
  readonly band: RiskBand;
  /** 1 when the score is at least the model's threshold (as /predict's risk_label). */
  readonly label: 0 | 1;
  /** At the threshold (no capacity), or within the capacity. */
  readonly flagged: boolean;
  readonly factors: Factor[];
  /** Data the model reads that is empty for this student (Portuguese names). */
  readonly missing: string[];
}

export interface CapacityOutcome {
  readonly rule: Capacity;
  /** The most students the rule allows in this cohort. */
  readonly limit: number;
  /** Students within capacity (≤ limit: a tie at the last place is left out whole). */
  readonly count: number;
  /** Lowest score within capacity (null when nobody is). */
  readonly cutoff: number | null;
  readonly tiesLeftOut: number;
}

export interface RankedCohort {
  readonly students: RankedStudent[];
  /** Students flagged (at the threshold, or within capacity). */
  readonly flagged: number;
  readonly threshold: number;
  /** Null when students are flagged at the model's threshold. */
  readonly capacity: CapacityOutcome | null;
}

export interface RankOptions {
  capacity: Capacity | null;
  /** Factors per student (default 3). */
  topFactors?: number;
  progress?: Progress;
}

/** Students explained between two yields to the event loop (a server keeps answering meanwhile). */
const CHUNK = 64;

/** Ranks, flags and explains a scored cohort. */
export async function rankCohort(
  model: LoadedModel,
  cohort: Cohort,
  scored: CohortScores,
  opts: RankOptions,
): Promise<RankedCohort> {
  const n = cohort.students.length;
  const k = opts.topFactors ?? 3;
  const progress = opts.progress ?? silentProgress;
  let order: Uint32Array;
  let within: ArrayLike<number>;
  let capacity: CapacityOutcome | null = null;
  if (opts.capacity) {
    const r = flagByCapacity(scored.scores, opts.capacity);
    order = r.order;
    within = r.flagged;
    capacity = {
      rule: opts.capacity,
      limit: r.limit,
      count: r.count,
      cutoff: r.cutoff,
      tiesLeftOut: r.tiesLeftOut,
    };
  } else {
    order = orderByScoreDesc(scored.scores);
    within = scored.labels;
  }
  const fields = fieldsRead(model.featureNames);
  const students = new Array<RankedStudent>(n);
  let flagged = 0;
  progress.stage('Explaining scores', n);
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    const student = cohort.students[i]!;
    const isFlagged = within[i] === 1;
    if (isFlagged) flagged++;
    students[r] = {
      rank: r + 1,
      student,
      score: scored.scores[i]!,
      band: scored.bands[i]!,
      label: scored.labels[i]!,
      flagged: isFlagged,
      factors: k > 0 ? model.explain(student.record, k) : [],
      missing: missingData(student.record, fields),
    };
    if ((r + 1) % CHUNK === 0) {
      progress.tick(CHUNK);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  progress.tick(n % CHUNK);
  progress.done();
  return { students, flagged, threshold: model.threshold, capacity };
}
