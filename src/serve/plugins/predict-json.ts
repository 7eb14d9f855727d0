/**
 * The /predict response, written as JSON by hand: the very bytes JSON.stringify writes for the same
 * object (tested on real explanations, with and without ids, missing values and categories), without
 * JSON.stringify's generic walk over the object. Strings go through JSON.stringify (its exact
 * escaping), numbers through String (JSON.stringify's form for finite numbers; non-finite → null).
 *
 * The key lists below are checked against the types at compile time: a field added to Factor or to
 * the response fails the build here until it is written, so nothing is dropped silently.
 */
import type { Factor, RiskBand } from '../../model/types.js';

/** One prediction of /predict, in the order its fields are written. */
export interface ScoreOut {
  /** The student's own `id`, echoed when it sent one. */
  id?: string;
  risk_score: number;
  risk_label: 0 | 1;
  risk_band: RiskBand;
  model_version: string;
  /** The served model was trained on synthetic data (fake students); null when its metadata does not say. */
  synthetic: boolean | null;
  top_factors: Factor[];
}

const SCORE_KEYS = [
  'id',
  'risk_score',
  'risk_label',
  'risk_band',
  'model_version',
  'synthetic',
  'top_factors',
] as const;
const FACTOR_KEYS = [
  'feature',
  'label',
  'text',
  'value',
  'missing',
  'contribution',
  'contribution_unit',
  'effect_pp',
  'direction',
] as const;
/** `true` only when `Keys` names every key of T (and nothing else). */
type Covers<T, Keys extends readonly PropertyKey[]> = [Exclude<keyof T, Keys[number]>] extends [never]
  ? [Exclude<Keys[number], keyof T>] extends [never]
    ? true
    : false
  : false;
const scoreKeysCovered: Covers<ScoreOut, typeof SCORE_KEYS> = true;
const factorKeysCovered: Covers<Factor, typeof FACTOR_KEYS> = true;
void scoreKeysCovered;
void factorKeysCovered;

/**
 * What JSON.stringify escapes in a string: `"`, `\`, control characters and (well-formed stringify)
 * lone surrogates; any surrogate here, paired or not, so a string with one goes to JSON.stringify.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), byte for byte: a string with nothing to escape is only quoted (tested against
 * JSON.stringify on every kind of character it escapes). The factors' Portuguese texts have nothing to
 * escape, and JSON.stringify's own scan of a text with an em dash costs ~0.6 µs against ~0.25 µs here.
 */
export function str(s: string): string {
  return ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`;
}
const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * JSON of a string from a small fixed vocabulary (feature names, units, directions, bands, model
 * versions: the model's words, never the request's), escaped once and kept; past MAX_WORDS words it
 * stops keeping (a guard, not a limit any model reaches).
 */
const words = new Map<string, string>();
const MAX_WORDS = 512;
function word(s: string): string {
  let j = words.get(s);
  if (j === undefined) {
    j = JSON.stringify(s);
    if (words.size < MAX_WORDS) words.set(s, j);
  }
  return j;
}

function valueJson(v: Factor['value']): string {
  return v === null ? 'null' : typeof v === 'string' ? str(v) : num(v);
}

function factorJson(f: Factor): string {
  return `{"feature":${word(f.feature)},"label":${str(f.label)},"text":${str(f.text)},"value":${valueJson(f.value)},"missing":${f.missing},"contribution":${num(f.contribution)},"contribution_unit":${word(f.contribution_unit)},"effect_pp":${num(f.effect_pp)},"direction":${word(f.direction)}}`;
}

/** JSON.stringify(out), byte for byte. */
export function scoreJson(out: ScoreOut): string {
  const factors = out.top_factors;
  let s = out.id === undefined ? '{' : `{"id":${str(out.id)},`;
  s += `"risk_score":${num(out.risk_score)},"risk_label":${out.risk_label},"risk_band":${word(out.risk_band)},"model_version":${word(out.model_version)},"synthetic":${out.synthetic},"top_factors":[`;
  for (let i = 0; i < factors.length; i++)
    s += i === 0 ? factorJson(factors[i]!) : `,${factorJson(factors[i]!)}`;
  return `${s}]}`;
}

/** JSON.stringify({ model_version, synthetic, predictions }), byte for byte. */
export function batchJson(
  modelVersion: string,
  synthetic: boolean | null,
  predictions: readonly ScoreOut[],
): string {
  let s = `{"model_version":${word(modelVersion)},"synthetic":${synthetic},"predictions":[`;
  for (let i = 0; i < predictions.length; i++)
    s += i === 0 ? scoreJson(predictions[i]!) : `,${scoreJson(predictions[i]!)}`;
  return `${s}]}`;
}
