/**
 * Reading the modelling dataset (and the normalised yearly tables) written by `ingest`. Training goes through here so a wrong or
 * hand-edited file fails with one clear error naming the column and rule, instead of a NaN later.
 */
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { AppError } from '../core/error-base.js';
import { STUDENT_FIELDS, TARGET_COLUMN } from '../core/student.js';
import { DATA_ERRORS } from './errors.js';
import type { NormalisedRecord } from './normalise.js';
import type { ModelingRow } from './transitions.js';

export type { ModelingRow } from './transitions.js';

export interface ModelingDatasetInfo {
  readonly rows: ModelingRow[];
  /** True when the rows came from a synthetic workbook. */
  readonly synthetic: boolean;
  readonly sourceSha256: string | null;
}

/** Reads and validates the modelling dataset; see readModelingDatasetWithInfo for its provenance. */
export async function readModelingDataset(path: string): Promise<ModelingRow[]> {
  return (await readModelingDatasetWithInfo(path)).rows;
}

/** `bytes`: the file's content already in memory (`path` then only names it in messages). */
export async function readModelingDatasetWithInfo(
  path: string,
  bytes?: Uint8Array,
): Promise<ModelingDatasetInfo> {
  const t = await readStudentTable(path, 'modeling', bytes);
  return { rows: t.rows as unknown as ModelingRow[], synthetic: t.synthetic, sourceSha256: t.sourceSha256 };
}

export interface InterimTableInfo {
  /** Records of one year with their RA (the join key), as `ingest` wrote them. */
  readonly rows: NormalisedRecord[];
  readonly synthetic: boolean;
  readonly sourceSha256: string | null;
}

/**
 * Reads and validates a normalised yearly table (`interim/<year>_normalized.parquet`): the same checks
 * as the modelling dataset, with an RA column instead of the label (cohort scoring reads these).
 */
export async function readInterimTable(path: string): Promise<InterimTableInfo> {
  const t = await readStudentTable(path, 'interim');
  return {
    rows: t.rows as unknown as NormalisedRecord[],
    synthetic: t.synthetic,
    sourceSha256: t.sourceSha256,
  };
}

/** Whether a parquet file is a modelling dataset (has the label) or an interim yearly table (has RA). */
export type StudentTableKind = 'modeling' | 'interim';

export interface StudentTable {
  readonly kind: StudentTableKind;
  /** Validated records (plus `em_risco` and `aluno_id`, or `ra`, by kind). */
  readonly rows: Record<string, unknown>[];
  readonly synthetic: boolean;
  readonly sourceSha256: string | null;
}

/**
 * Reads either table `ingest` writes and validates it against the data contract; `auto` tells them
 * apart by their columns (the label column makes a modelling dataset).
 */
export async function readStudentTable(
  path: string,
  want: StudentTableKind | 'auto',
  given?: Uint8Array,
): Promise<StudentTable> {
  let bytes: Uint8Array;
  try {
    bytes = given ?? readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT')
      throw new AppError(DATA_ERRORS.DATASET_NOT_FOUND, `No modelling dataset at ${path}.`, { path });
    throw new AppError(
      DATA_ERRORS.DATASET_INVALID,
      `Cannot read ${path}: ${code ?? (err as Error)?.message}.`,
      {
        path,
      },
    );
  }
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let raw: Record<string, unknown>[];
  let columns: string[];
  let kv: Record<string, string> = {};
  try {
    const meta = parquetMetadata(ab);
    columns = parquetSchema(meta).children.map((c) => c.element.name);
    kv = Object.fromEntries((meta.key_value_metadata ?? []).map((e) => [e.key, e.value ?? '']));
    raw = await parquetReadObjects({ file: ab, metadata: meta });
  } catch (err) {
    throw new AppError(
      DATA_ERRORS.DATASET_INVALID,
      `${path} is not a readable parquet file (${(err as Error)?.message ?? 'unknown reason'}).`,
      { path },
    );
  }
  const kind: StudentTableKind =
    want !== 'auto' ? want : columns.includes(TARGET_COLUMN) ? 'modeling' : 'interim';
  const expected = [
    ...STUDENT_FIELDS.map((f) => f.name as string),
    kind === 'modeling' ? TARGET_COLUMN : 'ra',
  ];
  const missing = expected.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new AppError(DATA_ERRORS.DATASET_INVALID, `${path} lacks columns: ${missing.join(', ')}.`, {
      path,
      missing,
    });
  }
  const forbidden = columns.filter((c) => (kind === 'modeling' ? /^(ra|nome.*)$/i : /^nome.*$/i).test(c));
  if (forbidden.length > 0) {
    throw new AppError(
      DATA_ERRORS.DATASET_INVALID,
      `${path} holds identifying columns: ${forbidden.join(', ')}.`,
      {
        path,
        forbidden,
      },
    );
  }
  if (raw.length === 0) {
    throw new AppError(DATA_ERRORS.DATASET_INVALID, `${path} has no rows.`, { path });
  }

  const problems: string[] = [];
  const rows: Record<string, unknown>[] = new Array(raw.length);
  for (let i = 0; i < raw.length && problems.length < 10; i++) {
    const r = raw[i]!;
    const out: Record<string, unknown> = {};
    for (const f of STUDENT_FIELDS) {
      let v = r[f.name];
      if (typeof v === 'bigint') v = Number(v);
      if (v === undefined || v === null) {
        if (!f.nullable) problems.push(`row ${i + 1} ${f.name}: empty`);
        out[f.name] = null;
        continue;
      }
      if (f.type === 'category') {
        if (typeof v !== 'string' || !f.categories!.includes(v))
          problems.push(`row ${i + 1} ${f.name}: not a category`);
      } else if (typeof v !== 'number' || !Number.isFinite(v)) {
        problems.push(`row ${i + 1} ${f.name}: not a number`);
      } else if (
        (f.type === 'integer' && !Number.isInteger(v)) ||
        (f.min !== undefined && v < f.min) ||
        (f.max !== undefined && v > f.max)
      ) {
        problems.push(`row ${i + 1} ${f.name}: ${v} breaks the contract`);
      }
      out[f.name] = v;
    }
    if (kind === 'modeling') {
      const y = typeof r[TARGET_COLUMN] === 'bigint' ? Number(r[TARGET_COLUMN]) : r[TARGET_COLUMN];
      if (y !== 0 && y !== 1) problems.push(`row ${i + 1} ${TARGET_COLUMN}: must be 0 or 1`);
      out[TARGET_COLUMN] = y;
      if (typeof r.aluno_id === 'string') out.aluno_id = r.aluno_id;
    } else {
      // The RA's value is never quoted in a problem.
      if (typeof r.ra !== 'string' || r.ra.trim() === '') problems.push(`row ${i + 1} ra: empty`);
      out.ra = r.ra;
    }
    rows[i] = out;
  }
  if (problems.length > 0) {
    throw new AppError(
      DATA_ERRORS.DATASET_INVALID,
      `${path} breaks the data contract: ${problems.join('; ')}.`,
      {
        path,
        problems,
      },
    );
  }
  return { kind, rows, synthetic: kv.synthetic === 'true', sourceSha256: kv.source_sha256 ?? null };
}
