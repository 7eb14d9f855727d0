import { AppError } from '../core/error-base.js';
import { MONITOR_ERRORS } from './errors.js';
import type { TimeWindow } from './store/types.js';

const DAY_MS = 86_400_000;

/** The last `days` days up to `now` (epoch ms). WINDOW_INVALID unless days is a whole number from 1 to `maxDays`. */
export function lastDays(days: number, now: number = Date.now(), maxDays = 3650): TimeWindow {
  if (!Number.isInteger(days) || days < 1 || days > maxDays) {
    throw new AppError(
      MONITOR_ERRORS.WINDOW_INVALID,
      `The window must be a whole number of days from 1 to ${maxDays}, got ${String(days)}.`,
      { last_days: days, max_days: maxDays },
    );
  }
  return { from: now - days * DAY_MS, to: now };
}

/** A window between two dates; WINDOW_INVALID unless from < to and both are valid. */
export function windowBetween(from: Date, to: Date): TimeWindow {
  const f = from.getTime();
  const t = to.getTime();
  if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) {
    throw new AppError(
      MONITOR_ERRORS.WINDOW_INVALID,
      'The window needs valid dates with the start before the end.',
    );
  }
  return { from: f, to: t };
}
