import { type Command, InvalidArgumentError } from 'commander';
import { loadAppSettings } from '../../app/settings.js';
import { emit, progressFor } from '../output.js';

const yearOption = (raw: string): number => {
  const y = Number(raw);
  if (!/^\d{4}$/.test(raw.trim()) || y < 2000 || y > 2100)
    throw new InvalidArgumentError(`--year must be a year like 2024, got "${raw}"`);
  return y;
};

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

interface ScoreOpts {
  input: string;
  out: string;
  year?: number;
  modelVersion?: string;
  registry?: string;
  capacity?: string;
  includeNames?: boolean;
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'Score every student of one year of a PEDE workbook (or CSV, or a table written by ingest) with the model MODEL_VERSION names (resolved as the API resolves it) and write the ranked list for the coordination: xlsx with an "about" sheet, or CSV for a Portuguese Excel.',
    )
    .requiredOption(
      '--input <path>',
      'PEDE .xlsx workbook, a PEDE<YYYY>.csv file or a directory of them, or data/interim/<year>_normalized.parquet',
    )
    .requiredOption('--out <file>', 'where to write the list: .xlsx or .csv')
    .option('--year <yyyy>', 'year to score (default: the latest in the input)', yearOption)
    .option(
      '--model-version <v>',
      'model to use: "" = development files (MODEL_PATH...), "champion", or vX.Y.Z (default: env MODEL_VERSION)',
    )
    .option('--registry <dir>', 'model registry (default: env REGISTRY_DIR, models/registry)')
    .option(
      '--capacity <n|k%|expected>',
      'flag only the top students the team can follow: a share (30%), a number (120) or "expected" (1.25 × the expected number lagging); default: every student at or above the threshold',
    )
    .option('--include-names', "add the students' names (personal data: LGPD) to the list")
    .addHelpText(
      'after',
      '\nThe list holds RA (to find each student in the source file); names only with --include-names.\nRows that break the data contract are reported (sheet, row, reason), never dropped silently.',
    )
    .action(async (opts: ScoreOpts, cmd: Command) => {
      const { scoreToFile, outputFormatOf } = await import('../../score/score.js');
      const { parseCapacity } = await import('../../score/rank.js');
      outputFormatOf(opts.out);
      const capacity = opts.capacity === undefined ? null : parseCapacity(opts.capacity);
      // The same settings the server reads, with the flags on top.
      const s = loadAppSettings().server;
      const s2 = await scoreToFile({
        input: opts.input,
        out: opts.out,
        ...(opts.year !== undefined ? { year: opts.year } : {}),
        model: {
          modelVersion: opts.modelVersion ?? s.modelVersion,
          modelPath: s.modelPath,
          metadataPath: s.metadataPath,
          signaturePath: s.signaturePath,
          registryDir: opts.registry ?? s.registryDir,
        },
        capacity,
        includeNames: opts.includeNames ?? false,
        progress: progressFor(cmd),
      });
      emit(cmd, s2, () =>
        [
          s2.input.synthetic || s2.model.synthetic
            ? `⚠ DADOS SINTÉTICOS: ${[s2.model.synthetic ? 'the model was trained on synthetic data' : '', s2.input.synthetic ? 'the input is synthetic' : ''].filter(Boolean).join('; ')}.`
            : '',
          `input       ${s2.input.sheet} (${s2.input.kind}), year ${s2.input.year} of ${s2.input.years.join(', ')}`,
          `model       ${s2.model.version} (${s2.model.source}, ${s2.model.learner}), threshold ${pct(s2.threshold)}`,
          `scored      ${s2.rows_scored} students, ${s2.rows_rejected} rows rejected`,
          ...s2.rejects.map((r) => `  reject    ${r.sheet} row ${r.row}, ${r.column}: ${r.reason}`),
          s2.capacity
            ? `flagged     ${s2.flagged} within capacity (limit ${s2.capacity.limit}${s2.capacity.tiesLeftOut ? `, ${s2.capacity.tiesLeftOut} tied students left out` : ''})`
            : `flagged     ${s2.flagged} at or above the threshold`,
          `written     ${s2.out.path} (${s2.out.format}, ${s2.out.bytes} bytes) in ${s2.elapsed_ms} ms`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
}
