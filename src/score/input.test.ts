/**
 * Reading a cohort: hand-typed workbooks and CSV files through ingest's readers and data contract.
 * Rejects are reported with sheet, row and reason (never a name or an RA), turma and names traced back
 * to the student's own row, names only when asked.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingest } from '../data/ingest.js';
import { appErrorOf, HEADERS_2023, row2023, tmpDir, writeXlsx } from '../data/testing/support.js';
import { readCohortFile, readCohortUpload, zipUnpackedSize } from './input.js';

const HEADERS = [...HEADERS_2023, 'Turma'];
const row = (n: number, over: Record<string, string | number | null> = {}) => [
  ...row2023(n, over),
  over.Turma === undefined ? `2${String.fromCharCode(64 + n)}` : over.Turma,
];

async function workbook(dir: string): Promise<string> {
  return writeXlsx(dir, 'pede.xlsx', [
    {
      sheet: 'PEDE2022',
      data: [
        ['RA', 'Fase'],
        ['RA-9', 1],
      ],
    }, // lacks columns: must not block 2023
    {
      sheet: 'PEDE2023',
      data: [
        HEADERS,
        row(1),
        row(2, { IDA: null, IEG: 'INCLUIR' }),
        row(3, { Fase: 'FASE X', 'Nome Anonimizado': 'Maria da Silva' }),
        row(4, { IAN: 'Maria da Silva', RA: 'RA-1' }),
        [],
        row(5, { Turma: null }),
      ],
    },
  ]);
}

describe('readCohortFile', () => {
  const dir = tmpDir('defasagem-score-input-');

  it('scores the latest sheet by default, keeps RA and turma, leaves names out, reports rejects', async () => {
    const c = await readCohortFile(await workbook(dir));
    expect(c).toMatchObject({ year: 2023, sheet: 'PEDE2023', sourceKind: 'xlsx', years: [2022, 2023] });
    expect(c.students.map((s) => [s.ra, s.turma, s.sourceRow, s.nome])).toEqual([
      ['RA-1', '2A', 2, null],
      ['RA-2', '2B', 3, null],
      ['RA-5', null, 7, null],
    ]);
    // Missing indicators are kept as missing, never a reason to drop the student.
    expect(c.students[1]!.record).toMatchObject({ ida: null, ieg: null, fase: 2, ano_base: 2023 });
    expect(Object.keys(c.students[0]!.record)).not.toContain('ra');
    expect(c.rowsRejected).toBe(2);
    expect(c.rejects.map((r) => [r.sheet, r.row, r.column])).toEqual([
      ['PEDE2023', 4, 'Fase'],
      ['PEDE2023', 5, 'RA'],
      ['PEDE2023', 5, 'IAN'],
    ]);
    expect(c.rejects[1]!.reason).toContain('duplicate RA (first seen at row 2)');
    const text = JSON.stringify(c.rejects);
    expect(text).not.toContain('Maria');
    expect(text).not.toContain('RA-1');
  });

  it('reads names only with includeNames, from the row of each student', async () => {
    const c = await readCohortFile(await workbook(dir), { includeNames: true });
    expect(c.students.map((s) => s.nome)).toEqual(['Aluno-1', 'Aluno-2', 'Aluno-5']);
  });

  it('refuses a year the input lacks, naming the years it has; a sheet without the needed columns names them', async () => {
    const file = await workbook(dir);
    const e = await appErrorOf(() => readCohortFile(file, { year: 2025 }));
    expect(e.code).toBe('DEF_ERR_SCORE_YEAR_NOT_FOUND');
    expect(e.message).toContain('years found: 2022, 2023');
    const cols = await appErrorOf(() => readCohortFile(file, { year: 2022 }));
    expect(cols.code).toBe('DEF_ERR_DATA_COLUMNS_MISSING');
    expect(cols.message).toContain('PEDE2022: Defasagem or Fase Ideal, Idade or Ano nasc or Data de Nasc');
  });

  it('says so when every row of the year is rejected', async () => {
    const file = await writeXlsx(dir, 'bad.xlsx', [
      { sheet: 'PEDE2023', data: [HEADERS, row(1, { Fase: 'x' })] },
    ]);
    const e = await appErrorOf(() => readCohortFile(file));
    expect(e.code).toBe('DEF_ERR_SCORE_NO_STUDENTS');
    expect(e.message).toContain('row 2, Fase');
  });

  it('reads a directory of CSV files, one CSV file, and the interim parquet ingest writes', async () => {
    const csvDir = path.join(dir, 'csv');
    mkdirSync(csvDir);
    const lines = [HEADERS, row(1), row(2)].map((r) => r.map((v) => (v === null ? '' : String(v))).join(';'));
    writeFileSync(path.join(csvDir, 'PEDE2023.csv'), `\uFEFF${lines.join('\r\n')}\r\n`);
    const fromDir = await readCohortFile(csvDir);
    expect(fromDir).toMatchObject({ year: 2023, sourceKind: 'csv' });
    expect(fromDir.students.map((s) => [s.ra, s.turma, s.sourceRow])).toEqual([
      ['RA-1', '2A', 2],
      ['RA-2', '2B', 3],
    ]);
    const one = await readCohortFile(path.join(csvDir, 'PEDE2023.csv'));
    expect(one.students.map((s) => s.record)).toEqual(fromDir.students.map((s) => s.record));
    writeFileSync(path.join(dir, 'turma.csv'), lines.join('\n'));
    const noYear = await appErrorOf(() => readCohortFile(path.join(dir, 'turma.csv')));
    expect(noYear.code).toBe('DEF_ERR_SCORE_YEAR_UNKNOWN');
    expect((await readCohortFile(path.join(dir, 'turma.csv'), { year: 2023 })).students).toHaveLength(2);

    // ingest needs two consecutive years: write 2022 and 2023 as CSV and read its interim 2023 table.
    writeFileSync(
      path.join(csvDir, 'PEDE2022.csv'),
      lines.map((l) => l.replace(/;2023;/g, ';2022;')).join('\n'),
    );
    const s = await ingest({ source: csvDir, outDir: path.join(dir, 'data') });
    const interim = s.outputs.interim.find((f) => f.includes('2023'))!;
    const fromParquet = await readCohortFile(interim);
    expect(fromParquet).toMatchObject({ year: 2023, sourceKind: 'interim' });
    expect(fromParquet.students.map((x) => [x.ra, x.record])).toEqual(
      fromDir.students.map((x) => [x.ra, x.record]),
    );
    const modeling = await readCohortFile(s.outputs.modelingDataset, { year: 2022 });
    expect(modeling.sourceKind).toBe('modeling');
    expect(modeling.students.every((x) => x.ra === null)).toBe(true);
  });
});

describe('readCohortUpload', () => {
  const dir = tmpDir('defasagem-score-upload-');

  it('reads a workbook from memory, naming it "the uploaded file" in messages', async () => {
    const bytes = readFileSync(await workbook(dir));
    const c = await readCohortUpload({ bytes, filename: 'Turma da Maria.xlsx' });
    expect(c.students).toHaveLength(3);
    const e = await appErrorOf(() =>
      readCohortUpload({ bytes: bytes.subarray(0, 200), filename: 'Maria.xlsx' }),
    );
    expect(e.code).toBe('DEF_ERR_DATA_SOURCE_UNREADABLE');
    expect(e.message).toContain('the uploaded file');
    expect(JSON.stringify(e.toJSON())).not.toContain('Maria');
  });

  it('measures how large a workbook unpacks before unpacking it', async () => {
    const bytes = readFileSync(await workbook(dir));
    const declared = zipUnpackedSize(bytes)!;
    expect(declared).toBeGreaterThan(bytes.length);
    expect(zipUnpackedSize(Buffer.from('not a zip at all, not even close to one'))).toBeNull();
    const pede = process.env.PEDE_XLSX;
    // 4,990,508: the total `unzip -l` lists for the real workbook.
    if (pede) expect(zipUnpackedSize(readFileSync(pede))).toBe(4_990_508);
  });
});
