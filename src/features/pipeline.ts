/**
 * The feature pipeline: fitted on training records, serialised inside the model file, and compiled
 * back into a fast transformer for serving. One record becomes one row of a preallocated Float64Array
 * without allocating; missing values are NaN (trees handle them natively) or, for learners that need
 * complete rows, the training median of the feature.
 */
import { AppError } from '../core/error-base.js';
import { STUDENT_FIELD_NAMES, type StudentRecord } from '../core/student.js';
import {
  CATALOG_SIZE,
  DEFAULT_FEATURES,
  FEATURE_BY_NAME,
  FEATURE_INDEX,
  FeatureComputer,
  type FeatureKind,
  type LearnedParams,
} from './catalog.js';
import { FEATURES_ERRORS } from './errors.js';

export const PIPELINE_VERSION = 1;

export interface PipelineFeatureSpec {
  name: string;
  /** Portuguese label. */
  label: string;
  kind: FeatureKind;
  /** How it is derived (Portuguese). */
  derivation: string;
  /** Value used for a missing feature when the learner needs complete rows: the training median. */
  impute_value: number;
}

/** The serialised pipeline (the `features` block of the model file). */
export interface FeaturePipelineSpec {
  pipeline_version: number;
  /** StudentRecord fields the pipeline reads. */
  input_fields: string[];
  /** The learner's columns, in order. */
  features: PipelineFeatureSpec[];
  /** Parameters learned on the training records. */
  params: LearnedParams;
  /** One-hot encodings: each known level gets a column, plus one for missing or unknown values. */
  encodings: Record<'genero' | 'instituicao', { levels: string[]; unknown_level: 'desconhecido' }>;
  /** Requested features left out because they were constant on the training records. */
  dropped_constant: string[];
}

export interface FeaturePipeline {
  readonly spec: FeaturePipelineSpec;
  readonly names: readonly string[];
  readonly labels: readonly string[];
  readonly width: number;
  /** Writes one record's features into out[offset .. offset+width). Allocates nothing. */
  transformInto(r: StudentRecord, out: Float64Array, offset: number, impute: boolean): void;
  /** Row-major n × width matrix. */
  transform(records: readonly StudentRecord[], impute: boolean): Float64Array;
}

const MAX_FASE = 9;

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median age per fase; fases absent from training get a least-squares line through the medians of the
 * fases present (age grows about one year per fase), so unseen fases still get a sensible value.
 */
function fitIdadeByFase(records: readonly StudentRecord[]): Record<string, number> {
  const ages: number[][] = Array.from({ length: MAX_FASE + 1 }, () => []);
  for (const r of records) {
    if (r.fase === null || r.idade === null || r.fase < 0 || r.fase > MAX_FASE) continue;
    ages[Math.trunc(r.fase)]!.push(r.idade);
  }
  const pts: Array<[number, number]> = [];
  ages.forEach((a, f) => {
    if (a.length > 0) pts.push([f, median(a)]);
  });
  let slope = 1;
  let intercept = 7;
  if (pts.length >= 2) {
    const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of pts) {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) * (x - mx);
    }
    slope = sxx > 0 ? sxy / sxx : 1;
    intercept = my - slope * mx;
  } else if (pts.length === 1) {
    intercept = pts[0]![1] - pts[0]![0];
  }
  const out: Record<string, number> = {};
  for (let f = 0; f <= MAX_FASE; f++) {
    const a = ages[f]!;
    out[String(f)] = a.length > 0 ? median(a) : Math.round((intercept + slope * f) * 100) / 100;
  }
  return out;
}

const ENCODINGS: FeaturePipelineSpec['encodings'] = {
  genero: { levels: ['feminino', 'masculino'], unknown_level: 'desconhecido' },
  instituicao: {
    levels: ['publica', 'privada', 'privada_bolsa', 'concluiu_em', 'outro'],
    unknown_level: 'desconhecido',
  },
};

/**
 * Learns the pipeline's parameters on training records: age medians per fase, each feature's median
 * (for imputation), and which requested features are constant (dropped: they carry no information
 * and would only confuse a linear model when they vary later).
 */
export function fitFeaturePipeline(
  records: readonly StudentRecord[],
  featureNames: readonly string[] = DEFAULT_FEATURES,
): FeaturePipelineSpec {
  for (const n of featureNames) {
    if (!FEATURE_BY_NAME.has(n)) {
      throw new AppError(FEATURES_ERRORS.UNKNOWN_FEATURE, `Unknown feature "${n}" in the feature list`, {
        feature: n,
      });
    }
  }
  const params: LearnedParams = { idade_mediana_por_fase: fitIdadeByFase(records) };
  const computer = new FeatureComputer(params);
  const all = new Float64Array(records.length * CATALOG_SIZE);
  for (let i = 0; i < records.length; i++) {
    computer.computeAll(records[i]!, all.subarray(i * CATALOG_SIZE, (i + 1) * CATALOG_SIZE));
  }
  const features: PipelineFeatureSpec[] = [];
  const dropped: string[] = [];
  const inputs = new Set<string>();
  for (const name of featureNames) {
    const def = FEATURE_BY_NAME.get(name)!;
    const col = FEATURE_INDEX.get(name)!;
    const present: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const v = all[i * CATALOG_SIZE + col]!;
      if (!Number.isNaN(v)) present.push(v);
    }
    const constant = present.length === 0 || present.every((v) => v === present[0]);
    if (constant) {
      dropped.push(name);
      continue;
    }
    for (const i of def.inputs) inputs.add(i);
    features.push({
      name,
      label: def.label,
      kind: def.kind,
      derivation: def.derivation,
      impute_value: median(present),
    });
  }
  return {
    pipeline_version: PIPELINE_VERSION,
    input_fields: STUDENT_FIELD_NAMES.filter((n) => inputs.has(n)),
    features,
    params,
    encodings: ENCODINGS,
    dropped_constant: dropped,
  };
}

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError(FEATURES_ERRORS.PIPELINE_INVALID, `Invalid feature pipeline: ${message}`, details);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a deserialised pipeline spec; throws FEATURES PIPELINE_INVALID naming the first problem. */
export function validatePipelineSpec(spec: unknown): FeaturePipelineSpec {
  if (!isObj(spec)) throw invalid('the "features" block is not an object');
  if (spec.pipeline_version !== PIPELINE_VERSION) {
    throw invalid(
      `pipeline_version ${String(spec.pipeline_version)} is not supported (expected ${PIPELINE_VERSION})`,
    );
  }
  if (!Array.isArray(spec.features) || spec.features.length === 0)
    throw invalid('"features" must be a non-empty array');
  const seen = new Set<string>();
  spec.features.forEach((f, i) => {
    if (!isObj(f) || typeof f.name !== 'string') throw invalid(`feature #${i} has no name`);
    if (!FEATURE_BY_NAME.has(f.name)) throw invalid(`unknown feature "${f.name}"`, { feature: f.name });
    if (seen.has(f.name)) throw invalid(`feature "${f.name}" appears twice`, { feature: f.name });
    seen.add(f.name);
    if (typeof f.label !== 'string') throw invalid(`feature "${f.name}" has no label`);
    if (typeof f.impute_value !== 'number' || !Number.isFinite(f.impute_value)) {
      throw invalid(`feature "${f.name}" has no finite impute_value`, { feature: f.name });
    }
  });
  if (!isObj(spec.params) || !isObj(spec.params.idade_mediana_por_fase)) {
    throw invalid('"params.idade_mediana_por_fase" is missing');
  }
  for (const [k, v] of Object.entries(spec.params.idade_mediana_por_fase)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw invalid(`age median for fase ${k} is not a number`);
  }
  if (!Array.isArray(spec.input_fields)) throw invalid('"input_fields" must be an array');
  if (!Array.isArray(spec.dropped_constant)) throw invalid('"dropped_constant" must be an array');
  if (!isObj(spec.encodings)) throw invalid('"encodings" is missing');
  return spec as unknown as FeaturePipelineSpec;
}

/** Turns a spec into a transformer; validates first. */
export function compilePipeline(specIn: unknown): FeaturePipeline {
  const spec = validatePipelineSpec(specIn);
  const computer = new FeatureComputer(spec.params);
  const cols = Int32Array.from(spec.features.map((f) => FEATURE_INDEX.get(f.name)!));
  const fills = Float64Array.from(spec.features.map((f) => f.impute_value));
  const width = cols.length;
  // Scratch for every catalogue feature; the model's columns are gathered from it.
  const scratch = new Float64Array(CATALOG_SIZE);
  const transformInto = (r: StudentRecord, out: Float64Array, offset: number, impute: boolean): void => {
    computer.computeAll(r, scratch);
    for (let j = 0; j < width; j++) {
      const v = scratch[cols[j]!]!;
      out[offset + j] = impute && Number.isNaN(v) ? fills[j]! : v;
    }
  };
  return {
    spec,
    names: spec.features.map((f) => f.name),
    labels: spec.features.map((f) => f.label),
    width,
    transformInto,
    transform(records, impute) {
      const out = new Float64Array(records.length * width);
      for (let i = 0; i < records.length; i++) transformInto(records[i]!, out, i * width, impute);
      return out;
    },
  };
}
