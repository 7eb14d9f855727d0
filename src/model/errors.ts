import { defineErrors, EXIT } from '../core/error-base.js';

/** Model file and prediction-input errors. */
export const MODEL_ERRORS = defineErrors('MODEL', {
  FORMAT_INVALID: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The model file is not a valid defasagem model',
    hint: 'Train again with `defasagem train`, or point MODEL_PATH / MODEL_VERSION at a valid model.',
  },
});
