/**
 * The server's own load and warm-up, run by `register` and `promote`: a version the API would refuse
 * (a signature it cannot compile an input validator from, an example request that validator refuses,
 * a model file with the right header and a broken learner, a model that does not score its own
 * signature example) is refused here with MODEL_UNLOADABLE, before it can become the champion.
 */

import { AppError, isAppError } from '../core/error-base.js';
import { STUDENT_FIELD_NAMES, type StudentRecord } from '../core/student.js';
import { compileInputFields, inputSchemaProblems } from '../model/input-schema.js';
import { loadModel } from '../model/load.js';
import type { ModelSignature } from '../model/types.js';
import { REGISTRY_ERRORS } from './errors.js';

function unloadable(where: string, problem: string, cause?: unknown): AppError {
  return new AppError(
    REGISTRY_ERRORS.MODEL_UNLOADABLE,
    `${where}: the API would refuse this model: ${problem}.`,
    { where, problem },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The signature's example request through the validator the API compiles from the same signature
 * (model/input-schema.ts): every field valid, no field beyond the signature's; the record it becomes.
 */
function exampleRecord(signature: ModelSignature, where: string): StudentRecord {
  const problems = inputSchemaProblems(signature);
  if (problems.length > 0) {
    throw unloadable(
      where,
      `the API cannot compile an input validator from its signature (${problems.join('; ')})`,
    );
  }
  const fields = compileInputFields(signature);
  const example = signature.example_request as Record<string, unknown>;
  const known = new Set(fields.map((f) => String(f.spec.name)));
  const extra = Object.keys(example).filter((k) => !known.has(k));
  if (extra.length > 0)
    throw unloadable(
      where,
      `its example_request has fields the signature does not list (${extra.join(', ')})`,
    );
  const record = Object.fromEntries(STUDENT_FIELD_NAMES.map((name) => [name, null])) as Record<
    string,
    unknown
  >;
  for (const f of fields) {
    const value = example[f.spec.name];
    if (value === undefined || value === null) {
      if (!f.spec.nullable)
        throw unloadable(where, `its example_request lacks the required field ${f.spec.name}`);
      continue;
    }
    const rule = f.check(value);
    if (rule !== null)
      throw unloadable(
        where,
        `its example_request breaks the ${rule} rule of ${f.spec.name} (${f.expected})`,
      );
    record[f.spec.name] = value;
  }
  return record as unknown as StudentRecord;
}

const isProbability = (p: number) => p >= 0 && p <= 1;

/**
 * Validates the signature's example request with the API's own input checks, compiles the model file
 * with the model layer's `loadModel` (what every server does) and scores the example: one score, a
 * batch of two that agrees with it, and an explanation. `where` names the version or directory.
 */
export function checkLoadable(modelJson: unknown, signature: ModelSignature, where: string): void {
  if (typeof signature.example_request !== 'object' || signature.example_request === null) {
    throw unloadable(where, 'the signature has no example_request to warm the model up with');
  }
  const record = exampleRecord(signature, where);
  let model: ReturnType<typeof loadModel>;
  try {
    model = loadModel(modelJson);
  } catch (err) {
    throw unloadable(where, isAppError(err) ? err.message : String(err), err);
  }
  if (!(model.threshold > 0 && model.threshold < 1)) {
    throw unloadable(where, `its threshold ${model.threshold} is not strictly between 0 and 1`);
  }
  try {
    const one = model.predictOne(record);
    const batch = model.predictProba([record, record]);
    if (!isProbability(one))
      throw unloadable(where, `it scores the signature example ${one}, not a probability`);
    if (batch.length !== 2 || Math.abs(batch[0]! - one) > 1e-9) {
      throw unloadable(where, 'its batch and single scores of the signature example disagree');
    }
    if (!Array.isArray(model.explain(record, 3))) throw unloadable(where, 'its explanation is not a list');
  } catch (err) {
    if (isAppError(err)) throw err;
    throw unloadable(where, `scoring the signature example failed (${(err as Error).message})`, err);
  }
}
