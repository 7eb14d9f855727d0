import { defineErrors, EXIT } from '../core/error-base.js';

/** HTTP API errors. */
export const SERVE_ERRORS = defineErrors('API', {
  NOT_READY: {
    http: 503,
    exit: EXIT.environment,
    title: 'No model is loaded',
    hint: 'Check GET /ready for the reason; fix the model source (MODEL_VERSION, REGISTRY_DIR, MODEL_PATH).',
  },
});
