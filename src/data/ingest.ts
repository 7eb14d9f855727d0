/**
 * `defasagem ingest`: PEDE workbook (or CSV directory) → normalised yearly tables, rejects, the
 * modelling dataset and its data card. Everything is validated in memory first; outputs are then
 * published atomically (see atomic-output.ts), so a failure never leaves a half-written directory.
 */
import path from 'node:path';
import { AppError } from '../core/error-base.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { TARGET_COLUMN } from '../core/student.js';
import { publishOutputs } from './atomic-output.js';
import { buildDataCard } from './data-card.js';
import { DATA_ERRORS } from './errors.js';
import { type NormaliseResult, normaliseSheets, type Reject } from './normalise.js';
import { type ExtraColumn, encodeParquet, studentColumns } from './parquet.js';
import { type RawSource, readSource } from './source.js';
import { buildTransitions, type TransitionStats } from './transitions.js';

export interface IngestOptions {
  /** An .xlsx workbook or a directory of PEDE<YYYY>.csv files. */
  source: string;
  /** Root of the outputs: `<outDir>/interim`, `<outDir>/processed`. */
  outDir: string;
  progress?: Progress;
}

export interface IngestSummary {
  source: { path: string; kind: 'xlsx' | 'csv'; sha256: string };
  synthetic: boolean;
  years: {
    year: number;
    sheet: string;
    rowsRead: number;
    rowsNormalised: number;
    rowsRejected: number;
    /** Ages that disagreed with the birth year and were replaced by it (see reconcileAge). */
    agesReplacedByBirthYear: number;
  }[];
  rejects: number;
  transitions: TransitionStats[];
  modelingRows: number;
  positives: number;
  outputs: {
    interim: string[];
    rejects: string;
    modelingDataset: string;
    dataCard: string;
  };
  elapsedMs: number;
}

export const MODELING_COLUMNS: readonly ExtraColumn[] = [
  ...studentColumns(),
  { name: TARGET_COLUMN, type: 'INT32' },
  { name: 'aluno_id', type: 'STRING' },
];

const INTERIM_COLUMNS: readonly ExtraColumn[] = [{ name: 'ra', type: 'STRING' }, ...studentColumns()];

/**
 * Reads a workbook or CSV directory and applies the data contract, without writing anything: per-year
 * records with RA (for cohort scoring) plus the rejects. Throws the same AppErrors as `ingest`.
 */
export async function readNormalisedSource(source: string): Promise<NormaliseResult & { source: RawSource }> {
  const raw = await readSource(source);
  return { source: raw, ...normaliseSheets(raw.sheets) };
}

/** The source read, the data contract applied and the transitions joined: what every output is made of. */
async function readAndJoin(sourcePath: string, progress: Progress) {
  progress.stage('Reading source', 1);
  const source = await readSource(sourcePath);
  progress.tick();
  progress.done();

  progress.stage('Applying the data contract', source.sheets.length);
  const { years, rejects } = normaliseSheets(source.sheets);
  progress.tick(source.sheets.length);
  progress.done();

  const { rows: modeling, stats } = buildTransitions(years);
  if (modeling.length === 0) {
    const have = years.map((y) => y.year).join(', ');
    throw new AppError(
      DATA_ERRORS.NO_TRANSITIONS,
      stats.length === 0
        ? `No two consecutive years to join (years found: ${have}).`
        : `No student appears in two consecutive years (years found: ${have}).`,
      { years: years.map((y) => y.year) },
    );
  }
  const meta = { synthetic: String(source.synthetic), source_sha256: source.sha256 };
  return { source, years, rejects, modeling, stats, meta };
}

/**
 * The modelling dataset of a source in memory: the bytes `ingest` would write as
 * processed/modeling_dataset.parquet, with the same checks, and nothing written (the retraining command
 * trains on it when no --out-dir keeps ingest's outputs).
 */
export async function modelingDatasetOf(
  sourcePath: string,
  progress: Progress = silentProgress,
): Promise<{ bytes: Uint8Array; source: IngestSummary['source'] }> {
  const { source, modeling, meta } = await readAndJoin(sourcePath, progress);
  return {
    bytes: encodeParquet(modeling, MODELING_COLUMNS, meta),
    source: { path: source.path, kind: source.kind, sha256: source.sha256 },
  };
}

export async function ingest(opts: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const progress = opts.progress ?? silentProgress;
  const { source, years, rejects, modeling, stats, meta } = await readAndJoin(opts.source, progress);

  const files: Record<string, Uint8Array | string> = {};
  for (const y of years) {
    files[`interim/${y.year}_normalized.parquet`] = encodeParquet(y.records, INTERIM_COLUMNS, meta);
  }
  files['interim/rejects.csv'] = rejectsCsv(rejects);
  files['processed/modeling_dataset.parquet'] = encodeParquet(modeling, MODELING_COLUMNS, meta);
  const outputs = [...Object.keys(files), 'processed/data_card.json'];
  const card = buildDataCard({
    source,
    years,
    rejects,
    transitions: stats,
    modeling,
    modelingColumns: MODELING_COLUMNS.map((c) => c.name),
    outputs,
  });
  files['processed/data_card.json'] = `${JSON.stringify(card, null, 2)}\n`;

  progress.stage('Writing outputs', 1);
  publishOutputs(opts.outDir, files);
  progress.tick();
  progress.done();

  const abs = (rel: string) => path.resolve(opts.outDir, rel);
  return {
    source: { path: source.path, kind: source.kind, sha256: source.sha256 },
    synthetic: source.synthetic,
    years: years.map((y) => ({
      year: y.year,
      sheet: y.sheet,
      rowsRead: y.rowsRead,
      rowsNormalised: y.records.length,
      rowsRejected: y.rowsRejected,
      agesReplacedByBirthYear: y.ageCheck.replaced,
    })),
    rejects: rejects.length,
    transitions: stats,
    modelingRows: modeling.length,
    positives: modeling.reduce((s, r) => s + r.em_risco, 0),
    outputs: {
      interim: years.map((y) => abs(`interim/${y.year}_normalized.parquet`)),
      rejects: abs('interim/rejects.csv'),
      modelingDataset: abs('processed/modeling_dataset.parquet'),
      dataCard: abs('processed/data_card.json'),
    },
    elapsedMs: Math.round(performance.now() - started),
  };
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** sheet,row,column,reason — one line per violation; reasons never contain names or RA. */
export function rejectsCsv(rejects: readonly Reject[]): string {
  const lines = ['sheet,row,column,reason'];
  for (const r of rejects) lines.push([r.sheet, r.row, r.column, r.reason].map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
