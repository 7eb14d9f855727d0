/**
 * After start-up the server follows its model source: a registry champion is watched (promotions and
 * rollbacks swap the model in); with no model yet, loads are retried so a fix needs no restart.
 */
import type { ModelHolder } from '../holder.js';
import type { ModelSource } from '../loader.js';

/** Starts following; the answer stops the retry timer (the holder's own watcher stops with it). */
export function followSource(holder: ModelHolder, source: ModelSource, pollSeconds: number): () => void {
  if (source.watch) {
    holder.startWatching(source.watch.dir, source.watch.file, pollSeconds);
    return () => {};
  }
  if (holder.ready || pollSeconds <= 0) return () => {};
  const retry = setInterval(() => {
    if (holder.ready) {
      clearInterval(retry);
      return;
    }
    void holder.reload('retry');
  }, pollSeconds * 1000);
  retry.unref();
  return () => clearInterval(retry);
}
