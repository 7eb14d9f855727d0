/** Which leftovers of interrupted commands may be removed: one policy for register, gc and verify. */
import type { Leftover } from './storage.js';

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
