/**
 * POST /predict, the hot path: one student or {"instances": [...]} → auth hook → JSON parse →
 * compiled validation → score (counted and observed) → explain → JSON, each prediction with the
 * student's own `id` when it sent one. A batch is all or nothing: one invalid student refuses it,
 * with every problem of every student in one 422 (validation.ts). Nothing else runs per request
 * except the request-id hook and the latency metric. The response is written by predict-json.ts.
 */
import type { FastifyReply } from 'fastify';
import type { StudentRecord } from '../../core/student.js';
import type { Factor, RiskBand } from '../../model/types.js';
import type { ModelBundle } from '../bundle.js';
import type { ServePlugin } from '../context.js';
import { notReady } from '../http/not-ready.js';
import type { Scored } from '../scoring.js';
import { batchJson, type ScoreOut, scoreJson } from './predict-json.js';

/** What fastify would set for an object; the body is already JSON text (predict-json.ts). */
const JSON_TYPE = 'application/json; charset=utf-8';

/** Students explained between two yields to the event loop in a /predict batch. */
export const BATCH_CHUNK = 32;

type PredictOut = (
  b: ModelBundle,
  rec: StudentRecord,
  id: string | null,
  s: number,
  label: 0 | 1,
  band: RiskBand,
  factors?: Factor[],
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
      else reply.header('content-type', JSON_TYPE).send(batchJson(b.version, b.synthetic, predictions));
    } catch (err) {
      reply.send(err);
    }
  };
  step();
}

export const predictRoutes: ServePlugin = async (app, { holder, access, score, settings }) => {
  const topK = settings.topFactors;
  // `factors`: already made with the score (one student); else explained here (a batch's chunks).
  // Two object literals, not a spread: one shape each, which scoreJson reads without a lookup.
  const predictOut: PredictOut = (b, rec, id, s, label, band, factors) => {
    const top_factors = factors ?? (topK > 0 ? b.model.explain(rec, topK) : []);
    const { version: model_version, synthetic } = b;
    return id === null
      ? { risk_score: s, risk_label: label, risk_band: band, model_version, synthetic, top_factors }
      : { id, risk_score: s, risk_label: label, risk_band: band, model_version, synthetic, top_factors };
  };

  app.post('/predict', access.predict, (req, reply) => {
    const b = holder.current; // one read: this request uses this model to the end
    if (!b) throw notReady(holder);
    // The ids stay here: the scorer (and so the observer) gets the records only.
    const { records, batch, ids } = b.input.parseBody(req.body);
    // One student: its score and its factors from one pass over the model.
    const scored = score(b, records, req.id, 'predict', undefined, batch ? 0 : topK);
    if (!batch) {
      const { scores, labels, bands, factors } = scored;
      const out = predictOut(
        b,
        records[0]!,
        ids?.[0] ?? null,
        scores[0] as number,
        labels[0]!,
        bands[0]!,
        factors,
      );
      reply.header('content-type', JSON_TYPE).send(scoreJson(out));
      return;
    }
    sendBatch(reply, b, records, ids, scored, predictOut);
  });
};
