import { defineErrors, EXIT } from '../core/error-base.js';

/** Errors of `defasagem retrain` (the champion-vs-challenger comparison around training and the registry). */
export const RETRAIN_ERRORS = defineErrors('RETRAIN', {
  OPTIONS_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The retrain options contradict each other',
    hint: 'Give exactly one of --new-version vX.Y.Z and --bump major|minor|patch|auto; --force needs --promote and --reason; --dry-run writes nothing, so it takes no --out-dir or --artifacts.',
  },
  DATA_UNSUPPORTED: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The --data path is neither a PEDE workbook (or CSV folder) nor a modelling dataset',
    hint: 'Pass the PEDE .xlsx workbook, a folder of PEDE<YYYY>.csv files, or the modeling_dataset.parquet written by `defasagem ingest`.',
  },
  CHAMPION_NOT_COMPARABLE: {
    http: 409,
    exit: EXIT.policy,
    title:
      'The champion cannot be evaluated on rows it was not fitted on, so the challenger cannot be judged',
    hint: 'The data adds no label year the champion never saw and its recorded configuration cannot be developed again by this version of the code. Retrain with data that adds a year, or register and promote by hand (`registry register`, `registry promote --force --reason`).',
  },
});
