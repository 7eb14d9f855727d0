/**
 * What is served and what could be: GET /metadata (the served model, safe to show any client) and
 * GET /models (the registry's versions and champion). Both need the `predict` role.
 */
import type { ModelBundle } from '../bundle.js';
import type { ServePlugin } from '../context.js';
import { notReady } from '../http/not-ready.js';
import { OIP_MODEL_NAME } from '../oip.js';

type Block = NonNullable<ModelBundle['metrics']>['validation'] | null | undefined;

function metricsBlock(x: Block): Record<string, unknown> | null {
  return x
    ? {
        label_years: x.label_years,
        n: x.n,
        base_rate: x.base_rate,
        ...Object.fromEntries(
          (['roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'brier'] as const)
            .filter((k) => x.metrics?.[k])
            .map((k) => [k, x.metrics[k].value]),
        ),
      }
    : null;
}

/** Safe metadata: no filesystem paths, no hosts; what a client needs to call and trust the model. */
export function metadataOf(b: ModelBundle): Record<string, unknown> {
  const m = b.metrics;
  return {
    model_name: OIP_MODEL_NAME,
    model_version: b.version,
    source: b.source,
    requested: b.requested || 'dev',
    learner: b.model.learner,
    threshold: b.model.threshold,
    risk_bands: { alto: b.bands.alto, medio: b.bands.medio, baixo: 0 },
    feature_names: b.model.featureNames,
    loaded_at: b.loadedAt,
    signature: b.signature,
    metrics: m
      ? {
          learner: m.learner,
          threshold: m.threshold,
          validation: metricsBlock(m.validation),
          test: metricsBlock(m.test),
        }
      : null,
    metadata: b.metadata,
  };
}

export const modelRoutes: ServePlugin = async (app, { holder, access, listModels }) => {
  app.get('/metadata', access.predict, (_req, reply) => {
    const b = holder.current;
    if (!b) throw notReady(holder);
    reply.send(metadataOf(b));
  });

  app.get('/models', access.predict, async () => {
    const b = holder.current;
    const registry = listModels ? await listModels() : null;
    return {
      serving: b ? { version: b.version, source: b.source, requested: b.requested } : null,
      registry,
    };
  });
};
