/**
 * loadModel: validates a parsed model file and compiles it into a LoadedModel. Anything malformed
 * fails here, with a message that names the field, never later with a NaN in production.
 */
import { AppError, isAppError } from '../core/error-base.js';
import type { StudentRecord } from '../core/student.js';
import { FEATURES_ERRORS } from '../features/errors.js';
import { compilePipeline, type FeaturePipeline } from '../features/pipeline.js';
import { applyIsotonicOne, applyPlattOne, type CalibratorState } from '../ml/calibration.js';
import { MODEL_ERRORS } from './errors.js';
import { categoryFieldOf, factorLabel, factorText, isMissingFactor } from './factor-text.js';
import {
  type CalibratorBlock,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFileV1,
  type RiskBands,
} from './format.js';
import { type CompileOptions, compileLearner, type LearnerKind } from './learners.js';
import type { Factor, LoadedModel, RiskBand } from './types.js';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError(MODEL_ERRORS.FORMAT_INVALID, `Invalid model file: ${message}`, details);
}

/** The "features" block; a broken one is a broken model file, under the model file's own code. */
function compileFeatures(block: unknown): FeaturePipeline {
  try {
    return compilePipeline(block);
  } catch (err) {
    if (!isAppError(err) || err.spec !== FEATURES_ERRORS.PIPELINE_INVALID) throw err;
    throw new AppError(MODEL_ERRORS.FORMAT_INVALID, `Invalid model file: ${err.message}`, err.details, {
      cause: err,
    });
  }
}

/** Unit of each learner's raw score, hence of its contributions (the `output` a model file declares). */
const RAW_UNIT: Record<LearnerKind, Factor['contribution_unit']> = {
  gbdt: 'log_odds',
  logistic_regression: 'log_odds',
  random_forest: 'probability',
  persistence: 'flag',
};

const clamp01 = (p: number): number => Math.min(1, Math.max(0, p));

const isProb = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

function compileCalibrator(block: unknown): (raw: number) => number {
  if (!isObj(block)) throw invalid('"calibrator" is not an object');
  if (block.kind === 'none') return (raw) => raw;
  if (block.kind !== 'isotonic' && block.kind !== 'platt') {
    throw invalid(`unknown calibrator kind "${String(block.kind)}" (expected isotonic, platt or none)`);
  }
  const s = block.state;
  if (!isObj(s) || s.kind !== block.kind) throw invalid('calibrator state is missing or of another kind');
  if (s.kind === 'platt') {
    if (
      typeof s.a !== 'number' ||
      typeof s.b !== 'number' ||
      !Number.isFinite(s.a) ||
      !Number.isFinite(s.b)
    ) {
      throw invalid('platt calibrator needs finite a and b');
    }
    const st = s as unknown as CalibratorState & { kind: 'platt' };
    return (raw) => applyPlattOne(st, raw);
  }
  const { x, y } = s;
  if (!Array.isArray(x) || !Array.isArray(y) || x.length === 0 || x.length !== y.length) {
    throw invalid('isotonic calibrator needs knots x and y of the same non-zero length');
  }
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i]) || !isProb(y[i])) {
      throw invalid(`isotonic knot ${i} is not a finite score with a probability`);
    }
    if (i > 0 && (x[i] < x[i - 1] || y[i] < y[i - 1])) throw invalid('isotonic knots must be non-decreasing');
  }
  const st = s as unknown as CalibratorState & { kind: 'isotonic' };
  return (raw) => applyIsotonicOne(st, raw);
}

function checkBands(b: unknown, threshold: number): RiskBands {
  if (!isObj(b) || !isProb(b.medio_from) || !isProb(b.alto_from) || !isProb(b.alto_min_probability)) {
    throw invalid('"risk_bands" needs medio_from, alto_from and alto_min_probability in [0, 1]');
  }
  if (b.medio_from !== threshold || b.alto_from < b.medio_from) {
    throw invalid('"risk_bands" must start medio at the threshold and alto at or above it');
  }
  return b as unknown as RiskBands;
}

/** Validates the header alone (the registry reads it without compiling the model). */
export function checkModelHeader(json: unknown): asserts json is Record<string, unknown> {
  if (!isObj(json)) throw invalid('the document is not a JSON object');
  if (json.format !== MODEL_FORMAT)
    throw invalid(`"format" must be "${MODEL_FORMAT}"`, { format: json.format });
  if (typeof json.format_version !== 'number' || !Number.isInteger(json.format_version)) {
    throw invalid('"format_version" must be an integer');
  }
  if (json.format_version !== MODEL_FORMAT_VERSION) {
    throw new AppError(
      MODEL_ERRORS.FORMAT_VERSION_UNSUPPORTED,
      `Model format_version ${json.format_version} is not supported (this release reads ${MODEL_FORMAT_VERSION})`,
      { format_version: json.format_version },
    );
  }
  if (typeof json.created_at !== 'string' || Number.isNaN(Date.parse(json.created_at))) {
    throw invalid('"created_at" must be an ISO date-time');
  }
}

export interface LoadedModelV1 extends LoadedModel {
  /** The validated model file. */
  readonly file: ModelFileV1;
  readonly riskBands: RiskBands;
  riskBand(score: number): RiskBand;
  /** Raw (uncalibrated) learner score of one record. */
  rawScore(record: StudentRecord): number;
}

/**
 * Validates `json` (a parsed model_v1.json) and compiles it. Throws MODEL_FORMAT_INVALID on anything
 * wrong. `options.explainer: 'reference'` explains with TreeExplainer alone (tests compare the two).
 */
export function loadModel(json: unknown, options: CompileOptions = {}): LoadedModelV1 {
  checkModelHeader(json);
  const pipeline = compileFeatures(json.features);
  const width = pipeline.width;
  const learner = compileLearner(json.learner, width, options);
  const cal = compileCalibrator(json.calibrator as CalibratorBlock);
  const threshold = json.threshold;
  if (!isProb(threshold)) throw invalid('"threshold" must be a number in [0, 1]');
  const bands = checkBands(json.risk_bands, threshold);
  if (!isObj(json.threshold_policy)) throw invalid('"threshold_policy" is missing');
  if (!isObj(json.training)) throw invalid('"training" is missing');
  if (!isObj(json.target)) throw invalid('"target" is missing');
  const file = json as unknown as ModelFileV1;
  const impute = learner.impute;
  // One scratch row and one contributions buffer per model: the hot path allocates nothing.
  const row = new Float64Array(width);
  const contrib = new Float64Array(width);
  const order = new Int32Array(width);
  // predictProba works in blocks of rows so tree ensembles stay in cache (see rawBlock).
  const BLOCK = 64;
  const block = new Float64Array(BLOCK * width);
  const blockRaw = new Float64Array(BLOCK);
  const fields = pipeline.spec.features;

  const rawScore = (r: StudentRecord): number => {
    pipeline.transformInto(r, row, 0, impute);
    return learner.raw(row, 0);
  };
  const predictOne = (r: StudentRecord): number => clamp01(cal(rawScore(r)));
  const ageByFase = pipeline.spec.params.idade_mediana_por_fase;
  const unit = RAW_UNIT[learner.kind];

  /**
   * The top `k` factors of `record`, from the contributions in `contrib` (of `row`, the record's learner
   * input) and the raw score they add up to.
   */
  const factorsOf = (record: StudentRecord, k: number, raw: number): Factor[] => {
    // Top k by |contribution| (ties: feature order), by insertion into a preallocated index buffer.
    const limit = k >= 1 ? Math.min(width, Math.floor(k)) : 0;
    let n = 0;
    for (let j = 0; j < width && limit > 0; j++) {
      const c = contrib[j]!;
      if (c === 0 || !Number.isFinite(c)) continue;
      const a = Math.abs(c);
      if (n === limit && !(a > Math.abs(contrib[order[n - 1]!]!))) continue;
      let i = n < limit ? n++ : n - 1;
      while (i > 0 && Math.abs(contrib[order[i - 1]!]!) < a) {
        order[i] = order[i - 1]!;
        i--;
      }
      order[i] = j;
    }
    // The calibrated risk of the raw score the contributions add up to: the reference for effect_pp.
    const risk = clamp01(cal(raw));
    // The value shown is the student's own value: before imputation, and the category for one-hots.
    // A learner that reads raw inputs already has that row.
    if (impute && n > 0) pipeline.transformInto(record, row, 0, false);
    const factors: Factor[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      const f = fields[j]!;
      const c = contrib[j]!;
      const subject = { value: row[j]!, median: f.impute_value, record, ageByFase };
      const field = categoryFieldOf(f.name);
      const value: number | string | null =
        field !== null ? (record[field] ?? null) : Number.isNaN(row[j]!) ? null : row[j]!;
      const label = factorLabel(f.name, subject);
      const direction = c > 0 ? 'aumenta' : 'reduz';
      const effect = 100 * (risk - clamp01(cal(raw - c)));
      factors[i] = {
        feature: f.name,
        label,
        text: factorText(label, direction, effect),
        value,
        missing: isMissingFactor(f.name, subject),
        contribution: c,
        contribution_unit: unit,
        effect_pp: effect,
        direction,
      };
    }
    return factors;
  };

  const model: LoadedModelV1 = {
    formatVersion: file.format_version,
    threshold,
    featureNames: pipeline.names,
    learner: learner.kind,
    file,
    riskBands: bands,
    riskBand: (score) => (score >= bands.alto_from ? 'alto' : score >= bands.medio_from ? 'medio' : 'baixo'),
    rawScore,
    predictOne,
    predictProba(records) {
      const out = new Float64Array(records.length);
      for (let start = 0; start < records.length; start += BLOCK) {
        const n = Math.min(BLOCK, records.length - start);
        for (let i = 0; i < n; i++) pipeline.transformInto(records[start + i]!, block, i * width, impute);
        learner.rawBlock(block, n, blockRaw);
        for (let i = 0; i < n; i++) out[start + i] = clamp01(cal(blockRaw[i]!));
      }
      return out;
    },
    explain(record, k = 5): Factor[] {
      pipeline.transformInto(record, row, 0, impute);
      return factorsOf(record, k, learner.rawAndContributions(row, 0, contrib));
    },
    predictExplain(record, k) {
      pipeline.transformInto(record, row, 0, impute);
      const raw = learner.rawAndContributions(row, 0, contrib);
      return { score: clamp01(cal(raw)), factors: factorsOf(record, k, raw) };
    },
  };
  return model;
}
