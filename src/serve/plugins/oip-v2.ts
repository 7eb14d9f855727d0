/**
 * Open Inference Protocol v2 (KServe V2 / Triton HTTP) routes: server and model health and metadata,
 * and infer with named tensors (parsing and the response shape are in ../oip.ts). The same model,
 * validation, scoring and observation as /predict; errors use the protocol's `{ "error": "…" }` body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../core/error-base.js';
import { VERSION } from '../../core/version.js';
import type { ModelBundle } from '../bundle.js';
import type { ServePlugin } from '../context.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ModelHolder } from '../holder.js';
import { notReady } from '../http/not-ready.js';
import { inferResponse, modelMetadata, OIP_MODEL_NAME, parseInferRequest, sameVersion } from '../oip.js';

type ModelParams = { name: string; version?: string };

/** The served bundle when the path names it (any version, or the loaded one); else a catalogue error. */
function modelFor(holder: ModelHolder, name: string, version: string | null): ModelBundle {
  if (name !== OIP_MODEL_NAME)
    throw new AppError(
      SERVE_ERRORS.MODEL_NOT_FOUND,
      `This server serves only the model "${OIP_MODEL_NAME}".`,
      {
        rule: 'model_name',
      },
    );
  const b = holder.current;
  if (!b) throw notReady(holder);
  if (version !== null && !sameVersion(version, b.version))
    throw new AppError(
      SERVE_ERRORS.VERSION_NOT_LOADED,
      `Version ${/^v?\d+\.\d+\.\d+$/.test(version) ? version : '(as given)'} is not loaded; this server serves ${b.version}.`,
      { rule: 'version', loaded: b.version },
    );
  return b;
}

export const oipRoutes: ServePlugin = async (app, { holder, access, score, settings }) => {
  app.get('/v2', (_req, reply) => {
    reply.send({ name: 'defasagem', version: VERSION, extensions: [] });
  });
  app.get('/v2/health/live', (_req, reply) => {
    reply.send({ live: true });
  });
  app.get('/v2/health/ready', (_req, reply) => {
    const ready = holder.current !== null;
    reply.code(ready ? 200 : 503).send({ ready });
  });

  app.get<{ Params: ModelParams }>('/v2/models/:name', access.predict, (req, reply) => {
    reply.send(modelMetadata(modelFor(holder, req.params.name, null)));
  });
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version', access.predict, (req, reply) => {
    reply.send(modelMetadata(modelFor(holder, req.params.name, req.params.version ?? null)));
  });

  const modelReady = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    let ready = true;
    try {
      modelFor(holder, req.params.name, req.params.version ?? null);
    } catch (err) {
      if (isAppError(err) && err.spec !== SERVE_ERRORS.NOT_READY) throw err;
      ready = false;
    }
    reply.code(ready ? 200 : 503).send({ name: OIP_MODEL_NAME, ready });
  };
  app.get<{ Params: ModelParams }>('/v2/models/:name/ready', modelReady);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version/ready', modelReady);

  const infer = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const b = modelFor(holder, req.params.name, req.params.version ?? null);
    const parsed = parseInferRequest(b, req.body, settings.maxInstances);
    const { scores, labels, bands } = score(b, parsed.records, req.id, 'v2');
    reply.send(inferResponse(b, parsed.id ?? req.id, parsed.outputs, scores, labels, bands));
  };
  app.post<{ Params: ModelParams }>('/v2/models/:name/infer', access.predict, infer);
  app.post<{ Params: ModelParams }>('/v2/models/:name/versions/:version/infer', access.predict, infer);
};
