/**
 * Test support for the serve tests: a small but real logistic model over the student contract that
 * implements LoadedModel (exact additive contributions), so the HTTP layer can be tested without the
 * training pipeline, and the app built around it in-process. Integration tests use a model trained by
 * src/train (real-model.ts); the bad-request table shared by the in-process and socket tests is in
 * bad-requests.ts.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { createLogger, type Logger } from '../../core/logger.js';
import { STUDENT_FIELDS, type StudentRecord } from '../../core/student.js';
import type { Factor, LoadedModel, MetricsFile, ModelSignature } from '../../model/types.js';
import { type AppDeps, type AppSettings, buildApp } from '../app.js';
import type { BundleParts } from '../bundle.js';
import { ModelHolder } from '../holder.js';
import { createMetrics } from '../metrics.js';

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
      const direction = c >= 0 ? 'aumenta' : 'reduz';
      // effect_pp is not computed by this stand-in (the model layer's explain is tested in src/model).
      return {
        feature: k,
        label: k.toUpperCase(),
        text: `${k.toUpperCase()}: ${direction} o risco`,
        value: v,
        missing: v === null,
        contribution: c,
        contribution_unit: 'log_odds',
        effect_pp: 0,
        direction,
      };
    });
  const predictOne = (r: StudentRecord): number => {
    if (opts.broken) return Number.NaN;
    let z = bias;
    for (const f of contributions(r)) z += f.contribution;
    return 1 / (1 + Math.exp(-z));
  };
  const explain = (r: StudentRecord, k = 3) =>
    contributions(r)
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
      .slice(0, k);
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
    explain,
    predictExplain: (r, k) => ({ score: predictOne(r), factors: explain(r, k) }),
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
    rateLimitConcurrency: 0,
    authFailureLimit: 0,
    allowedHosts: [],
    topFactors: 3,
    extraFeaturePolicy: 'reject',
    scoreUploadLimitBytes: 10_485_760,
    ...over,
  };
}

/** Band cut-offs of the stand-in app: alto from the threshold (0.4), medio from 0.6 × it. */
export const bandOptions = {
  policy: { extraFeatures: 'reject' as const, maxInstances: 1000 },
  bandAlto: { value: 1, relative: true },
  bandMedio: { value: 0.6, relative: true },
};

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** A real pino logger (the project's, with its redaction) at `level` that appends each JSON line to `lines`. */
export function collectingLogger(lines: string[], level: 'info' | 'debug' = 'info'): Logger {
  return createLogger({
    level,
    destination: new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  });
}

/**
 * The whole app in-process around the stand-in model v1.0.0, logging at info into `lines` (one JSON
 * line per entry), with a registry listing; `observer` as AppDeps takes it.
 */
export async function makeApp(
  over: Partial<AppSettings> = {},
  lines: string[] = [],
  observer?: AppDeps['observer'],
) {
  const metrics = createMetrics({ defaultMetrics: false });
  const settings = testSettings(over);
  const holder = new ModelHolder({
    ...bandOptions,
    policy: { extraFeatures: settings.extraFeaturePolicy, maxInstances: settings.maxInstances },
    load: async () => standInParts('v1.0.0'),
  });
  await holder.reload('test');
  const app = await buildApp({
    settings,
    holder,
    metrics,
    logger: collectingLogger(lines),
    observer,
    listModels: async () => ({ champion: 'v1.0.0', versions: ['v1.0.0'] }),
  });
  return { app, holder, metrics };
}

/**
 * One in-process app for the tests of a describe block: built before them (makeApp with `over`,
 * logging into `lines`), closed after them. The handle's `inject` reaches the app once built.
 */
export function inProcessApp(
  over: Partial<AppSettings> = {},
  lines: string[] = [],
): Pick<FastifyInstance, 'inject'> {
  let app: FastifyInstance | null = null;
  beforeAll(async () => {
    ({ app } = await makeApp(over, lines));
  });
  afterAll(async () => app?.close());
  return {
    inject: ((...args: Parameters<FastifyInstance['inject']>) => {
      if (!app) throw new Error('inProcessApp: the app is built in beforeAll; inject from a test');
      return app.inject(...args);
    }) as FastifyInstance['inject'],
  };
}
