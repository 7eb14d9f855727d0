/**
 * Hand-made artifacts that follow the shared contracts (src/model/types.ts), for registry tests and
 * the benchmark. They are small but shaped like training output: development names with `_v1`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STUDENT_FIELDS } from '../../core/student.js';
import { METRIC_NAMES, type MetricsFile, type ModelSignature } from '../../model/types.js';
import { openRegistry, type RegistryContext } from '../context.js';

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

/** The fixture signature plus an optional category input `escola`: a compatible (minor) change. */
export function withOptionalEscola(s: ModelSignature): ModelSignature {
  return {
    ...s,
    inputs: [
      ...s.inputs,
      { name: 'escola' as never, type: 'category', nullable: true, categories: ['a'], description: 'x' },
    ],
  };
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
    example_request: { fase: 3, defasagem: 0 },
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

/** Writes a training-output directory and returns its path. */
export function writeFixtureArtifacts(dir: string, opts: FixtureOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const n = (v1: string, plain: string) => (opts.plainNames ? plain : v1);
  const files: Record<string, string> = {
    [n('model_v1.json', 'model.json')]: JSON.stringify({
      format: 'defasagem-model',
      format_version: 1,
      created_at: '2026-11-29T12:00:00.000Z',
      learner: 'gbdt',
      threshold: 0.45,
      trees: [{ seed: opts.seed ?? 0, leaves: [0.1, -0.2, 0.3] }],
    }),
    [n('model_metadata_v1.json', 'model_metadata.json')]: JSON.stringify({
      trained_on: [2022, 2023],
      seed: opts.seed ?? 0,
    }),
    [n('model_signature_v1.json', 'model_signature.json')]: JSON.stringify(
      (opts.signature ?? ((s) => s))(fixtureSignature()),
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

/** A registry in a fresh temp dir with fast lock timings and default guardrails. */
export function tempRegistry(): { dir: string; ctx: RegistryContext } {
  const dir = path.join(tempDir('registry'), 'registry');
  return {
    dir,
    ctx: openRegistry(dir, {
      promoteMinRocAuc: 0.75,
      promoteMinPrecision: 0.65,
      promoteMinRecall: 0.6,
      lockTimeoutMs: 20000,
      lockStaleMs: 30000,
    }),
  };
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
