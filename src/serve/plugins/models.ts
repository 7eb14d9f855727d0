/**
 * What is served and what could be: GET /metadata (the served model, safe to show any client) and
 * GET /models (the registry's versions and champion). Both need the `predict` role; who registered a
 * version and the notes written with it (`created_by`, `notes`: people's names, free text) are for
 * operators and shown only to the `admin` role.
 */
import { HEADLINE_METRIC_KEYS } from '../../ml/metrics.js';
import type { Principal } from '../auth.js';
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
          HEADLINE_METRIC_KEYS.filter((k) => x.metrics?.[k]).map((k) => [k, x.metrics[k].value]),
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
    synthetic: b.synthetic,
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

/** Fields of a registry version that only operators (the admin role) see. */
const OPERATOR_ONLY = new Set(['created_by', 'notes']);

/** The registry listing as `principal` may see it: without OPERATOR_ONLY fields below the admin role. */
export function listingFor(registry: unknown, principal: Principal | null): unknown {
  if (principal?.role === 'admin' || typeof registry !== 'object' || registry === null) return registry;
  const { versions, ...rest } = registry as { versions?: unknown };
  if (!Array.isArray(versions)) return rest;
  return {
    ...rest,
    versions: versions.map((v) =>
      typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).filter(([k]) => !OPERATOR_ONLY.has(k)))
        : v,
    ),
  };
}

export const modelRoutes: ServePlugin = async (app, { holder, access, listModels }) => {
  app.get('/metadata', access.predict, (_req, reply) => {
    const b = holder.current;
    if (!b) throw notReady(holder);
    reply.send(metadataOf(b));
  });

  app.get('/models', access.predict, async (req) => {
    const b = holder.current;
    const registry = listModels ? listingFor(await listModels(), req.principal) : null;
    return {
      serving: b
        ? { version: b.version, synthetic: b.synthetic, source: b.source, requested: b.requested }
        : null,
      registry,
    };
  });
};
