import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { STUDENT_FIELD_NAMES } from '../core/student.js';
import { DATA_ERRORS } from './errors.js';
import { ingest, modelingDatasetOf } from './ingest.js';
import { readModelingDataset, readModelingDatasetWithInfo } from './modeling-dataset.js';
import { generateSyntheticWorkbook, type SynthCell, writeSyntheticWorkbook } from './synth.js';
import { appErrorOf, excelShownDate, HEADERS_2023, row2023, tmpDir, writeXlsx } from './testing/support.js';

/** A cell as a spreadsheet's "Save as CSV" writes it (dates as ISO text, decimal comma optional). */
function csvCell(c: SynthCell, decimalComma: boolean): string {
  if (c === null) return '';
  if (typeof c === 'object') return excelShownDate(c.value).toISOString().slice(0, 10);
  if (typeof c === 'number') return decimalComma ? String(c).replace('.', ',') : String(c);
  return /[",;\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
}

describe('CSV directory input', () => {
  it('gives the same tables as the workbook it was exported from (comma and semicolon CSV)', async () => {
    const opts = { students: 120, years: [2022, 2023, 2024], seed: 9 };
    const dir = tmpDir();
    const xlsx = path.join(dir, 'syn.xlsx');
    await writeSyntheticWorkbook(xlsx, opts);
    const csvDir = path.join(dir, 'csv');
    const wb = generateSyntheticWorkbook(opts);
    mkdirSync(csvDir);
    for (const s of wb.sheets.filter((s) => s.sheet.startsWith('PEDE'))) {
      const semicolon = s.sheet === 'PEDE2023';
      const text = s.data
        .map((r) => r.map((c) => csvCell(c, semicolon)).join(semicolon ? ';' : ','))
        .join('\r\n');
      writeFileSync(path.join(csvDir, `${s.sheet}.csv`), `\uFEFF${text}\n`);
    }
    writeFileSync(path.join(csvDir, 'README.txt'), 'not a year');
    const a = await ingest({ source: xlsx, outDir: path.join(dir, 'a') });
    const b = await ingest({ source: csvDir, outDir: path.join(dir, 'b') });
    expect(b.source.kind).toBe('csv');
    expect(b.rejects).toBe(0);
    expect(b.years.map((y) => y.rowsNormalised)).toEqual(a.years.map((y) => y.rowsNormalised));
    expect(b.transitions).toEqual(a.transitions);
    const strip = (rows: Awaited<ReturnType<typeof readModelingDataset>>) =>
      rows.map(({ aluno_id: _, ...r }) => r);
    expect(strip(await readModelingDataset(b.outputs.modelingDataset))).toEqual(
      strip(await readModelingDataset(a.outputs.modelingDataset)),
    );
  });
});

describe('CSV exported by Excel with error values', () => {
  it('reads #DIV/0!, #N/A and #VALUE! cells as empty, exactly as the workbook error cells read', async () => {
    const dir = tmpDir();
    const rows23 = Array.from({ length: 4 }, (_, i) => row2023(i + 1));
    // The real PEDE2023 has INDE and IDA as #DIV/0! where the formula had no input.
    const errorRow = row2023(5, { IDA: '#DIV/0!', 'INDE 2023': '#DIV/0!', IPS: '#N/A', IPP: '#value!' });
    const rows24 = Array.from({ length: 5 }, (_, i) => row2023(i + 1, { Defasagem: i % 2 ? -1 : 0 }));
    const headers24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
    const csvDir = path.join(dir, 'csv');
    mkdirSync(csvDir);
    const csv = (rows: (string | number | null)[][]) =>
      `${rows.map((r) => r.map((c) => (c === null ? '' : String(c))).join(',')).join('\n')}\n`;
    writeFileSync(path.join(csvDir, 'PEDE2023.csv'), csv([HEADERS_2023, ...rows23, errorRow]));
    writeFileSync(path.join(csvDir, 'PEDE2024.csv'), csv([headers24, ...rows24]));
    const s = await ingest({ source: csvDir, outDir: path.join(dir, 'out') });
    expect(s.rejects).toBe(0);
    expect(s.years.map((y) => y.rowsNormalised)).toEqual([5, 5]);
    expect(s.transitions[0]).toMatchObject({ from: 2023, to: 2024, rows: 5 });
    const ds = await readModelingDataset(s.outputs.modelingDataset);
    const fifth = ds.filter((r) => r.ida === null);
    expect(fifth).toHaveLength(1);
    expect(fifth[0]).toMatchObject({ ida: null, inde: null, ips: null, ipp: null, ian: 10 });
  });
});

describe('CSV saved by Excel in Portuguese (Windows-1252, semicolons)', () => {
  it('reads accented headers and values as the UTF-8 export would', async () => {
    const dir = tmpDir();
    const headers24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
    const csv = (rows: (string | number | null)[][]) =>
      `${rows.map((r) => r.map((c) => (c === null ? '' : String(c).replace('.', ','))).join(';')).join('\r\n')}\r\n`;
    const rows23 = [HEADERS_2023, ...Array.from({ length: 4 }, (_, i) => row2023(i + 1))];
    const rows24 = [headers24, ...Array.from({ length: 4 }, (_, i) => row2023(i + 1, { Defasagem: -i }))];
    const write = (sub: string, enc: 'utf8' | 'latin1') => {
      const d = path.join(dir, sub);
      mkdirSync(d);
      writeFileSync(path.join(d, 'PEDE2023.csv'), Buffer.from(csv(rows23), enc));
      writeFileSync(path.join(d, 'PEDE2024.csv'), Buffer.from(csv(rows24), enc));
      return d;
    };
    const cp1252 = write('cp1252', 'latin1');
    // The bytes really are single-byte: "Gênero" has 0xEA, not UTF-8's 0xC3 0xAA.
    expect(readFileSync(path.join(cp1252, 'PEDE2023.csv')).includes(Buffer.from([0x47, 0xea, 0x6e]))).toBe(
      true,
    );
    const a = await ingest({ source: write('utf8', 'utf8'), outDir: path.join(dir, 'a') });
    const b = await ingest({ source: cp1252, outDir: path.join(dir, 'b') });
    expect(b.rejects).toBe(0);
    expect(b.years.map((y) => y.rowsNormalised)).toEqual([4, 4]);
    expect(b.transitions).toEqual(a.transitions);
    const strip = (rows: Awaited<ReturnType<typeof readModelingDataset>>) =>
      rows.map(({ aluno_id: _, ...r }) => r);
    const rowsB = strip(await readModelingDataset(b.outputs.modelingDataset));
    expect(rowsB).toEqual(strip(await readModelingDataset(a.outputs.modelingDataset)));
    expect(rowsB.map((r) => r.instituicao)).toEqual(Array(4).fill('publica'));
    expect(new Set(rowsB.map((r) => r.genero))).toEqual(new Set(['feminino', 'masculino']));
  });
});

describe('modelingDatasetOf', () => {
  it("is ingest's modelling dataset in memory: the same rows and metadata, nothing written", async () => {
    const dir = tmpDir();
    const xlsx = path.join(dir, 'syn.xlsx');
    await writeSyntheticWorkbook(xlsx, { students: 80, years: [2022, 2023, 2024], seed: 4 });
    const written = await ingest({ source: xlsx, outDir: path.join(dir, 'out') });
    const m = await modelingDatasetOf(xlsx);
    expect(m.source).toEqual(written.source);
    const fromMemory = await readModelingDatasetWithInfo('in memory', m.bytes);
    const fromFile = await readModelingDatasetWithInfo(written.outputs.modelingDataset);
    expect(fromMemory.synthetic).toBe(fromFile.synthetic);
    expect(fromMemory.sourceSha256).toBe(fromFile.sourceSha256);
    // The pseudonymous ids are salted per run: equal up to renaming (the same students grouped together).
    const strip = (rows: typeof fromFile.rows) => rows.map(({ aluno_id: _, ...r }) => r);
    expect(strip(fromMemory.rows)).toEqual(strip(fromFile.rows));
    const partition = (rows: typeof fromFile.rows) =>
      rows.map((r) => rows.findIndex((q) => q.aluno_id === r.aluno_id));
    expect(partition(fromMemory.rows)).toEqual(partition(fromFile.rows));
    expect(readdirSync(dir).sort()).toEqual(['out', 'syn.xlsx']);
  });
});

describe('readModelingDataset', () => {
  const write = (dir: string, columns: { name: string; data: unknown[]; type: string }[]) => {
    const file = path.join(dir, 'ds.parquet');
    writeFileSync(file, new Uint8Array(parquetWriteBuffer({ columnData: columns as never })));
    return file;
  };
  const validColumns = () =>
    [...STUDENT_FIELD_NAMES, 'em_risco'].map((name) => ({
      name,
      type: name === 'genero' || name === 'instituicao' ? 'STRING' : 'DOUBLE',
      data: [
        name === 'genero'
          ? 'feminino'
          : name === 'instituicao'
            ? 'publica'
            : name === 'ano_base'
              ? 2023
              : name === 'ano_ingresso'
                ? 2020
                : name === 'idade'
                  ? 10
                  : name === 'em_risco'
                    ? 1
                    : name === 'defasagem'
                      ? -1
                      : 5,
      ],
    }));

  it('reads a valid file', async () => {
    const rows = await readModelingDataset(write(tmpDir(), validColumns()));
    expect(rows).toEqual([
      expect.objectContaining({ ano_base: 2023, genero: 'feminino', defasagem: -1, em_risco: 1, ian: 5 }),
    ]);
  });

  it('names a missing file, a non-parquet file, missing columns and contract breaks', async () => {
    const dir = tmpDir();
    expect((await appErrorOf(() => readModelingDataset(path.join(dir, 'none.parquet')))).spec).toBe(
      DATA_ERRORS.DATASET_NOT_FOUND,
    );
    const junk = path.join(dir, 'junk.parquet');
    writeFileSync(junk, 'hello');
    expect((await appErrorOf(() => readModelingDataset(junk))).spec).toBe(DATA_ERRORS.DATASET_INVALID);

    const noIeg = validColumns().filter((c) => c.name !== 'ieg');
    const e1 = await appErrorOf(() => readModelingDataset(write(tmpDir(), noIeg)));
    expect(e1.spec).toBe(DATA_ERRORS.DATASET_INVALID);
    expect(e1.message).toContain('ieg');

    const withRa = [...validColumns(), { name: 'ra', type: 'STRING', data: ['x'] }];
    expect((await appErrorOf(() => readModelingDataset(write(tmpDir(), withRa)))).message).toContain('ra');

    const badLabel = validColumns().map((c) => (c.name === 'em_risco' ? { ...c, data: [2] } : c));
    expect((await appErrorOf(() => readModelingDataset(write(tmpDir(), badLabel)))).message).toContain(
      'em_risco',
    );

    const badIeg = validColumns().map((c) => (c.name === 'ieg' ? { ...c, data: [42] } : c));
    expect((await appErrorOf(() => readModelingDataset(write(tmpDir(), badIeg)))).message).toContain('ieg');

    const badGenero = validColumns().map((c) => (c.name === 'genero' ? { ...c, data: ['Menina'] } : c));
    expect((await appErrorOf(() => readModelingDataset(write(tmpDir(), badGenero)))).message).toContain(
      'genero',
    );
  });
});

describe('a future edition', () => {
  it('reads a PEDE2025 sheet with new spellings of the same headers', async () => {
    const dir = tmpDir();
    const respell: Record<string, string> = {
      'INDE 2023': 'INDE 25',
      Idade: 'IDADE 2025',
      Gênero: 'GENERO',
      'Instituição de ensino': 'Instituicao  de  Ensino',
      Defasagem: 'DEFASAGEM',
      'Fase Ideal': 'fase_ideal',
      'Ano ingresso': 'Ano de ingresso',
      'INDE 22': 'INDE 24',
    };
    const h25 = HEADERS_2023.map((h) => respell[h] ?? h);
    const h24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
    const file = await writeXlsx(dir, 'pede.xlsx', [
      { sheet: 'PEDE2024', data: [h24, row2023(1), row2023(2, { Defasagem: -1 })] },
      { sheet: 'PEDE 2025', data: [h25, row2023(1, { Defasagem: -1 }), row2023(2), row2023(3)] },
    ]);
    const s = await ingest({ source: file, outDir: path.join(dir, 'data') });
    expect(s.years.map((y) => [y.year, y.rowsNormalised])).toEqual([
      [2024, 2],
      [2025, 3],
    ]);
    expect(s.rejects).toBe(0);
    expect(s.transitions).toEqual([{ from: 2024, to: 2025, rows: 2, positives: 1, positiveRate: 0.5 }]);
    const rows = await readModelingDataset(s.outputs.modelingDataset);
    expect(rows.map((r) => r.ano_base)).toEqual([2024, 2024]);
  });
});

describe('a sheet with a title above the header', () => {
  it('finds the header row and reports Excel row numbers correctly', async () => {
    const dir = tmpDir();
    const h24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
    const file = await writeXlsx(dir, 'titled.xlsx', [
      { sheet: 'PEDE2023', data: [HEADERS_2023, row2023(1), row2023(2)] },
      {
        sheet: 'PEDE2024',
        data: [['Relatório PEDE 2024'], [null], h24, row2023(1, { IDA: 42 }), row2023(2, { Defasagem: -2 })],
      },
    ]);
    const s = await ingest({ source: file, outDir: path.join(dir, 'data') });
    expect(s.years[1]).toMatchObject({ year: 2024, rowsRead: 2, rowsRejected: 1, rowsNormalised: 1 });
    expect(readFileSync(s.outputs.rejects, 'utf8')).toContain('PEDE2024,4,IDA,42 is outside the 0–10 scale');
    expect(s.transitions[0]).toMatchObject({ rows: 1, positives: 1 });
  });
});
