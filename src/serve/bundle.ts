/**
 * A model bundle: everything the server needs to answer with one model version, built once at load
 * time (compiled validator, risk-band cut-offs, safe metadata) so the hot path only reads it.
 */
import { trainedOnSynthetic } from '../model/provenance.js';
import type { LoadedModel, MetricsFile, ModelSignature } from '../model/types.js';
import type { BandCut } from './settings.js';
import { type CompiledInput, compileInput, type InputPolicy } from './validation.js';

/** What a loader produces: the verified, parsed files of one model version. */
export interface BundleParts {
  /** `v1.2.0` for registry versions; for development files whatever the resolver names them. */
  version: string;
  source: 'dev' | 'registry';
  /** What MODEL_VERSION asked for: '', 'champion' or 'vX.Y.Z'. */
  requested: string;
  model: LoadedModel;
  signature: ModelSignature;
  metadata: unknown;
  metrics: MetricsFile | null;
}

export interface BandCuts {
  /** risk_score ≥ alto → "alto"; ≥ medio → "medio"; else "baixo". Absolute probabilities. */
  alto: number;
  medio: number;
}

export interface ModelBundle extends Omit<BundleParts, 'metadata'> {
  readonly input: CompiledInput;
  readonly bands: BandCuts;
  /** Metadata without filesystem paths or hosts: safe to show to any client. */
  readonly metadata: Record<string, unknown>;
  /**
   * Trained on synthetic data (fake students: true), real data (false), or not recorded (null). Read
   * once here; /ready, /metadata, every prediction and the start-up log show it.
   */
  readonly synthetic: boolean | null;
  readonly loadedAt: string;
}

export interface BundleOptions {
  policy: InputPolicy;
  /** null: the cut-off stored in the model file (risk_bands chosen at training). */
  bandAlto: BandCut | null;
  bandMedio: BandCut | null;
}

/** The bands a model file carries (format v1: medio_from = threshold, alto_from ≥ it). */
function modelBands(model: LoadedModel): { alto_from: number; medio_from: number } | null {
  const b = (model as { riskBands?: { alto_from?: unknown; medio_from?: unknown } }).riskBands;
  return b && typeof b.alto_from === 'number' && typeof b.medio_from === 'number'
    ? { alto_from: b.alto_from, medio_from: b.medio_from }
    : null;
}

export function resolveBands(model: LoadedModel, alto: BandCut | null, medio: BandCut | null): BandCuts {
  const threshold = model.threshold;
  const own = modelBands(model);
  if ((!alto || !medio) && !own)
    throw new Error('the model file has no risk bands: set RISK_BAND_ALTO and RISK_BAND_MEDIO');
  const cut = (c: BandCut | null, fallback: number) =>
    c ? (c.relative ? c.value * threshold : c.value) : fallback;
  const a = cut(alto, own?.alto_from ?? 0);
  const m = cut(medio, own?.medio_from ?? 0);
  if (m > a)
    throw new Error(
      `the "medio" cut-off (${m.toFixed(4)}) is above the "alto" one (${a.toFixed(4)}) for this model (threshold ${threshold}); check RISK_BAND_ALTO / RISK_BAND_MEDIO`,
    );
  return { alto: a, medio: m };
}

const UNSAFE_KEY = /path|dir|file|cwd|host|user|home/i;
const PATH_LIKE = /^(\/|[A-Za-z]:\\|\.{1,2}\/|~\/)|\/(home|root|tmp|work|Users)\//;

/** Drops keys and values that could reveal the server's filesystem or people. */
export function scrubMetadata(value: unknown, depth = 0): unknown {
  if (depth > 6) return undefined;
  if (typeof value === 'string') return PATH_LIKE.test(value) ? undefined : value;
  if (Array.isArray(value))
    return value.map((v) => scrubMetadata(v, depth + 1)).filter((v) => v !== undefined);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (UNSAFE_KEY.test(k)) continue;
      const s = scrubMetadata(v, depth + 1);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value;
}

export function assembleBundle(parts: BundleParts, options: BundleOptions): ModelBundle {
  const threshold = parts.model.threshold;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`model threshold ${threshold} is not in (0, 1)`);
  const meta = scrubMetadata(parts.metadata);
  return {
    version: parts.version,
    source: parts.source,
    requested: parts.requested,
    model: parts.model,
    signature: parts.signature,
    metrics: parts.metrics,
    metadata:
      typeof meta === 'object' && meta !== null && !Array.isArray(meta)
        ? (meta as Record<string, unknown>)
        : {},
    synthetic: trainedOnSynthetic(parts.metadata),
    input: compileInput(parts.signature, options.policy),
    bands: resolveBands(parts.model, options.bandAlto, options.bandMedio),
    loadedAt: new Date().toISOString(),
  };
}

/**
 * Warm-up: the signature's example must validate and score to a probability, and explain must work.
 * A model that fails here is never swapped in.
 */
export function warmUp(bundle: ModelBundle): void {
  const rec = bundle.input.parseStudent(bundle.signature.example_request, null);
  const one = bundle.model.predictOne(rec);
  const many = bundle.model.predictProba([rec, rec]);
  if (!(one >= 0 && one <= 1)) throw new Error(`warm-up score ${one} is not a probability`);
  if (many.length !== 2 || Math.abs((many[0] as number) - one) > 1e-9)
    throw new Error('warm-up: predictProba and predictOne disagree on the signature example');
  const factors = bundle.model.explain(rec, 3);
  if (!Array.isArray(factors)) throw new Error('warm-up: explain did not return a list');
  // More rounds let V8 optimise the scoring and explanation paths before the first real request
  // (the first explanations build the per-model explainer and run unoptimised: ~30 ms, then 6-10 ms).
  for (let i = 0; i < 200; i++) bundle.model.predictOne(rec);
  for (let i = 0; i < 20; i++) bundle.model.explain(rec, 3);
}

export function bandOf(score: number, bands: BandCuts): 'alto' | 'medio' | 'baixo' {
  return score >= bands.alto ? 'alto' : score >= bands.medio ? 'medio' : 'baixo';
}
