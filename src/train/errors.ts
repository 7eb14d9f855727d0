import { defineErrors, EXIT } from '../core/error-base.js';

/** Training-run errors. */
export const TRAIN_ERRORS = defineErrors('TRAIN', {
  DATASET_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The modelling dataset is missing, unreadable or has the wrong columns',
    hint: 'Run `defasagem ingest` first and pass its data/processed/modeling_dataset.parquet with --data.',
  },
  SPLIT_IMPOSSIBLE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The temporal split cannot be made: the test year has no rows or no earlier transitions exist',
    hint: 'Pass a --test-year that is a label year of the dataset and later than its first label year.',
  },
  TOO_FEW_ROWS: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Too few transitions for cross-fitting: a fold would be fitted on one class only',
    hint: 'Train on more transitions (ingest every PEDE year available), or lower "folds" in the --config file.',
  },
  CONFIG_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The training configuration file is unreadable or has invalid values',
    hint: 'Fix the listed keys in the --config JSON file; docs/model.md lists every key and its range.',
  },
  ARTIFACTS_DIR_FOREIGN: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The artifacts folder holds files that training did not write, so it will not be replaced',
    hint: 'Pass an empty or dedicated folder with --artifacts (training replaces the whole folder atomically).',
  },
  ARTIFACTS_WRITE_FAILED: {
    http: 500,
    exit: EXIT.environment,
    title: 'Writing the training artifacts failed',
    hint: 'Check permissions and free space in the artifacts folder; the previous artifacts were left untouched.',
  },
});
