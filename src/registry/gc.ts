import { reconcileHistory } from './champion.js';
import { contextOf, type RegistryRef } from './context.js';
import { abandonedLeftover } from './leftovers.js';
import type { Leftover } from './storage.js';

export interface GcResult {
  removed: Leftover[];
  /** Work in progress of live processes, another host's recent entries, and locks. */
  kept: Leftover[];
  /** A champion move whose history line a crash had lost was written back. */
  history_recovered: boolean;
  dry_run: boolean;
}

/**
 * Cleans what interrupted commands left (under the registry lock): staging directories and temp
 * files of dead processes, and a history entry lost between the champion rename and the log append.
 * A stale lock is not removed here: the next command takes it over by the lock's own rules.
 */
export async function gcRegistry(registry: RegistryRef, opts: { dryRun?: boolean } = {}): Promise<GcResult> {
  const ctx = contextOf(registry);
  const { removed, kept } = await ctx.storage.sweepLeftovers(abandonedLeftover, opts);
  const recovered = opts.dryRun ? false : await reconcileHistory(ctx);
  return { removed, kept, history_recovered: recovered, dry_run: Boolean(opts.dryRun) };
}
