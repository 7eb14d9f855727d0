/** What the running server does when the holder swaps a model in or fails to: metrics and one log line. */
import type { Logger } from '../../core/logger.js';
import type { HolderEvents } from '../holder.js';
import type { ServeMetrics } from '../metrics.js';

export function holderEvents(metrics: ServeMetrics, log: Logger): HolderEvents {
  return {
    onSwap(next, previous, reason) {
      metrics.reload('success');
      metrics.setModel(next.version, next.model.learner);
      log.info(
        {
          event: 'model_swap',
          version: next.version,
          synthetic: next.synthetic,
          previous: previous?.version ?? null,
          trigger: reason,
        },
        `${previous ? `now serving ${next.version} (was ${previous.version})` : `serving ${next.version}`}${next.synthetic ? ', trained on SYNTHETIC data (fake students): its scores say nothing about real ones' : ''}`,
      );
    },
    onFailure(failure, reason, serving) {
      metrics.reload('failure');
      log.error(
        {
          event: 'model_load_failed',
          code: failure.code,
          trigger: reason,
          serving: serving?.version ?? null,
        },
        serving
          ? `model reload failed, still serving ${serving.version}: ${failure.message}`
          : `NOT READY, no model loaded: ${failure.message}`,
      );
    },
  };
}
