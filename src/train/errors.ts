import { defineErrors, EXIT } from '../core/error-base.js';

/** Training-run errors. */
export const TRAIN_ERRORS = defineErrors('TRAIN', {
  DATASET_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The modelling dataset is missing, unreadable or has the wrong columns',
    hint: 'Run `defasagem ingest` first and pass its data/processed/modeling_dataset.parquet with --data.',
  },
});
