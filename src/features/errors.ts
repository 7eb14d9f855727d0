import { defineErrors, EXIT } from '../core/error-base.js';

/**
 * Feature pipeline errors. A model file's broken "features" block reaches users as
 * DEF_ERR_MODEL_FORMAT_INVALID (src/model/load.ts wraps this one); callers of the pipeline itself
 * (training, benchmarks) meet these codes directly.
 */
export const FEATURES_ERRORS = defineErrors('FEATURES', {
  PIPELINE_INVALID: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The feature pipeline (the "features" block of a model file) is not valid',
    hint: 'Train again with `defasagem train`; a hand-edited or damaged model file cannot be used.',
  },
  UNKNOWN_FEATURE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A feature list names a feature the catalogue does not have',
    hint: 'Use feature names from the catalogue in docs/model.md (the "features" list of the training config).',
  },
});
