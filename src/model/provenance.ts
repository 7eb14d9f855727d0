/**
 * Where a model's training data came from, as its metadata file (model_metadata.json) records it. The
 * registry copies it into the manifest at register time and the server shows it in every answer, so a
 * model trained on the synthetic workbook is never taken for a real one.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether the model was trained on synthetic data: the metadata's top-level `synthetic` (written since
 * it became a first-class field), else `data.synthetic` (what training wrote before); null when the
 * metadata says neither (a hand-made model file, or an unreadable metadata file).
 */
export function trainedOnSynthetic(metadata: unknown): boolean | null {
  if (!isObject(metadata)) return null;
  if (typeof metadata.synthetic === 'boolean') return metadata.synthetic;
  const data = metadata.data;
  return isObject(data) && typeof data.synthetic === 'boolean' ? data.synthetic : null;
}

/** sha256 of the workbook (or CSV folder) the training data was ingested from; null when not recorded. */
export function trainingSourceSha256(metadata: unknown): string | null {
  if (!isObject(metadata) || !isObject(metadata.data)) return null;
  const sha = metadata.data.source_sha256;
  return typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? sha : null;
}
