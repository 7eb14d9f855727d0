import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/error-base.js';
import type { MetricsFile, ModelFileHeader, ModelSignature } from '../model/types.js';
import { REGISTRY_ERRORS } from './errors.js';
import { ARTIFACT_MAPPING, METADATA_FILE, METRICS_FILE, MODEL_FILE, SIGNATURE_FILE } from './layout.js';
import type { MetricsSummary } from './types.js';

/** One artifact found in a development directory, read and checked. */
export interface CollectedArtifact {
  /** Registry name (normalised). */
  name: string;
  /** Development file name it came from. */
  source: string;
  data: Buffer;
  /** Parsed content for JSON artifacts. */
  json?: unknown;
}

export interface CollectedArtifacts {
  directory: string;
  artifacts: CollectedArtifact[];
  /** Files in the directory that the mapping does not take (shown so wrong names are noticed). */
  ignored: string[];
  model: ModelFileHeader & Record<string, unknown>;
  signature: ModelSignature;
  metrics: MetricsFile;
}

function invalid(file: string, problem: string): AppError {
  return new AppError(REGISTRY_ERRORS.ARTIFACT_INVALID, `${file}: ${problem}.`, { file, problem });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the parts of the contracts (src/model/types.ts) that the registry and the server rely on. */
export function checkModel(file: string, v: unknown): asserts v is ModelFileHeader & Record<string, unknown> {
  if (!isObject(v)) throw invalid(file, 'not a JSON object');
  if (v.format !== 'defasagem-model') throw invalid(file, 'field "format" must be "defasagem-model"');
  if (!Number.isInteger(v.format_version) || (v.format_version as number) < 1) {
    throw invalid(file, 'field "format_version" must be a positive integer');
  }
}

export function checkSignature(file: string, v: unknown): asserts v is ModelSignature {
  if (!isObject(v)) throw invalid(file, 'not a JSON object');
  if (!Array.isArray(v.inputs) || v.inputs.length === 0)
    throw invalid(file, 'field "inputs" must be a non-empty array');
  for (const [i, f] of v.inputs.entries()) {
    if (!isObject(f) || typeof f.name !== 'string' || typeof f.type !== 'string') {
      throw invalid(file, `inputs[${i}] needs a "name" and a "type"`);
    }
  }
  if (!Array.isArray(v.outputs) || v.outputs.length === 0)
    throw invalid(file, 'field "outputs" must be a non-empty array');
  if (!isObject(v.example_request)) throw invalid(file, 'field "example_request" must be an object');
  for (const [i, f] of v.outputs.entries()) {
    if (!isObject(f) || typeof f.name !== 'string' || typeof f.type !== 'string') {
      throw invalid(file, `outputs[${i}] needs a "name" and a "type"`);
    }
  }
}

export function checkMetrics(file: string, v: unknown): asserts v is MetricsFile {
  if (!isObject(v)) throw invalid(file, 'not a JSON object');
  if (v.metrics_version !== 1) throw invalid(file, 'field "metrics_version" must be 1');
  for (const block of ['validation', 'test'] as const) {
    const b = v[block];
    if (b === null && block === 'test') continue;
    if (!isObject(b) || !isObject(b.metrics)) throw invalid(file, `field "${block}.metrics" is missing`);
  }
}

/** Key metric values of a block (only finite numbers). */
function blockValues(block: unknown): Record<string, number> | null {
  if (!isObject(block) || !isObject(block.metrics)) return null;
  const out: Record<string, number> = {};
  for (const [k, m] of Object.entries(block.metrics)) {
    if (isObject(m) && typeof m.value === 'number' && Number.isFinite(m.value)) out[k] = m.value;
  }
  return out;
}

export function summarizeMetrics(m: MetricsFile): MetricsSummary {
  return {
    learner: typeof m.learner === 'string' ? m.learner : null,
    threshold: typeof m.threshold === 'number' ? m.threshold : null,
    test: blockValues(m.test),
    validation: blockValues(m.validation),
  };
}

/**
 * Reads the artifacts of a training run with the mapping table (`_v1` names first, plain names as a
 * fallback), parses every JSON file, checks the contracts and runs the server's own load and warm-up
 * on the model. Nothing is written.
 */
export async function collectArtifacts(dir: string): Promise<CollectedArtifacts> {
  const directory = path.resolve(dir);
  const st = await stat(directory).catch(() => null);
  if (!st?.isDirectory()) {
    throw new AppError(
      REGISTRY_ERRORS.ARTIFACTS_MISSING,
      st
        ? `${directory} is a file; --artifacts takes the training output directory that holds model_v1.json.`
        : `The artifacts directory ${directory} does not exist.`,
      { directory },
    );
  }
  const names = (await readdir(directory, { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name);
  const files = new Map<string, Buffer>();
  for (const m of ARTIFACT_MAPPING) {
    const source = m.sources.find((s) => names.includes(s));
    if (source) files.set(source, await readFile(path.join(directory, source)));
  }
  return collectArtifactFiles(directory, files, names);
}

/**
 * The same checks on a training run's files already in memory (file name → content), as `train` made
 * them: the retraining command registers its challenger without writing and reading back its
 * artifacts. `directory` is where they were made (recorded in the manifest); `present` lists every file
 * name there (default: the keys of `files`), so unrecognised ones are reported as ignored.
 */
export async function collectArtifactFiles(
  directory: string,
  files: ReadonlyMap<string, Buffer>,
  present: readonly string[] = [...files.keys()],
): Promise<CollectedArtifacts> {
  const artifacts: CollectedArtifact[] = [];
  const missing: string[] = [];
  const used = new Set<string>();
  for (const m of ARTIFACT_MAPPING) {
    const source = m.sources.find((s) => present.includes(s));
    // Every candidate name is consumed, so a plain-name duplicate is not reported as ignored.
    for (const s of m.sources) if (present.includes(s)) used.add(s);
    if (!source) {
      if (m.required) missing.push(`${m.name} (looked for ${m.sources.join(', ')})`);
      continue;
    }
    const data = files.get(source)!;
    const artifact: CollectedArtifact = { name: m.name, source, data };
    if (m.json) {
      try {
        artifact.json = JSON.parse(data.toString('utf8'));
      } catch (err) {
        throw new AppError(
          REGISTRY_ERRORS.ARTIFACT_INVALID_JSON,
          `${source} in ${directory} is not valid JSON (${(err as Error).message}).`,
          { file: source, directory },
        );
      }
    }
    artifacts.push(artifact);
  }
  const ignored = [...new Set(present)].filter((n) => !used.has(n)).sort();
  if (missing.length > 0) {
    throw new AppError(
      REGISTRY_ERRORS.ARTIFACTS_MISSING,
      `The artifacts directory ${directory} lacks ${missing.join('; ')}${ignored.length ? `; files present but not recognised: ${ignored.join(', ')}` : ''}.`,
      { directory, missing, ignored },
    );
  }
  const byName = (n: string) => artifacts.find((a) => a.name === n)!;
  const model = byName(MODEL_FILE);
  const signature = byName(SIGNATURE_FILE);
  const metrics = byName(METRICS_FILE);
  checkModel(model.source, model.json);
  checkSignature(signature.source, signature.json);
  checkMetrics(metrics.source, metrics.json);
  const metadata = byName(METADATA_FILE);
  if (!isObject(metadata.json)) throw invalid(metadata.source, 'not a JSON object');
  // Loaded on use: the model layer is only needed by register and promote, not by list or verify.
  const { checkLoadable } = await import('./loadable.js');
  checkLoadable(model.json, signature.json, `${model.source} in ${directory}`);
  return {
    directory,
    artifacts,
    ignored,
    model: model.json,
    signature: signature.json,
    metrics: metrics.json,
  };
}
