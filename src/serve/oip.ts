/**
 * Open Inference Protocol v2 (KServe V2 / Triton HTTP) as Triton's own clients speak it: model
 * metadata, Triton's model configuration and statistics extensions, and infer with named tensors in
 * JSON or with the binary tensor data extension, gzip/deflate bodies either way. One input tensor per
 * signature field, shape [n] (or [n, 1]); outputs risk_score (FP64), risk_label (INT32) and risk_band
 * (BYTES), each [n]. The parts live in ./oip/: the bytes around the JSON (body.ts), the binary
 * tensor layout (binary.ts), the request (request.ts), the answer (response.ts), config and stats.
 */
export { datatypeFor, modelConfig, modelMetadata } from './oip/config.js';
export { OIP_ERRORS } from './oip/errors.js';
export { type InferRequest, OIP_OUTPUTS, parseInferRequest, type RequestedOutput } from './oip/request.js';
export { type EncodedResponse, encodeInferResponse, OIP_MODEL_NAME } from './oip/response.js';
export { InferStatistics, type InferTimings } from './oip/stats.js';

/** `v1.2.0` and `1.2.0` name the same version. */
export function sameVersion(asked: string, loaded: string): boolean {
  const norm = (s: string) => s.trim().replace(/^v/i, '');
  return norm(asked) === norm(loaded);
}
