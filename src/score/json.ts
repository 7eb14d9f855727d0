/**
 * The ranked cohort as JSON (POST /score's default answer): the same rows, order and flags as the
 * spreadsheet, with full-precision scores and the factors as the model's explain returns them (plus
 * their Portuguese wording). Names only when the caller asked for them.
 */
import type { Factor, RiskBand } from '../model/types.js';
import type { Cohort } from './input.js';
import type { RankedCohort } from './rank.js';
import type { ScoreContext } from './table.js';

export interface ScoredRowJson {
  rank: number;
  ra: string | null;
  nome?: string | null;
  turma: string | null;
  fase: number | null;
  risk_score: number;
  risk_band: RiskBand;
  risk_label: 0 | 1;
  /** Only with a capacity. */
  within_capacity?: boolean;
  top_factors: (Factor & { text: string })[];
  missing_data: string[];
  source_row: number | null;
}

export interface ScoreAnswerJson {
  model_version: string;
  year: number;
  sheet: string;
  students: number;
  rows_rejected: number;
  rejects: Cohort['rejects'];
  flagged: number;
  flag_rule: 'threshold' | 'capacity';
  threshold: number;
  bands: { medio: number; alto: number };
  capacity: RankedCohort['capacity'];
  synthetic: { model: boolean | null; input: boolean };
  scored_at: string;
  rows: ScoredRowJson[];
}

export function scoreAnswerJson(ctx: ScoreContext, cohort: Cohort, ranked: RankedCohort): ScoreAnswerJson {
  return {
    model_version: ctx.modelVersion,
    year: cohort.year,
    sheet: cohort.sheet,
    students: ranked.students.length,
    rows_rejected: cohort.rowsRejected,
    rejects: cohort.rejects,
    flagged: ranked.flagged,
    flag_rule: ranked.capacity ? 'capacity' : 'threshold',
    threshold: ranked.threshold,
    bands: { medio: ctx.bands.medio, alto: ctx.bands.alto },
    capacity: ranked.capacity,
    synthetic: { model: ctx.modelSynthetic, input: cohort.synthetic },
    scored_at: ctx.at.toISOString(),
    rows: ranked.students.map((r) => ({
      rank: r.rank,
      ra: r.student.ra,
      ...(ctx.includeNames ? { nome: r.student.nome } : {}),
      turma: r.student.turma,
      fase: r.student.record.fase,
      risk_score: r.score,
      risk_band: r.band,
      risk_label: r.label,
      ...(ranked.capacity ? { within_capacity: r.flagged } : {}),
      top_factors: r.factors,
      missing_data: r.missing,
      source_row: r.student.sourceRow,
    })),
  };
}
