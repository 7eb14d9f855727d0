/**
 * Parquet encoding of record tables with the canonical column order and types of STUDENT_FIELDS:
 * integers as INT32, indicators as DOUBLE, categories as STRING, all nullable.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { STUDENT_FIELDS } from '../core/student.js';

type BasicType = 'INT32' | 'DOUBLE' | 'STRING';

export interface ExtraColumn {
  readonly name: string;
  readonly type: BasicType;
}

export function studentColumns(): ExtraColumn[] {
  return STUDENT_FIELDS.map((f) => ({
    name: f.name,
    type: f.type === 'integer' ? 'INT32' : f.type === 'number' ? 'DOUBLE' : 'STRING',
  }));
}

/** Encodes `rows` with the given columns (in order) into a parquet file's bytes. */
export function encodeParquet(
  rows: readonly object[],
  columns: readonly ExtraColumn[],
  metadata: Record<string, string> = {},
): Uint8Array {
  const columnData = columns.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: true,
    data: rows.map((r) => ((r as Record<string, unknown>)[c.name] ?? null) as never),
  }));
  const buf = parquetWriteBuffer({
    columnData,
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: 'defasagem ingest',
  });
  return new Uint8Array(buf);
}
