/**
 * Scoring on the request path, shared by /predict and OIP v2 infer: scores, labels and bands for the
 * validated records, counted in the metrics and handed to the prediction observer. This is the one
 * place where a prediction is made and observed: a new endpoint that scores students calls `score`
 * and gets the same counting and observation for free.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { StudentRecord } from '../core/student.js';
import type { Factor, RiskBand } from '../model/types.js';
import { bandOf, type ModelBundle } from './bundle.js';
import type { ServeMetrics } from './metrics.js';
import { guardObserver, type PredictionEvent, type PredictionObserver } from './observe.js';

export interface Scored {
  scores: ArrayLike<number>;
  labels: Array<0 | 1>;
  bands: RiskBand[];
  /** The top factors of a single student, when asked for (`explainTop`): made in the same pass as its score. */
  factors?: Factor[];
}

/**
 * Scores `records` with bundle `b` for request `requestId`, arriving through endpoint family `via`;
 * `ras` (same order) when the endpoint has the students' RA, for monitoring's pseudonymised mode.
 * With `explainTop` > 0 and one student, its top factors come with its score (one pass, see
 * LoadedModel.predictExplain); a batch is explained by the caller.
 */
export type Scorer = (
  b: ModelBundle,
  records: StudentRecord[],
  requestId: string,
  via: PredictionEvent['via'],
  ras?: readonly (string | null)[],
  explainTop?: number,
) => Scored;

export function createScorer(
  metrics: ServeMetrics,
  observer: PredictionObserver | undefined,
  log: FastifyBaseLogger,
): Scorer {
  const observe = observer
    ? guardObserver(observer, (err, suppressed) =>
        log.error(
          { event: 'observer_failed', err, suppressed },
          'the prediction observer threw; the prediction was answered',
        ),
      )
    : null;
  return (b, records, requestId, via, ras, explainTop = 0) => {
    const n = records.length;
    let factors: Factor[] | undefined;
    let scores: ArrayLike<number>;
    if (n === 1 && explainTop > 0) {
      const one = b.model.predictExplain(records[0]!, explainTop);
      scores = [one.score];
      factors = one.factors;
    } else scores = n === 1 ? [b.model.predictOne(records[0]!)] : b.model.predictProba(records);
    const thr = b.model.threshold;
    const labels = new Array<0 | 1>(n);
    const bands = new Array<RiskBand>(n);
    let alto = 0;
    let medio = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i] as number;
      labels[i] = s >= thr ? 1 : 0;
      const band = bandOf(s, b.bands);
      bands[i] = band;
      if (band === 'alto') alto++;
      else if (band === 'medio') medio++;
    }
    metrics.countPredictions(alto, medio, n - alto - medio);
    if (observe) {
      const at = Date.now();
      const modelVersion = b.version;
      observe(
        ras
          ? { modelVersion, records, scores, labels, requestId, at, via, ras }
          : { modelVersion, records, scores, labels, requestId, at, via },
      );
    }
    return factors ? { scores, labels, bands, factors } : { scores, labels, bands };
  };
}
