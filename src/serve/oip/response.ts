/**
 * The answer to an inference request, laid out as Triton writes it: `id` (only when the request had
 * one), `model_name`, `model_version`, `outputs` in the order asked. An output asked for in binary
 * carries `parameters.binary_data_size` and its bytes follow the JSON header, in output order; the
 * answer then has Content-Type application/octet-stream and Inference-Header-Content-Length.
 */
import type { ModelBundle } from '../bundle.js';
import { encodeElements } from './binary.js';
import { OIP_OUTPUTS, type OutputName, type RequestedOutput } from './request.js';

export const OIP_MODEL_NAME = 'defasagem';

export interface EncodedResponse {
  body: Buffer;
  /** Byte length of the JSON header when binary outputs follow it; null for an all-JSON answer. */
  headerLength: number | null;
}

export function encodeInferResponse(
  b: ModelBundle,
  id: string | null,
  outputs: readonly RequestedOutput[],
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bands: readonly string[],
): EncodedResponse {
  const n = scores.length;
  const values: Record<OutputName, ArrayLike<number | string>> = {
    risk_score: scores,
    risk_label: labels,
    risk_band: bands,
  };
  const tails: Buffer[] = [];
  const described = outputs.map(({ name, binary }) => {
    const datatype = OIP_OUTPUTS.find((o) => o.name === name)!.datatype;
    if (!binary) return { name, datatype, shape: [n], data: Array.from(values[name]) };
    const bytes = encodeElements(datatype, values[name]);
    tails.push(bytes);
    return { name, datatype, shape: [n], parameters: { binary_data_size: bytes.length } };
  });
  const json = Buffer.from(
    JSON.stringify({
      ...(id !== null ? { id } : {}),
      model_name: OIP_MODEL_NAME,
      model_version: b.version,
      outputs: described,
    }),
    'utf8',
  );
  if (tails.length === 0) return { body: json, headerLength: null };
  return { body: Buffer.concat([json, ...tails]), headerLength: json.length };
}
