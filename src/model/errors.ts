import { defineErrors, EXIT } from '../core/error-base.js';

/** Model file and prediction-input errors. */
export const MODEL_ERRORS = defineErrors('MODEL', {
  FORMAT_INVALID: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The model file is not a valid defasagem model',
    hint: 'Train again with `defasagem train`, or point MODEL_PATH / MODEL_VERSION at a valid model.',
  },
  FORMAT_VERSION_UNSUPPORTED: {
    http: 500,
    exit: EXIT.integrity,
    title: 'The model file was written in a format version this program does not read',
    hint: 'Use the defasagem release that trained the model, or train again with this release.',
  },
});
