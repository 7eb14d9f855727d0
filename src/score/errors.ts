import { defineErrors, EXIT } from '../core/error-base.js';

/**
 * Cohort scoring errors (`defasagem score` and `POST /score`). Messages never carry a name or an RA;
 * an upload is named "the uploaded file", never by the client's file name.
 */
export const SCORE_ERRORS = defineErrors('SCORE', {
  INPUT_UNSUPPORTED: {
    http: 415,
    exit: EXIT.invalidInput,
    title: 'The input is not a PEDE workbook, a CSV file or directory, or a table written by ingest',
    hint: 'Give an .xlsx workbook, a PEDE<YYYY>.csv file or a directory of them, or data/interim/<year>_normalized.parquet (or the modelling dataset); over HTTP upload an .xlsx or a .csv.',
  },
  YEAR_NOT_FOUND: {
    http: 400,
    exit: EXIT.notFound,
    title: 'The input has no data for the requested year',
    hint: 'Omit --year (or the year parameter) to score the latest year, or pick one of the years the message lists.',
  },
  YEAR_UNKNOWN: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The year of a CSV file cannot be told from its name',
    hint: 'Name the file PEDE<YYYY>.csv (e.g. PEDE2024.csv) or give the year (--year, or the year parameter).',
  },
  NO_STUDENTS: {
    http: 422,
    exit: EXIT.invalidInput,
    title: 'No student of the chosen year passed the data contract',
    hint: 'Every row was rejected: read the rejects (sheet, row, reason), fix the workbook and score again.',
  },
  CAPACITY_INVALID: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The capacity is not a share, a number of students or "expected"',
    hint: 'Write a share of the cohort as 30% (0–100%), a number of students as 120, or "expected" for the model\'s own rule (1.25 × the expected number lagging).',
  },
  OUTPUT_UNSUPPORTED: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The output file must end in .xlsx or .csv and must not be the input',
    hint: 'Pass a new file: --out scores.xlsx (a spreadsheet with an "about" sheet) or --out scores.csv (for a Portuguese Excel: ";" and decimal comma).',
  },
  MODEL_LOAD_FAILED: {
    http: 503,
    exit: EXIT.integrity,
    title: 'The model could not be read, parsed or compiled',
    hint: 'Read the reason, then fix the model source (`defasagem registry verify`, --model-version / MODEL_VERSION, MODEL_PATH); scoring never falls back to another model.',
  },
  UPLOAD_NOT_MULTIPART: {
    http: 415,
    exit: EXIT.invalidInput,
    title: 'POST /score takes a multipart/form-data upload',
    hint: 'Send the workbook or CSV as one file field of a multipart/form-data request, e.g. curl -F file=@PEDE2025.xlsx.',
  },
  UPLOAD_MISSING: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'The upload holds no file',
    hint: 'Send exactly one file field (any field name) with the workbook (.xlsx) or CSV.',
  },
  UPLOAD_TOO_LARGE: {
    http: 413,
    exit: EXIT.invalidInput,
    title: 'The uploaded file is larger than the server accepts',
    hint: 'Upload only the year to score (one sheet or one CSV), or raise SCORE_UPLOAD_LIMIT_BYTES on the server.',
  },
  UPLOAD_PARAMETER: {
    http: 400,
    exit: EXIT.invalidInput,
    title: 'A parameter of POST /score is not valid',
    hint: 'Parameters: year (YYYY), capacity (30%, 120 or expected), include_names (true or false), format (json or xlsx); see GET /docs.',
  },
});
