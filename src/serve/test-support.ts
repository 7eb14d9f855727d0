/**
 * Test support for the serve tests: a small but real logistic model over the student contract that
 * implements LoadedModel (exact additive contributions), so the HTTP layer can be tested without the
 * training pipeline. Integration tests use a model trained by src/train when it is available.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { STUDENT_FIELDS, type StudentRecord } from '../core/student.js';
import type { Factor, LoadedModel, MetricsFile, ModelSignature } from '../model/types.js';
import type { AppSettings } from './app.js';
import type { BundleParts } from './bundle.js';

const NUMERIC = STUDENT_FIELDS.filter((f) => f.type !== 'category').map((f) => f.name);

/** Logistic regression with fixed weights: risk rises with negative defasagem and low indicators. */
export function standInModel(
  opts: { threshold?: number; bias?: number; broken?: boolean; noBands?: boolean } = {},
): LoadedModel {
  const weights: Record<string, number> = { defasagem: -0.9, ida: -0.15, ieg: -0.1, ian: -0.2, fase: 0.05 };
  const bias = opts.bias ?? 1.2;
  const contributions = (r: StudentRecord): Factor[] =>
    NUMERIC.filter((k) => weights[k] !== undefined).map((k) => {
      const v = r[k] as number | null;
      const c = v === null ? 0 : (weights[k] as number) * v;
      return {
        feature: k,
        label: k.toUpperCase(),
        value: v,
        contribution: c,
        direction: c >= 0 ? 'aumenta' : 'reduz',
      };
    });
  const predictOne = (r: StudentRecord): number => {
    if (opts.broken) return Number.NaN;
    let z = bias;
    for (const f of contributions(r)) z += f.contribution;
    return 1 / (1 + Math.exp(-z));
  };
  const threshold = opts.threshold ?? 0.4;
  // Like model files of format v1: medio from the threshold, alto from a higher cut-off.
  const riskBands = opts.noBands
    ? {}
    : { riskBands: { medio_from: threshold, alto_from: 0.6, alto_min_precision: 0.7 } };
  return {
    ...riskBands,
    formatVersion: 1,
    threshold,
    featureNames: Object.keys(weights),
    learner: 'logistic_regression',
    predictOne,
    predictProba: (records) => Float64Array.from(records, predictOne),
    explain: (r, k = 3) =>
      contributions(r)
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, k),
  };
}

export const EXAMPLE_STUDENT = {
  ano_base: 2023,
  fase: 3,
  idade: 12,
  genero: 'feminino',
  instituicao: 'publica',
  ano_ingresso: 2021,
  ian: 5,
  ida: 6.2,
  ieg: 7.5,
  iaa: 8,
  ips: 6.9,
  ipp: 7.1,
  ipv: 7.3,
  inde: 7.02,
  defasagem: -1,
};

export function standInSignature(): ModelSignature {
  return {
    signature_version: 1,
    inputs: STUDENT_FIELDS.map((f) => ({ ...f })),
    outputs: [
      { name: 'risk_score', type: 'number', description: 'probabilidade calibrada' },
      { name: 'risk_label', type: 'integer', description: '1 quando risk_score ≥ limiar' },
    ],
    example_request: { ...EXAMPLE_STUDENT },
    example_response: { risk_score: 0.5, risk_label: 1 },
  };
}

export function standInMetrics(): MetricsFile {
  const block = {
    label_years: [2024],
    n: 100,
    positives: 40,
    base_rate: 0.4,
    threshold: 0.4,
    metrics: Object.fromEntries(
      ['roc_auc', 'pr_auc', 'precision', 'recall', 'f1', 'f2', 'accuracy', 'brier', 'ece', 'log_loss'].map(
        (k) => [k, { value: 0.8, ci_low: null, ci_high: null }],
      ),
    ) as MetricsFile['validation']['metrics'],
    confusion: { tp: 30, fp: 10, tn: 50, fn: 10 },
  };
  return {
    metrics_version: 1,
    learner: 'logistic_regression',
    threshold: 0.4,
    validation: block,
    test: block,
    by_group: {},
  };
}

export function standInParts(version = 'v1.0.0', opts: Parameters<typeof standInModel>[0] = {}): BundleParts {
  return {
    version,
    source: 'registry',
    requested: 'champion',
    model: standInModel(opts),
    signature: standInSignature(),
    metadata: {
      learner: 'logistic_regression',
      trained_at: '2026-01-01T00:00:00Z',
      data_path: '/home/x/data.parquet',
    },
    metrics: standInMetrics(),
  };
}

export function testSettings(over: Partial<AppSettings> = {}): AppSettings {
  return {
    apiKeys: [],
    maxInstances: 1000,
    bodyLimitBytes: 1_048_576,
    rateLimitMax: 0,
    rateLimitWindowMs: 60_000,
    topFactors: 3,
    extraFeaturePolicy: 'reject',
    ...over,
  };
}

/** One request as a client sends it; run both in-process (inject) and over a real socket (fetch). */
export interface BadRequestCase {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  status: number;
  code?: string;
  /** Text that must never appear in the response (PII sent by the client). */
  secret?: string;
}

const json = { 'content-type': 'application/json' };
const student = (over: Record<string, unknown>) => JSON.stringify({ ...EXAMPLE_STUDENT, ...over });
const many = (n: number) => `{"instances":[${Array.from({ length: n }, () => '{}').join(',')}]}`;

export const BAD_REQUESTS: BadRequestCase[] = [
  {
    name: 'not JSON',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: 'hello there',
    status: 400,
    code: 'DEF_ERR_API_MALFORMED_JSON',
  },
  {
    name: 'JSON echoing a name is not parsed nor echoed',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '{"fase": Maria Souza}',
    status: 400,
    code: 'DEF_ERR_API_MALFORMED_JSON',
    secret: 'Maria',
  },
  {
    name: 'wrong content-type',
    method: 'POST',
    url: '/predict',
    headers: { 'content-type': 'text/plain' },
    body: student({}),
    status: 415,
    code: 'DEF_ERR_API_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'form content-type',
    method: 'POST',
    url: '/predict',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'fase=3',
    status: 415,
    code: 'DEF_ERR_API_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: '"7" for a number',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ida: '7' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: '"3" for an integer',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ fase: '3' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'boolean for a number',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ieg: true }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'fraction for an integer',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ fase: 2.5 }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'NaN',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({}).replace('"ida":6.2', '"ida":NaN'),
    status: 400,
    code: 'DEF_ERR_API_MALFORMED_JSON',
  },
  {
    name: 'Infinity',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({}).replace('"ida":6.2', '"ida":Infinity'),
    status: 400,
    code: 'DEF_ERR_API_MALFORMED_JSON',
  },
  {
    name: 'huge number (1e400 parses to Infinity)',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({}).replace('"ida":6.2', '"ida":1e400'),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'huge integer',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ fase: 1e300 }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'out of range',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ida: 11 }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'negative indicator',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ieg: -0.1 }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'missing body, no content-type',
    method: 'POST',
    url: '/predict',
    status: 400,
    code: 'DEF_ERR_API_EMPTY_BODY',
  },
  {
    name: 'empty JSON body',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '',
    status: 400,
    code: 'DEF_ERR_API_EMPTY_BODY',
  },
  {
    name: 'JSON null',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: 'null',
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: 'JSON array',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: `[${student({})}]`,
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: 'JSON string',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '"fase"',
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: '10 MB body',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: `{"x":"${'a'.repeat(10 * 1024 * 1024)}"}`,
    status: 413,
    code: 'DEF_ERR_API_BODY_TOO_LARGE',
  },
  {
    name: '100k instances',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: many(100_000),
    status: 413,
    code: 'DEF_ERR_API_TOO_MANY_INSTANCES',
  },
  {
    name: 'empty instances',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '{"instances":[]}',
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: 'instances not an array',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '{"instances":{"fase":1}}',
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: 'instances beside other keys',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: `{"instances":[${student({})}],"x":1}`,
    status: 400,
    code: 'DEF_ERR_API_BODY_SHAPE',
  },
  {
    name: 'bad student inside a batch',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: `{"instances":[${student({})},${student({ fase: 'x' })}]}`,
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'unknown field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ turma: 'A' }),
    status: 422,
    code: 'DEF_ERR_API_UNKNOWN_FIELD',
  },
  {
    name: 'nested object',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ida: { value: 6 } }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'array for a number',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ida: [6] }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'unicode look-alike category',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ instituicao: 'pública' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'category with different case',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ genero: 'Feminino' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'emoji category',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ genero: '👩‍🎓' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
    secret: '👩',
  },
  {
    name: 'a name in a category field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ genero: 'Maria da Silva' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
    secret: 'Maria',
  },
  {
    name: 'a CPF in a number field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ ida: '123.456.789-09' }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
    secret: '123.456',
  },
  {
    name: 'a name field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ nome: 'Maria da Silva' }),
    status: 422,
    code: 'DEF_ERR_API_PII_FIELD',
    secret: 'Maria',
  },
  {
    name: 'an RA field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ RA: 'RA-1234' }),
    status: 422,
    code: 'DEF_ERR_API_PII_FIELD',
    secret: 'RA-1234',
  },
  {
    name: 'a CPF field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ CPF: '123.456.789-09' }),
    status: 422,
    code: 'DEF_ERR_API_PII_FIELD',
    secret: '123.456',
  },
  {
    name: 'free-text key is not echoed',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ 'Maria da Silva': 1 }),
    status: 422,
    code: 'DEF_ERR_API_UNKNOWN_FIELD',
    secret: 'Maria',
  },
  {
    name: 'missing required field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: JSON.stringify({ ...EXAMPLE_STUDENT, fase: undefined }),
    status: 422,
    code: 'DEF_ERR_API_MISSING_FIELD',
  },
  {
    name: 'null in a required field',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: student({ defasagem: null }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
  {
    name: 'prototype pollution',
    method: 'POST',
    url: '/predict',
    headers: json,
    body: '{"__proto__":{"x":1},"fase":1}',
    status: 400,
    code: 'DEF_ERR_API_MALFORMED_JSON',
  },
  { name: 'unknown route', method: 'GET', url: '/nope', status: 404, code: 'DEF_ERR_API_ROUTE_NOT_FOUND' },
  { name: 'wrong method', method: 'GET', url: '/predict', status: 404, code: 'DEF_ERR_API_ROUTE_NOT_FOUND' },
  {
    name: 'OIP unknown model',
    method: 'POST',
    url: '/v2/models/other/infer',
    headers: json,
    body: '{"inputs":[]}',
    status: 404,
    code: 'DEF_ERR_API_MODEL_NOT_FOUND',
  },
  {
    name: 'OIP version not loaded',
    method: 'POST',
    url: '/v2/models/defasagem/versions/v9.9.9/infer',
    headers: json,
    body: '{"inputs":[]}',
    status: 404,
    code: 'DEF_ERR_API_VERSION_NOT_LOADED',
  },
  {
    name: 'OIP no inputs',
    method: 'POST',
    url: '/v2/models/defasagem/infer',
    headers: json,
    body: '{"inputs":[]}',
    status: 400,
    code: 'DEF_ERR_API_INVALID_TENSOR',
  },
  {
    name: 'OIP mismatched shapes',
    method: 'POST',
    url: '/v2/models/defasagem/infer',
    headers: json,
    body: JSON.stringify({
      inputs: [
        { name: 'fase', datatype: 'INT64', shape: [2], data: [1, 2] },
        { name: 'defasagem', datatype: 'INT64', shape: [1], data: [0] },
      ],
    }),
    status: 400,
    code: 'DEF_ERR_API_INVALID_TENSOR',
  },
  {
    name: 'OIP string for a number tensor',
    method: 'POST',
    url: '/v2/models/defasagem/infer',
    headers: json,
    body: JSON.stringify({
      inputs: [
        { name: 'fase', datatype: 'INT64', shape: [1], data: ['1'] },
        { name: 'defasagem', datatype: 'INT64', shape: [1], data: [0] },
      ],
    }),
    status: 422,
    code: 'DEF_ERR_API_INVALID_FIELD',
  },
];

export function errorCodeOf(url: string, body: Record<string, unknown>): string | undefined {
  if (url.startsWith('/v2')) return body.code as string | undefined;
  return (body.error as { code?: string } | undefined)?.code;
}

/**
 * A REAL model for integration tests: a small synthetic workbook → ingest → train (small ensembles,
 * few resamples: the tests check serving, not accuracy) → artifacts. About 2–4 s.
 */
export async function trainRealArtifacts(root: string, seed: number): Promise<string> {
  const { writeSyntheticWorkbook } = await import('../data/synth.js');
  const { ingest } = await import('../data/ingest.js');
  const { train } = await import('../train/train.js');
  const { resolveConfig } = await import('../train/config.js');
  const dir = path.join(root, `train-${seed}`);
  mkdirSync(dir, { recursive: true });
  const workbook = path.join(dir, 'synthetic.xlsx');
  await writeSyntheticWorkbook(workbook, { students: 300, years: [2022, 2023, 2024], seed });
  const s = await ingest({ source: workbook, outDir: path.join(dir, 'data') });
  const artifactsDir = path.join(dir, 'artifacts');
  const config = resolveConfig({
    bootstrap: 50,
    random_forest: { n_estimators: 15 },
    gbdt: { max_iter: 60, learning_rate: 0.2 },
  });
  await train({ dataPath: s.outputs.modelingDataset, artifactsDir, seed, refit: true, config });
  return artifactsDir;
}
