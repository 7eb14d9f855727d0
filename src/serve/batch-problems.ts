/**
 * Everything wrong with a batch, gathered into one answer: a batch is checked to its last student and
 * refused as a whole (nothing is scored) with every problem of every student, so a client fixes them
 * all in one round trip. Each problem names the student by its 1-based position in `instances`, the
 * catalogue code it would get alone, the field and the rule, never the value. The list is bounded
 * (MAX_LISTED_PROBLEMS); the totals are not.
 */
import { AppError, type ErrorSpec } from '../core/error-base.js';
import { SERVE_ERRORS } from './errors.js';

/** One thing wrong with one student: the error it would be alone, without the value. */
export interface Problem {
  readonly spec: ErrorSpec;
  /** Names the field and the rule, never the value. */
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Problems listed in the answer; the totals count the rest. */
export const MAX_LISTED_PROBLEMS = 100;
/** Problems quoted in the error message itself (all listed ones are in details.problems). */
const IN_MESSAGE = 3;

export class BatchProblems {
  private readonly listed: Array<Record<string, unknown>> = [];
  private total = 0;
  private students = 0;
  private lastStudent = 0;

  get empty(): boolean {
    return this.total === 0;
  }

  /** A problem of the student at 1-based position `student` (students are added in order). */
  add(student: number, p: Problem): void {
    this.total++;
    if (student !== this.lastStudent) {
      this.students++;
      this.lastStudent = student;
    }
    if (this.listed.length < MAX_LISTED_PROBLEMS)
      this.listed.push({ student, code: p.spec.code, ...p.details, message: p.message });
  }

  /** The one 422 for a batch of `size` students. */
  toError(size: number): AppError {
    const quoted = this.listed
      .slice(0, IN_MESSAGE)
      .map((p) => `Student ${p.student}: ${p.message}`)
      .join(' ');
    const more =
      this.total > IN_MESSAGE
        ? ` details.problems lists ${this.listed.length === this.total ? 'all' : `the first ${this.listed.length} of`} ${this.total}.`
        : '';
    const s = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    return new AppError(
      SERVE_ERRORS.INVALID_BATCH,
      `${s(this.students, 'student')} of ${size} ${this.students === 1 ? 'is' : 'are'} invalid (${s(this.total, 'problem')}); nothing was scored. ${quoted}${more}`,
      {
        rule: 'invalid_students',
        instances: size,
        invalid_students: this.students,
        total_problems: this.total,
        truncated: this.listed.length < this.total,
        problems: this.listed,
      },
    );
  }
}
