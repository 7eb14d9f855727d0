/**
 * Hand-made artifacts that follow the shared contracts (src/model/types.ts), for registry tests and
 * the benchmark. They are small but shaped like training output: development names with `_v1`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STUDENT_FIELDS, type StudentRecord } from '../../core/student.js';
import { DEFAULT_FEATURES } from '../../features/catalog.js';
import { compilePipeline, fitFeaturePipeline } from '../../features/pipeline.js';
import { fitForest } from '../../ml/forest.js';
import { fitGbdt } from '../../ml/gbdt.js';
import { fitLogistic } from '../../ml/logistic.js';
import { createMatrix } from '../../ml/matrix.js';
import { EXAMPLE_STUDENT } from '../../model/signature.js';
import { METRIC_NAMES, type MetricsFile, type ModelSignature } from '../../model/types.js';
import { openRegistry, type RegistryContext } from '../context.js';
import type { RegistrySettings } from '../settings.js';

export interface FixtureOptions {
  /** Test metric values (defaults pass the default guardrails). */
  test?: Partial<Record<'roc_auc' | 'precision' | 'recall', number>> | null;
  /** Edits the signature before it is written. */
  signature?: (s: ModelSignature) => ModelSignature;
  /** Write plain names (model.json...) instead of the `_v1` ones. */
  plainNames?: boolean;
  /** Skip these development files. */
  omit?: string[];
  /** Write a distinct model payload (so versions differ). */
  seed?: number;
  extras?: boolean;
  /** Extra keys of the metadata file (e.g. `synthetic`, or `data: { synthetic }` as older training wrote). */
  metadata?: Record<string, unknown>;
  /** Edits the model file before it is written (e.g. to break its learner). */
  model?: (m: Record<string, unknown>) => Record<string, unknown>;
  /**
   * A learner fitted for real (src/ml) on the fixture students instead of the hand-set logistic
   * regression: what the versioning-rule tests compare.
   */
  trained?: TrainedFixture;
}

/** How a fitted fixture model is trained: learner, its parameters, derived features, data. */
export interface TrainedFixture {
  learner: 'logistic_regression' | 'random_forest' | 'gbdt';
  /** Learner parameters (defaults: small, fit in milliseconds on a handful of rows). */
  params?: Record<string, number>;
  /** Derived features the pipeline computes (default: the catalogue's default feature set). */
  features?: readonly string[];
  /** Train on a later year's students too (new training data, another fingerprint). */
  newData?: boolean;
  seed?: number;
}

/** The error code a promise rejects with ('no error' when it resolves): for terse bad-input tables. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return 'no error';
}

/**
 * The fixture signature without the optional input `ipp`: a base for semver tests, where adding `ipp`
 * back is a compatible (minor) change and renaming another indicator to `ipp` a breaking one.
 */
export function withoutIpp(s: ModelSignature): ModelSignature {
  return { ...s, inputs: s.inputs.filter((f) => f.name !== 'ipp') };
}

/** The signature's example request keeps only the fields its inputs list (as a real signature does). */
function exampleForInputs(s: ModelSignature): ModelSignature {
  const names = new Set(s.inputs.map((f) => String(f.name)));
  const example = Object.fromEntries(Object.entries(s.example_request ?? {}).filter(([k]) => names.has(k)));
  return { ...s, example_request: s.example_request ? example : s.example_request };
}

export function fixtureSignature(): ModelSignature {
  return {
    signature_version: 1,
    inputs: STUDENT_FIELDS.map((f) => ({ ...f })),
    outputs: [
      {
        name: 'risk_score',
        type: 'number',
        description: 'Probabilidade calibrada de defasagem no próximo ano.',
      },
      { name: 'risk_label', type: 'integer', description: '1 quando risk_score ≥ limiar.' },
    ],
    example_request: { ...EXAMPLE_STUDENT },
    example_response: { risk_score: 0.4, risk_label: 0 },
  };
}

function block(values: Record<string, number>): MetricsFile['validation'] {
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((m) => [m, { value: values[m] ?? 0.7, ci_low: null, ci_high: null }]),
  ) as MetricsFile['validation']['metrics'];
  return {
    label_years: [2024],
    n: 765,
    positives: 308,
    base_rate: 0.403,
    threshold: 0.45,
    metrics,
    confusion: { tp: 200, fp: 80, tn: 377, fn: 108 },
  };
}

export function fixtureMetrics(test: FixtureOptions['test'] = {}): MetricsFile {
  return {
    metrics_version: 1,
    learner: 'gbdt',
    threshold: 0.45,
    validation: block({ roc_auc: 0.8, precision: 0.7, recall: 0.65 }),
    test: test === null ? null : block({ roc_auc: 0.82, precision: 0.7, recall: 0.66, ...test }),
    by_group: {},
  };
}

/** Hand-made students, varied enough that no default feature is constant. */
const FIXTURE_STUDENTS: StudentRecord[] = [
  { ...EXAMPLE_STUDENT },
  { ...EXAMPLE_STUDENT, fase: 0, idade: 8, genero: 'masculino', defasagem: 0, ian: 10, ida: 4.1, ipp: null },
  { ...EXAMPLE_STUDENT, fase: 5, idade: 16, instituicao: 'privada_bolsa', defasagem: -2, ieg: 5.2, ipv: 5 },
  { ...EXAMPLE_STUDENT, ano_base: 2023, fase: 7, idade: 17, instituicao: 'privada', iaa: 9.6, ips: 4.4 },
  { ...EXAMPLE_STUDENT, ano_base: 2022, fase: 3, idade: 11, instituicao: 'concluiu_em', inde: 8.2 },
  { ...EXAMPLE_STUDENT, fase: 8, idade: 19, instituicao: 'outro', ano_ingresso: 2016, ipv: 9.1 },
];

/** A later year of students: what "retrained on new data" adds. */
const NEW_YEAR_STUDENTS: StudentRecord[] = FIXTURE_STUDENTS.map((r, i) => ({
  ...r,
  ano_base: 2024,
  ieg: r.ieg === null ? null : Math.min(10, r.ieg + 0.3 * (i + 1)),
  ida: r.ida === null ? null : Math.max(0, r.ida - 0.2 * i),
}));

/** Outcomes of the fixture students (both classes, so every learner can be fitted). */
const labels = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0));

const LEARNER_DEFAULTS: Record<TrainedFixture['learner'], Record<string, number>> = {
  logistic_regression: { C: 1 },
  random_forest: { n_estimators: 5, max_depth: 3, min_samples_leaf: 1 },
  gbdt: { max_iter: 5, learning_rate: 0.3, max_depth: 2, min_samples_leaf: 1 },
};

/** The learner block of a model fitted for real on `records` with the pipeline `spec`. */
function fittedLearner(
  t: TrainedFixture,
  spec: ReturnType<typeof fitFeaturePipeline>,
  records: StudentRecord[],
): Record<string, unknown> {
  const params = { ...LEARNER_DEFAULTS[t.learner], ...t.params };
  const impute = t.learner !== 'gbdt';
  const pipeline = compilePipeline(spec);
  const X = createMatrix(records.length, pipeline.width, pipeline.transform(records, impute));
  const y = labels(records.length);
  const seed = t.seed ?? 0;
  const state =
    t.learner === 'logistic_regression'
      ? fitLogistic(X, y, { C: params.C! })
      : t.learner === 'random_forest'
        ? fitForest(X, y, {
            nEstimators: params.n_estimators!,
            maxDepth: params.max_depth!,
            minSamplesLeaf: params.min_samples_leaf!,
            seed,
          })
        : fitGbdt(X, y, {
            maxIter: params.max_iter!,
            learningRate: params.learning_rate!,
            maxDepth: params.max_depth!,
            minSamplesLeaf: params.min_samples_leaf!,
            seed,
          });
  return {
    kind: t.learner,
    input: impute ? 'imputed' : 'raw',
    output: t.learner === 'random_forest' ? 'probability' : 'log_odds',
    params: { ...params, ...(t.learner === 'logistic_regression' ? {} : { seed }) },
    state: JSON.parse(JSON.stringify(state)),
  };
}

/** A model file whose learner is fitted for real on the fixture students (see TrainedFixture). */
export function trainedFixtureModel(t: TrainedFixture): Record<string, unknown> {
  const records = t.newData ? [...FIXTURE_STUDENTS, ...NEW_YEAR_STUDENTS] : FIXTURE_STUDENTS;
  const spec = fitFeaturePipeline(records, t.features ?? DEFAULT_FEATURES);
  return {
    ...fixtureModel(),
    features: spec,
    learner: fittedLearner(t, spec, records),
    training: {
      label_years: t.newData ? [2023, 2024] : [2023],
      rows: records.length,
      positives: labels(records.length).reduce((a, b) => a + b, 0),
      seed: t.seed ?? 0,
      fit: 'refit',
      data_sha256: createHash('sha256').update(JSON.stringify(records)).digest('hex'),
    },
  };
}

/**
 * A real model file (format v1, a logistic regression with hand-set weights over the default feature
 * pipeline): the server's `loadModel` compiles it and it scores the signature example. `seed` changes
 * the weights so versions differ.
 */
export function fixtureModel(seed = 0): Record<string, unknown> {
  const spec = fitFeaturePipeline(FIXTURE_STUDENTS);
  const width = compilePipeline(spec).width;
  return {
    format: 'defasagem-model',
    format_version: 1,
    created_at: '2026-11-29T12:00:00.000Z',
    target: { name: 'em_risco', definition: 'fixture' },
    features: spec,
    learner: {
      kind: 'logistic_regression',
      input: 'imputed',
      output: 'log_odds',
      params: { C: 1 },
      state: {
        kind: 'logistic',
        n_features: width,
        coef: Array.from({ length: width }, (_, j) => ((j % 5) - 2) * 0.05 + seed * 0.001),
        intercept: -0.3,
        means: Array.from({ length: width }, () => 5),
        scales: Array.from({ length: width }, () => 2),
        C: 1,
        n_iter: 10,
      },
    },
    calibrator: { kind: 'platt', fitted_on: 'fixture', state: { kind: 'platt', a: -1, b: 0 } },
    threshold: 0.45,
    threshold_policy: { kind: 'max_fbeta_with_min_recall', beta: 2, min_recall: 0.75, chosen_on: 'fixture' },
    risk_bands: { medio_from: 0.45, alto_from: 0.6, alto_min_probability: 0.6 },
    training: { label_years: [2023], rows: 6, positives: 3, seed, fit: 'refit', data_sha256: 'fixture' },
  };
}

/** Writes a training-output directory and returns its path. */
export function writeFixtureArtifacts(dir: string, opts: FixtureOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const n = (v1: string, plain: string) => (opts.plainNames ? plain : v1);
  const files: Record<string, string> = {
    [n('model_v1.json', 'model.json')]: JSON.stringify(
      (opts.model ?? ((m) => m))(opts.trained ? trainedFixtureModel(opts.trained) : fixtureModel(opts.seed)),
    ),
    [n('model_metadata_v1.json', 'model_metadata.json')]: JSON.stringify({
      trained_on: [2022, 2023],
      seed: opts.seed ?? 0,
      ...opts.metadata,
    }),
    [n('model_signature_v1.json', 'model_signature.json')]: JSON.stringify(
      exampleForInputs((opts.signature ?? ((s) => s))(fixtureSignature())),
      null,
      2,
    ),
    [n('metrics_v1.json', 'metrics.json')]: JSON.stringify(fixtureMetrics(opts.test), null, 2),
  };
  if (opts.extras !== false) {
    files[n('baseline_v1.json', 'baseline.json')] = JSON.stringify({ features: { ieg: { mean: 7.1 } } });
    files['model_comparison.json'] = JSON.stringify({ candidates: [{ learner: 'gbdt', pr_auc: 0.7 }] });
    files['model_report.md'] = '# Relatório do modelo\n\nFixture.\n';
  }
  for (const [name, content] of Object.entries(files)) {
    if (!opts.omit?.includes(name)) writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const created: string[] = [];

export function tempDir(label = 'reg'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `defasagem-${label}-`));
  created.push(dir);
  return dir;
}

/** Removes every temp dir this process made with `tempDir` (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The schema's defaults: default guardrails, a 20 s lock wait, a 30 s lease. */
export const TEST_SETTINGS: RegistrySettings = {
  promoteMinRocAuc: 0.75,
  promoteMinPrecision: 0.65,
  promoteMinRecall: 0.6,
  lockTimeoutMs: 20000,
  lockLeaseMs: 30000,
};

/** A registry in a fresh temp dir with explicit settings (defaults unless overridden). */
export function tempRegistry(settings: Partial<RegistrySettings> = {}): {
  dir: string;
  ctx: RegistryContext;
} {
  const dir = path.join(tempDir('registry'), 'registry');
  return { dir, ctx: openRegistry(dir, { ...TEST_SETTINGS, ...settings }) };
}

/** Every file under `dir` with its content hash: compare before/after to prove "no change on disk". */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(full);
      } else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
