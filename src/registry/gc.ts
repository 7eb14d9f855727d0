import { reconcileHistory } from './champion.js';
import { contextOf, type RegistryRef } from './context.js';
import type { Leftover } from './storage.js';

export interface GcResult {
  removed: Leftover[];
  /** Work in progress of live processes, and locks (a dead holder's lock is taken over by the next command). */
  kept: Leftover[];
  /** A champion move whose history line a crash had lost was written back. */
  history_recovered: boolean;
  dry_run: boolean;
}

/** Anything left by a dead process older than this is removed even if its pid was reused. */
const ABANDONED_MS = 24 * 3600 * 1000;

/**
 * Cleans what interrupted commands left: staging directories and temp files of dead processes, and
 * a history entry lost between the champion rename and the log append.
 */
export async function gcRegistry(registry: RegistryRef, opts: { dryRun?: boolean } = {}): Promise<GcResult> {
  const ctx = contextOf(registry);
  const removed: Leftover[] = [];
  const kept: Leftover[] = [];
  for (const l of await ctx.storage.listLeftovers()) {
    // A stale lock is not removed here: the next command takes it over safely (see lock.ts).
    const abandoned = l.kind !== 'lock' && (!l.ownerAlive || l.ageMs > ABANDONED_MS);
    if (!abandoned) {
      kept.push(l);
      continue;
    }
    if (!opts.dryRun) await ctx.storage.removeLeftover(l);
    removed.push(l);
  }
  const recovered = opts.dryRun ? false : await reconcileHistory(ctx);
  return { removed, kept, history_recovered: recovered, dry_run: Boolean(opts.dryRun) };
}
