import { defineErrors, EXIT } from '../core/error-base.js';

/** Ingestion, modelling-dataset and synthetic-data errors. Messages never carry names or RA values. */
export const DATA_ERRORS = defineErrors('DATA', {
  SOURCE_UNREADABLE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The source file could not be read as a workbook or CSV',
    hint: 'Pass a PEDE .xlsx workbook or a directory of per-year CSV files; check that the file is not corrupt or locked.',
  },
  SOURCE_EMPTY: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The source file or directory is empty',
    hint: 'Pass the PEDE workbook itself (.xlsx) or a directory holding files such as PEDE2023.csv.',
  },
  SOURCE_LOCKED: {
    http: 400,
    exit: EXIT.environment,
    title: 'The source file cannot be opened (permission denied or locked)',
    hint: 'Close the file in Excel or any other program, check its permissions, then run the command again.',
  },
  NOT_PEDE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The source is not a PEDE workbook: no yearly sheet or file was found',
    hint: 'Yearly data must be in sheets (or CSV files) named PEDE<YYYY>, e.g. PEDE2023; `defasagem synth` writes an example.',
  },
  COLUMNS_MISSING: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A yearly sheet lacks columns the data contract requires',
    hint: 'Add or rename the listed columns (headers are matched ignoring case, accents and year suffixes); see docs/data.md for the accepted names.',
  },
  NO_TRANSITIONS: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'No student-year transition could be built',
    hint: 'The modelling dataset needs two consecutive years (e.g. PEDE2023 and PEDE2024) with students in common by RA.',
  },
  DATASET_NOT_FOUND: {
    http: 404,
    exit: EXIT.notFound,
    title: 'The modelling dataset file does not exist',
    hint: 'Run `defasagem ingest --source <workbook.xlsx>` first; it writes data/processed/modeling_dataset.parquet.',
  },
  DATASET_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The modelling dataset is unreadable or does not follow the data contract',
    hint: 'Regenerate it with `defasagem ingest`; do not edit the parquet file by hand.',
  },
  SYNTH_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'Invalid options for the synthetic workbook',
    hint: 'Use --students between 10 and 100000, --years as a range like 2022-2024 or a list like 2022,2023, and an --out file ending in .xlsx.',
  },
});
