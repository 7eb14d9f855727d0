/**
 * Examples of the OpenAPI document that the served model's own validator produces, so they cannot
 * drift from what the server answers: a batch with ids, and the 422 that a batch with three kinds of
 * mistakes really gets (built by running the bundle's parser on it).
 */
import { isAppError } from '../../core/error-base.js';
import type { ModelBundle } from '../bundle.js';

/** A batch of the signature's example student, twice, each with an id (a row-number style key). */
export function batchExample(example: Record<string, unknown>): Record<string, unknown> {
  return {
    instances: [
      { id: 'linha-1', ...example },
      { id: 'linha-2', ...example },
    ],
  };
}

/**
 * A batch whose 2nd student has a number sent as a string, whose 3rd lacks a required field and has
 * a CPF-shaped id, and the error the bundle's parser gives it. Null when the signature has no
 * numeric or required field to break, or (a bug) the parser accepts the batch.
 */
export function invalidBatchExample(
  b: ModelBundle,
): { request: Record<string, unknown>; response: Record<string, unknown> } | null {
  const example = b.signature.example_request;
  const numeric = b.signature.inputs.find(
    (f) => f.type !== 'category' && typeof example[f.name] === 'number',
  );
  const required = b.signature.inputs.find((f) => !f.nullable);
  if (!numeric || !required) return null;
  const { [required.name]: _dropped, ...withoutRequired } = example;
  const request = {
    instances: [
      { id: 'linha-1', ...example },
      { id: 'linha-2', ...example, [numeric.name]: String(example[numeric.name]) },
      { id: '12345678909', ...withoutRequired },
    ],
  };
  try {
    b.input.parseBody(request);
  } catch (err) {
    if (isAppError(err)) return { request, response: { error: err.toJSON() } };
    throw err;
  }
  return null;
}
