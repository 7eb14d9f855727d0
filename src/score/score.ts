/**
 * `defasagem score`: one year of a PEDE source → a ranked list a coordinator opens (xlsx or CSV).
 * The model is resolved from MODEL_VERSION exactly as the API resolves it (registry/load-resolved.ts,
 * no fallback); the input goes through ingest's readers and data contract (input.ts); every valid
 * student is scored, ranked, flagged (threshold or capacity) and explained (rank.ts); the file is
 * written crash-safely (temp file, fsync, rename), so a failure leaves no partial output.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { CORE_ERRORS } from '../core/core-errors.js';
import { writeFileDurable } from '../core/durable-fs.js';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import type { Reject } from '../data/normalise.js';
import { sourceFsError } from '../data/source.js';
import { trainedOnSynthetic } from '../model/provenance.js';
import type { MetricsFile } from '../model/types.js';
import { type LoadFailure, loadResolvedModel, type ResolvedModel } from '../registry/load-resolved.js';
import type { ModelSourceSettings } from '../registry/resolve.js';
import { renderCsv } from './csv.js';
import { SCORE_ERRORS } from './errors.js';
import { type Cohort, readCohortFile } from './input.js';
import {
  type CapacityOutcome,
  type CapacityRequest,
  type RankedCohort,
  rankCohort,
  resolveCapacity,
  scoreRecords,
} from './rank.js';
import { type ScoreContext, tableColumns } from './table.js';
import { renderXlsx } from './xlsx.js';

export type OutputFormat = 'xlsx' | 'csv';

export interface ScoreFileOptions {
  /** Workbook, CSV file or directory, or a parquet table written by ingest. */
  input: string;
  /** Output file: .xlsx or .csv. */
  out: string;
  /** Year to score (default: the latest in the input). */
  year?: number;
  /** MODEL_VERSION and the paths it resolves against (as the API reads them). */
  model: ModelSourceSettings;
  /** Null / absent: flag at the model's threshold. */
  capacity?: CapacityRequest | null;
  includeNames?: boolean;
  progress?: Progress;
  /** The date the list states (tests pin it). */
  now?: Date;
}

export interface ScoreSummary {
  input: {
    path: string;
    kind: Cohort['sourceKind'];
    sheet: string;
    year: number;
    years: number[];
    synthetic: boolean;
  };
  rows_scored: number;
  rows_rejected: number;
  rejects: Reject[];
  flagged: number;
  flag_rule: 'threshold' | 'capacity';
  capacity: CapacityOutcome | null;
  threshold: number;
  bands: { medio: number; alto: number };
  model: {
    version: string;
    source: 'dev' | 'registry';
    requested: string;
    learner: string;
    synthetic: boolean | null;
  };
  out: { path: string; format: OutputFormat; bytes: number };
  elapsed_ms: number;
}

/** The output format an --out path asks for; anything but .xlsx / .csv is refused before any work. */
export function outputFormatOf(out: string): OutputFormat {
  const ext = path.extname(out).toLowerCase();
  if (ext === '.xlsx' || ext === '.csv') return ext.slice(1) as OutputFormat;
  throw new AppError(SCORE_ERRORS.OUTPUT_UNSUPPORTED, `--out ${out} must end in .xlsx or .csv.`, { out });
}

const loadFailed: LoadFailure = (message, details, cause) =>
  new AppError(SCORE_ERRORS.MODEL_LOAD_FAILED, message, details, { cause });

/** Resolves MODEL_VERSION and loads the model, as the API does (no fallback). */
export function loadScoringModel(settings: ModelSourceSettings): Promise<ResolvedModel> {
  return loadResolvedModel(settings, loadFailed);
}

/** What the "Sobre" sheet needs to know about the model that scored. */
export interface ScoringModelInfo {
  readonly version: string;
  readonly source: 'dev' | 'registry';
  readonly model: { readonly learner: string };
  readonly metadata: unknown;
  readonly metrics: MetricsFile | null;
}

/** The "Sobre" facts: the model, the band cut-offs in use, names or not, the date. */
export function scoreContext(
  m: ScoringModelInfo,
  bands: { alto: number; medio: number },
  includeNames: boolean,
  at: Date,
): ScoreContext {
  return {
    modelVersion: m.version,
    modelSource: m.source,
    learner: m.model.learner,
    bands: { alto: bands.alto, medio: bands.medio },
    modelSynthetic: trainedOnSynthetic(m.metadata),
    metrics: m.metrics,
    includeNames,
    at,
  };
}

/** The output file's bytes in the asked format. */
export async function renderOutput(
  format: OutputFormat,
  ctx: ScoreContext,
  cohort: Cohort,
  ranked: RankedCohort,
): Promise<Buffer> {
  if (format === 'xlsx') return renderXlsx(ctx, cohort, ranked);
  return Buffer.from(renderCsv(tableColumns(ctx, ranked), ranked.students), 'utf8');
}

function writeOutput(out: string, bytes: Buffer): void {
  try {
    writeFileDurable(out, bytes);
  } catch (err) {
    throw new AppError(
      CORE_ERRORS.IO_FAILED,
      `Could not write ${out}: ${(err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message}.`,
      { path: out },
      { cause: err },
    );
  }
}

export async function scoreToFile(opts: ScoreFileOptions): Promise<ScoreSummary> {
  const started = performance.now();
  const progress = opts.progress ?? silentProgress;
  const format = outputFormatOf(opts.out);
  if (path.resolve(opts.out) === path.resolve(opts.input)) {
    throw new AppError(
      SCORE_ERRORS.OUTPUT_UNSUPPORTED,
      `--out ${opts.out} is the input file: it would be overwritten.`,
      {
        out: opts.out,
      },
    );
  }
  // A missing input is said before the model is even loaded.
  try {
    statSync(opts.input);
  } catch (err) {
    throw sourceFsError(err, opts.input);
  }

  progress.stage('Loading the model', 1);
  const m = await loadScoringModel(opts.model);
  progress.tick();
  progress.done();

  progress.stage('Reading the input', 1);
  const cohort = await readCohortFile(opts.input, {
    ...(opts.year !== undefined ? { year: opts.year } : {}),
    includeNames: opts.includeNames ?? false,
  });
  progress.tick();
  progress.done();

  const capacity = resolveCapacity(opts.capacity ?? null, m.metadata);
  const ranked = await rankCohort(m.model, cohort, scoreRecords(m.model, cohort), { capacity, progress });
  // Outside a server the model's own bands apply (a server may override them: RISK_BAND_*).
  const bands = { alto: m.model.riskBands.alto_from, medio: m.model.riskBands.medio_from };
  const ctx = scoreContext(m, bands, opts.includeNames ?? false, opts.now ?? new Date());

  progress.stage('Writing the list', 1);
  const bytes = await renderOutput(format, ctx, cohort, ranked);
  writeOutput(opts.out, bytes);
  progress.tick();
  progress.done();

  return {
    input: {
      path: path.resolve(opts.input),
      kind: cohort.sourceKind,
      sheet: cohort.sheet,
      year: cohort.year,
      years: cohort.years,
      synthetic: cohort.synthetic,
    },
    rows_scored: ranked.students.length,
    rows_rejected: cohort.rowsRejected,
    rejects: cohort.rejects,
    flagged: ranked.flagged,
    flag_rule: ranked.capacity ? 'capacity' : 'threshold',
    capacity: ranked.capacity,
    threshold: ranked.threshold,
    bands: { medio: ctx.bands.medio, alto: ctx.bands.alto },
    model: {
      version: m.version,
      source: m.source,
      requested: m.requested,
      learner: m.model.learner,
      synthetic: ctx.modelSynthetic,
    },
    out: { path: path.resolve(opts.out), format, bytes: bytes.length },
    elapsed_ms: Math.round(performance.now() - started),
  };
}
