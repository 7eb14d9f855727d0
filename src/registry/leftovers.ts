/** Which leftovers of interrupted commands may be removed: one policy for register, gc and verify. */
import { holderState, parseLockInfo } from './lock.js';
import type { Leftover, LeftoverSweep } from './storage.js';

/** Anything older than this is abandoned whoever made it (a reused pid, another host's crash). */
const ABANDONED_MS = 24 * 3600 * 1000;

/**
 * What `register` removes on its way: only entries of a process of this host that no longer runs.
 * Another host's staging directory is never judged by its pid (it means nothing here).
 */
export const deadLocalLeftover = (l: Leftover): boolean => l.kind !== 'lock' && l.ownerAlive === false;

/** What `gc` removes: dead local entries, and anything older than a day (any host). Never a lock. */
export const abandonedLeftover = (l: Leftover): boolean =>
  l.kind !== 'lock' && (l.ownerAlive === false || l.ageMs > ABANDONED_MS);

/** What `verify --all` reports: what gc would remove, and locks of dead holders (taken over next). */
export const reportedLeftover = (l: Leftover): boolean =>
  l.kind === 'lock' ? l.ownerAlive === false : abandonedLeftover(l);

/** A lock file or object found by a leftover listing, judged by its holder (same rules on any backend). */
export function lockLeftover(name: string, raw: string, ageMs: number): Leftover {
  const info = parseLockInfo(raw);
  const state = info ? holderState(info) : null;
  return {
    name,
    kind: 'lock',
    pid: info?.pid ?? null,
    host: state === null ? 'unknown' : state === 'remote' ? 'other' : 'this',
    ownerAlive: state === null || state === 'remote' ? null : state === 'alive',
    ageMs,
  };
}

/**
 * Splits `leftovers` into removed and kept by `select`, removing each selected one with `remove` (null
 * for a dry run). Locks are never swept: the lock module takes a dead holder's lock over by its own rules.
 */
export async function sweepList(
  leftovers: readonly Leftover[],
  select: (leftover: Leftover) => boolean,
  remove: ((leftover: Leftover) => Promise<void>) | null,
): Promise<LeftoverSweep> {
  const removed: Leftover[] = [];
  const kept: Leftover[] = [];
  for (const l of leftovers) {
    if (l.kind === 'lock' || !select(l)) {
      kept.push(l);
      continue;
    }
    await remove?.(l);
    removed.push(l);
  }
  return { removed, kept };
}
