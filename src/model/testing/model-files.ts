/**
 * Model files for the model layer's tests, fitted on synthetic rows: the pipeline, the feature matrices
 * and a `modelWith(learner)` that wraps a learner into a complete model_v1 document (Platt calibration
 * fitted on the learner's own raw scores), and one of each learner kind.
 */
import { compilePipeline, fitFeaturePipeline } from '../../features/pipeline.js';
import type { FixtureRow } from '../../features/testing/records.js';
import { fitCalibrator } from '../../ml/calibration.js';
import { type ForestOptions, fitForest } from '../../ml/forest.js';
import { fitGbdt, type GbdtOptions } from '../../ml/gbdt.js';
import { fitLogistic } from '../../ml/logistic.js';
import { createMatrix } from '../../ml/matrix.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileV1, TARGET } from '../format.js';
import { compileLearner, type LearnerBlock } from '../learners.js';

export function fixtureModels(rows: readonly FixtureRow[]) {
  const spec = fitFeaturePipeline(rows);
  const pipeline = compilePipeline(spec);
  const y = Float64Array.from(rows, (r) => r.em_risco);
  const Xraw = createMatrix(rows.length, pipeline.width, pipeline.transform(rows, false));
  const Ximp = createMatrix(rows.length, pipeline.width, pipeline.transform(rows, true));

  function modelWith(learner: LearnerBlock): ModelFileV1 {
    const l = compileLearner(learner, pipeline.width);
    const X = learner.input === 'raw' ? Xraw : Ximp;
    const raw = Float64Array.from({ length: X.rows }, (_, i) => l.raw(X.data, i * X.cols));
    return {
      format: MODEL_FORMAT,
      format_version: MODEL_FORMAT_VERSION,
      created_at: '2026-01-01T00:00:00.000Z',
      target: TARGET,
      features: spec,
      learner,
      calibrator: { kind: 'platt', fitted_on: 'test', state: fitCalibrator('platt', raw, y) },
      threshold: 0.4,
      threshold_policy: { kind: 'max_fbeta_with_min_recall', beta: 2, min_recall: 0.75, chosen_on: 'test' },
      risk_bands: { medio_from: 0.4, alto_from: 0.5, alto_min_probability: 0.5 },
      training: {
        label_years: [2023, 2024],
        rows: rows.length,
        positives: 0,
        seed: 1,
        fit: 'refit',
        data_sha256: 'x',
      },
    };
  }
  /** The three learner kinds a model file can ship, fitted on these rows. */
  const gbdtFile = (opts: GbdtOptions): ModelFileV1 =>
    modelWith({ kind: 'gbdt', input: 'raw', output: 'log_odds', params: {}, state: fitGbdt(Xraw, y, opts) });
  const logisticFile = (): ModelFileV1 =>
    modelWith({
      kind: 'logistic_regression',
      input: 'imputed',
      output: 'log_odds',
      params: {},
      state: fitLogistic(Ximp, y),
    });
  const forestFile = (opts: ForestOptions): ModelFileV1 =>
    modelWith({
      kind: 'random_forest',
      input: 'imputed',
      output: 'probability',
      params: {},
      state: fitForest(Ximp, y, opts),
    });
  return { spec, pipeline, y, Xraw, Ximp, modelWith, gbdtFile, logisticFile, forestFile };
}
