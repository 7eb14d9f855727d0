import { defineErrors, EXIT } from '../core/error-base.js';

/** Ingestion and synthetic-data errors. */
export const DATA_ERRORS = defineErrors('DATA', {
  SOURCE_UNREADABLE: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The source file could not be read as a workbook or CSV',
    hint: 'Pass a PEDE .xlsx workbook or a directory of per-year CSV files; check that the file is not corrupt or locked.',
  },
});
