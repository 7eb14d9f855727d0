/**
 * Which students each captured scenario sends, taken from the client's own JSON bodies (the
 * all-JSON captures), so a test can ask /predict for the same students and compare the scores.
 */
import { CAPTURES, type Capture, clientJsonHeader } from './replay.js';

/** The students each infer scenario carries (scripts/golden/tritonclient_capture.py, `scenarios`). */
export const ROWS: Readonly<Record<string, 'plain' | 'missing' | 'missing_fp32'>> = {
  infer_json: 'plain',
  infer_json_default_outputs: 'plain',
  infer_binary_outputs: 'plain',
  infer_mixed_outputs: 'plain',
  infer_id_parameters: 'plain',
  infer_versioned: 'plain',
  infer_deflate: 'plain',
  infer_json_nan: 'missing',
  infer_binary_nan_fp64: 'missing',
  infer_gzip: 'missing',
  infer_binary_nan_fp32: 'missing_fp32',
  // The error-shape probes sent an ordinary JSON request (the recording server canned the errors).
  error_json: 'plain',
  error_json_charset_extra: 'plain',
  error_object: 'plain',
  error_no_error_key: 'plain',
  error_text_plain: 'plain',
  error_empty: 'plain',
};
/** Python's None in a BYTES tensor travels as "None": not a category, so a 400 the client reads. */
export const REFUSED: ReadonlySet<string> = new Set(['infer_bytes_none_json', 'infer_bytes_none_binary']);
export const BANDS = ['alto', 'medio', 'baixo'];

export const capture = (id: string): Capture => {
  const c = CAPTURES.find((x) => x.id === id);
  if (!c) throw new Error(`no capture ${id}`);
  return c;
};
export const kindOf = (c: Capture): 'infer' | 'bool' | 'json' =>
  c.call.startsWith('infer(') ? 'infer' : c.call.startsWith('is_') ? 'bool' : 'json';

type Tensor = { name: string; datatype: string; data: unknown[] };
type Student = Record<string, unknown>;

function studentsOf(header: Record<string, unknown>): Student[] {
  const inputs = header.inputs as Tensor[];
  return inputs[0]!.data.map((_, i) => Object.fromEntries(inputs.map((t) => [t.name, t.data[i]])));
}
const PLAIN = studentsOf(clientJsonHeader(capture('http-infer_json')));
const MISSING = studentsOf(clientJsonHeader(capture('http-infer_json_nan')));
const FP64_FIELDS = new Set(
  (clientJsonHeader(capture('http-infer_json')).inputs as Tensor[])
    .filter((t) => t.datatype === 'FP64')
    .map((t) => t.name),
);
/** The FP32 capture's indicators are float32: the server sees exactly Math.fround of each. */
const MISSING_FP32 = MISSING.map((s) =>
  Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, FP64_FIELDS.has(k) && typeof v === 'number' ? Math.fround(v) : v]),
  ),
);

/** The students (for /predict, null = missing) that rows kind `k` stands for. */
export const STUDENTS: Readonly<Record<'plain' | 'missing' | 'missing_fp32', Student[]>> = {
  plain: PLAIN,
  missing: MISSING,
  missing_fp32: MISSING_FP32,
};
