/**
 * Defaults that the CLI's options and the start job share, written once: `defasagem synth` and
 * `defasagem train` show them in --help, and `npm start` uses the same ones on a fresh clone.
 */
export const DEFAULTS = {
  /** Random seed of synth and train: the same data and seed give the same workbook and model. */
  seed: 42,
  /** Students in the first year of a synthetic workbook. */
  syntheticStudents: 1000,
  /** Years of a synthetic workbook, as `defasagem synth --years` takes them. */
  syntheticYears: '2022-2024',
  /** Root of ingest's outputs (interim/, processed/); the start job also looks in its raw/. */
  dataDir: 'data',
  /** Where training writes the development artifacts. */
  artifactsDir: 'artifacts',
} as const;
