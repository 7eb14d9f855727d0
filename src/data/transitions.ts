/**
 * Student-year transitions: a student seen in year t and again in year t+1 (joined on RA) gives one
 * modelling row with every field from year t and the label em_risco = defasagem(t+1) < 0. Nothing from
 * t+1 other than the label is used, and RA is replaced by a pseudonymous id.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StudentRecord } from '../core/student.js';
import type { NormalisedYear } from './normalise.js';

export type ModelingRow = StudentRecord & {
  em_risco: 0 | 1;
  /**
   * Pseudonymous student id: the first 16 hex digits of sha256(salt + RA) with a random salt drawn per
   * ingest run and never stored. It lets training keep a student's transitions in the same fold; it
   * cannot be linked back to an RA, nor across ingest runs.
   */
  aluno_id?: string;
};

export interface TransitionStats {
  readonly from: number;
  readonly to: number;
  readonly rows: number;
  readonly positives: number;
  readonly positiveRate: number;
}

export function buildTransitions(
  years: readonly NormalisedYear[],
  salt: Buffer = randomBytes(16),
): { rows: ModelingRow[]; stats: TransitionStats[] } {
  const byYear = new Map(years.map((y) => [y.year, y]));
  const rows: ModelingRow[] = [];
  const stats: TransitionStats[] = [];
  const ids = new Map<string, string>();
  const pseudonym = (ra: string) => {
    let id = ids.get(ra);
    if (!id) {
      id = createHash('sha256').update(salt).update(ra).digest('hex').slice(0, 16);
      ids.set(ra, id);
    }
    return id;
  };
  for (const y of [...byYear.keys()].sort((a, b) => a - b)) {
    const next = byYear.get(y + 1);
    if (!next) continue;
    const nextByRa = new Map(next.records.map((r) => [r.ra, r]));
    let n = 0;
    let pos = 0;
    for (const rec of byYear.get(y)!.records) {
      const later = nextByRa.get(rec.ra);
      if (!later || later.defasagem === null) continue;
      const { ra, ...fields } = rec;
      const em_risco = later.defasagem < 0 ? 1 : 0;
      rows.push({ ...fields, em_risco, aluno_id: pseudonym(ra) });
      n++;
      pos += em_risco;
    }
    stats.push({ from: y, to: y + 1, rows: n, positives: pos, positiveRate: n ? pos / n : 0 });
  }
  return { rows, stats };
}
