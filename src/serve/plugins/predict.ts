/**
 * POST /predict, the hot path: one student or {"instances": [...]} → auth hook → JSON parse →
 * compiled validation → score (counted and observed) → explain → JSON, each prediction with the
 * student's own `id` when it sent one. A batch is all or nothing: one invalid student refuses it,
 * with every problem of every student in one 422 (validation.ts). Nothing else runs per request
 * except the request-id hook and the latency metric.
 */
import type { FastifyReply } from 'fastify';
import type { StudentRecord } from '../../core/student.js';
import type { Factor, RiskBand } from '../../model/types.js';
import type { ModelBundle } from '../bundle.js';
import type { ServePlugin } from '../context.js';
import { notReady } from '../http/not-ready.js';
import type { Scored } from '../scoring.js';

interface ScoreOut {
  /** The student's own `id`, echoed when it sent one. */
  id?: string;
  risk_score: number;
  risk_label: 0 | 1;
  risk_band: RiskBand;
  model_version: string;
  /** The served model was trained on synthetic data (fake students); null when its metadata does not say. */
  synthetic: boolean | null;
  top_factors: Factor[];
}

/** Students explained between two yields to the event loop in a /predict batch. */
export const BATCH_CHUNK = 32;

type PredictOut = (
  b: ModelBundle,
  rec: StudentRecord,
  id: string | null,
  s: number,
  label: 0 | 1,
  band: RiskBand,
) => ScoreOut;

/**
 * Explanations dominate a large batch (~0.4 ms each for a 100-tree forest): build them in chunks and
 * yield to the event loop between chunks, so health checks and other clients are not held up.
 */
function sendBatch(
  reply: FastifyReply,
  b: ModelBundle,
  records: StudentRecord[],
  ids: ReadonlyArray<string | null> | null,
  { scores, labels, bands }: Scored,
  predictOut: PredictOut,
): void {
  const predictions = new Array<ScoreOut>(records.length);
  let next = 0;
  const step = (): void => {
    try {
      const end = Math.min(records.length, next + BATCH_CHUNK);
      for (; next < end; next++)
        predictions[next] = predictOut(
          b,
          records[next]!,
          ids ? ids[next]! : null,
          scores[next] as number,
          labels[next]!,
          bands[next]!,
        );
      if (next < records.length) setImmediate(step);
      else reply.send({ model_version: b.version, synthetic: b.synthetic, predictions });
    } catch (err) {
      reply.send(err);
    }
  };
  step();
}

export const predictRoutes: ServePlugin = async (app, { holder, access, score, settings }) => {
  const topK = settings.topFactors;
  const predictOut: PredictOut = (b, rec, id, s, label, band) => ({
    ...(id === null ? {} : { id }),
    risk_score: s,
    risk_label: label,
    risk_band: band,
    model_version: b.version,
    synthetic: b.synthetic,
    top_factors: topK > 0 ? b.model.explain(rec, topK) : [],
  });

  app.post('/predict', access.predict, (req, reply) => {
    const b = holder.current; // one read: this request uses this model to the end
    if (!b) throw notReady(holder);
    // The ids stay here: the scorer (and so the observer) gets the records only.
    const { records, batch, ids } = b.input.parseBody(req.body);
    const scored = score(b, records, req.id, 'predict');
    if (!batch) {
      const { scores, labels, bands } = scored;
      reply.send(predictOut(b, records[0]!, ids?.[0] ?? null, scores[0] as number, labels[0]!, bands[0]!));
      return;
    }
    sendBatch(reply, b, records, ids, scored, predictOut);
  });
};
