/**
 * Open Inference Protocol v2 (KServe V2 / Triton HTTP) routes: server and model health and metadata,
 * Triton's model configuration and statistics extensions, and infer with named tensors (JSON or
 * binary tensor data, optionally gzip/deflate; the parts are in ../oip/). The same model, validation,
 * scoring and observation as /predict. Like Triton, the request's Content-Type is never read, and
 * every JSON answer — errors too, `{"error": "<message>", ...}` — has Content-Type exactly
 * `application/json` (KServe's client reads the message only then).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../../core/error-base.js';
import { VERSION } from '../../core/version.js';
import type { ModelBundle } from '../bundle.js';
import type { ServePlugin } from '../context.js';
import { SERVE_ERRORS } from '../errors.js';
import type { ModelHolder } from '../holder.js';
import { notReady } from '../http/not-ready.js';
import {
  COMPRESS_FROM_BYTES,
  compress,
  decodeContent,
  parseHeaderJson,
  responseCoding,
  splitBody,
} from '../oip/body.js';
import {
  encodeInferResponse,
  InferStatistics,
  modelConfig,
  modelMetadata,
  OIP_ERRORS,
  OIP_MODEL_NAME,
  parseInferRequest,
  sameVersion,
} from '../oip.js';

type ModelParams = { name: string; version?: string };
type ModelRequest = FastifyRequest<{ Params: ModelParams }>;

/**
 * Extensions listed in GET /v2. `statistics` is served but not listed: perf_analyzer, the one tool
 * that looks for it, then parses the model version with std::stoll, and "v1.0.0" aborts it.
 */
const EXTENSIONS = ['binary_tensor_data', 'model_configuration'];
const EMPTY = Buffer.alloc(0);

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
  // Never name the loaded version here: /ready routes are public, and the version is behind a key.
  if (version !== null && !sameVersion(version, b.version))
    throw new AppError(
      SERVE_ERRORS.VERSION_NOT_LOADED,
      'The requested model version is not the one loaded; call the unversioned endpoint.',
      { rule: 'version' },
    );
  return b;
}

/** Body bytes for every content type (or none), in this plugin's scope only; /predict stays JSON-only. */
function readEveryBodyAsBytes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onSend', (_req, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json') && type !== 'application/json')
      reply.header('content-type', 'application/json');
    done(null, payload);
  });
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t);

export const oipRoutes: ServePlugin = async (app, { holder, access, score, settings, chargeStudents }) => {
  readEveryBodyAsBytes(app);
  const stats = new InferStatistics();
  const bundleOf = (req: ModelRequest) => modelFor(holder, req.params.name, req.params.version ?? null);

  app.get('/v2', (_req, reply) => {
    reply.send({ name: 'defasagem', version: VERSION, extensions: EXTENSIONS });
  });
  app.get('/v2/health/live', (_req, reply) => {
    reply.send({ live: true });
  });
  app.get('/v2/health/ready', (_req, reply) => {
    const ready = holder.current !== null;
    reply.code(ready ? 200 : 503).send({ ready });
  });

  const modelReady = (req: ModelRequest, reply: FastifyReply) => {
    let ready = true;
    try {
      bundleOf(req);
    } catch (err) {
      if (isAppError(err) && err.spec !== SERVE_ERRORS.NOT_READY) throw err;
      ready = false;
    }
    reply.code(ready ? 200 : 503).send({ name: OIP_MODEL_NAME, ready });
  };
  const modelStats = (req: ModelRequest, reply: FastifyReply) => {
    reply.send({ model_stats: [stats.modelStats(bundleOf(req).version)] });
  };
  const routes: Array<[string, (req: ModelRequest, reply: FastifyReply) => void, boolean]> = [
    ['', (req, reply) => reply.send(modelMetadata(bundleOf(req))), true],
    ['/ready', modelReady, false],
    ['/config', (req, reply) => reply.send(modelConfig(bundleOf(req))), true],
    ['/stats', modelStats, true],
  ];
  for (const [suffix, handler, keyed] of routes) {
    for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version'])
      if (keyed) app.get<{ Params: ModelParams }>(base + suffix, access.predict, handler);
      else app.get<{ Params: ModelParams }>(base + suffix, handler);
  }
  app.get('/v2/models/stats', access.predict, (_req, reply) => {
    const b = holder.current;
    reply.send({ model_stats: b ? [stats.modelStats(b.version)] : [] });
  });

  const infer = (req: ModelRequest, reply: FastifyReply) => {
    const b = bundleOf(req);
    const start = process.hrtime.bigint();
    try {
      const body = decodeContent(
        (req.body as Buffer | undefined) ?? EMPTY,
        header(req, 'content-encoding'),
        settings.bodyLimitBytes,
      );
      const { json, binary } = splitBody(body, header(req, 'inference-header-content-length'));
      const parsed = parseInferRequest(b, parseHeaderJson(json), binary, settings.maxInstances);
      // The body is bytes here, so the limiter's pre-handler could not count the rows: charge them now.
      chargeStudents(req, parsed.records.length);
      const input = since(start);
      const { scores, labels, bands } = score(b, parsed.records, req.id, 'v2');
      const infer = since(start) - input;
      const out = encodeInferResponse(b, parsed.id, parsed.outputs, scores, labels, bands);
      let payload = out.body;
      const coding =
        payload.length >= COMPRESS_FROM_BYTES ? responseCoding(header(req, 'accept-encoding')) : null;
      if (coding) {
        payload = compress(payload, coding);
        reply.header('content-encoding', coding);
      }
      if (out.headerLength !== null)
        reply.header('inference-header-content-length', String(out.headerLength));
      stats.success(b.version, parsed.records.length, { input, infer, output: since(start) - input - infer });
      reply.type(out.headerLength === null ? 'application/json' : 'application/octet-stream').send(payload);
    } catch (err) {
      stats.fail(b.version, since(start));
      // RFC 9110 §15.5.16: say which content codings would have been accepted.
      if (isAppError(err) && err.spec === OIP_ERRORS.UNSUPPORTED_ENCODING)
        reply.header('accept-encoding', 'gzip, deflate');
      throw err;
    }
  };
  app.post<{ Params: ModelParams }>('/v2/models/:name/infer', access.predict, infer);
  app.post<{ Params: ModelParams }>('/v2/models/:name/versions/:version/infer', access.predict, infer);

  // Unknown /v2 paths answer here, so that their 404 gets this scope's exact Content-Type.
  app.all('/v2/*', () => {
    throw new AppError(SERVE_ERRORS.ROUTE_NOT_FOUND, 'No endpoint matches this method and path.', {
      rule: 'route',
    });
  });
};
