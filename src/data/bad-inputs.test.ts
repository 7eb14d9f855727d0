import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_ERRORS } from '../core/core-errors.js';
import { DATA_ERRORS } from './errors.js';
import { ingest } from './ingest.js';
import { sourceFsError } from './source.js';
import { syntheticWorkbookBytes } from './synth.js';
import { appErrorOf, HEADERS_2023, row2023, tmpDir, writeXlsx } from './testing/support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A small valid two-year workbook (PEDE2023 + PEDE2024 built from the 2023 layout). */
async function twoYearWorkbook(
  dir: string,
  patch2024: (rows: ReturnType<typeof row2023>[]) => void = () => {},
) {
  const rows23 = Array.from({ length: 6 }, (_, i) => row2023(i + 1));
  const rows24 = Array.from({ length: 6 }, (_, i) => row2023(i + 1, { Defasagem: i % 2 ? -1 : 0 }));
  patch2024(rows24);
  const headers24 = HEADERS_2023.map((h) => (h === 'INDE 2023' ? 'INDE 2024' : h));
  return writeXlsx(dir, 'pede.xlsx', [
    { sheet: 'PEDE2023', data: [HEADERS_2023, ...rows23] },
    { sheet: 'PEDE2024', data: [headers24, ...rows24] },
  ]);
}

function outputsOf(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('wrong inputs give one clear error, never a half-written output', () => {
  it('a random xlsx (no PEDE sheets) → NOT_PEDE naming the sheets found', async () => {
    const dir = tmpDir();
    const file = await writeXlsx(dir, 'compras.xlsx', [
      {
        sheet: 'Compras',
        data: [
          ['Item', 'Preço'],
          ['Caneta', 2.5],
        ],
      },
    ]);
    const out = path.join(dir, 'data');
    const e = await appErrorOf(() => ingest({ source: file, outDir: out }));
    expect(e.spec).toBe(DATA_ERRORS.NOT_PEDE);
    expect(e.message).toContain('Compras');
    expect(outputsOf(out)).toEqual([]);
  });

  it('a directory holding the workbook (not CSVs) → NOT_PEDE that says to pass the .xlsx itself', async () => {
    const dir = tmpDir();
    const file = await twoYearWorkbook(dir);
    const out = path.join(dir, 'data');
    const e = await appErrorOf(() => ingest({ source: dir, outDir: out }));
    expect(e.spec).toBe(DATA_ERRORS.NOT_PEDE);
    expect(e.message).toBe(
      `${dir} has no yearly CSV file named PEDE<YYYY> (found: pede.xlsx). To read the workbook, pass the file itself: --source ${file}`,
    );
    expect(outputsOf(out)).toEqual([]);
  });

  it('an empty file → SOURCE_EMPTY', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'PEDE.xlsx');
    writeFileSync(file, '');
    const e = await appErrorOf(() => ingest({ source: file, outDir: path.join(dir, 'data') }));
    expect(e.spec).toBe(DATA_ERRORS.SOURCE_EMPTY);
    expect(outputsOf(path.join(dir, 'data'))).toEqual([]);
  });

  it('an empty directory → SOURCE_EMPTY; a missing path → FILE_NOT_FOUND', async () => {
    const dir = tmpDir();
    expect((await appErrorOf(() => ingest({ source: dir, outDir: path.join(dir, 'o') }))).spec).toBe(
      DATA_ERRORS.SOURCE_EMPTY,
    );
    const missing = path.join(dir, 'nope.xlsx');
    expect((await appErrorOf(() => ingest({ source: missing, outDir: dir }))).spec).toBe(
      CORE_ERRORS.FILE_NOT_FOUND,
    );
  });

  it('corrupt, truncated, lock-file and password-protected workbooks → SOURCE_UNREADABLE', async () => {
    const dir = tmpDir();
    const { bytes } = await syntheticWorkbookBytes({ students: 20, years: [2022, 2023], seed: 1 });
    const cases: [string, Buffer][] = [
      ['truncated.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2))],
      ['garbage.xlsx', Buffer.from('PK\u0003\u0004 this is not really a zip archive at all')],
      ['~$PEDE2024.xlsx', Buffer.from([0x0c, 0x55, 0x73, 0x65, 0x72, 0x20, 0x20, 0x20, 0x00, 0x00])],
      [
        'protected.xlsx',
        Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
      ],
      ['export.csv', Buffer.from('RA,Fase\nRA-1,ALFA\n')],
    ];
    for (const [name, content] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      const e = await appErrorOf(() => ingest({ source: file, outDir: path.join(dir, 'data') }));
      expect(e.spec, name).toBe(DATA_ERRORS.SOURCE_UNREADABLE);
      expect(e.message).toContain(name);
    }
    expect(outputsOf(path.join(dir, 'data'))).toEqual([]);
  });

  it('a locked or unreadable file → SOURCE_LOCKED', async () => {
    for (const code of ['EACCES', 'EPERM', 'EBUSY']) {
      const err = Object.assign(new Error(code), { code });
      expect(sourceFsError(err, '/x/PEDE.xlsx').spec).toBe(DATA_ERRORS.SOURCE_LOCKED);
    }
    // Root ignores file modes, so the real chmod check only runs as a normal user.
    if (process.getuid?.() !== 0) {
      const dir = tmpDir();
      const file = await twoYearWorkbook(dir);
      chmodSync(file, 0o000);
      const e = await appErrorOf(() => ingest({ source: file, outDir: path.join(dir, 'data') }));
      expect(e.spec).toBe(DATA_ERRORS.SOURCE_LOCKED);
      chmodSync(file, 0o600);
    }
  });

  it('a PEDE-named sheet of another kind → COLUMNS_MISSING naming every missing column', async () => {
    const dir = tmpDir();
    const file = await writeXlsx(dir, 'wrong.xlsx', [
      {
        sheet: 'PEDE2023',
        data: [
          ['RA', 'Nome', 'Nota final'],
          ['RA-1', 'Aluno-1', 7],
        ],
      },
    ]);
    const e = await appErrorOf(() => ingest({ source: file, outDir: path.join(dir, 'data') }));
    expect(e.spec).toBe(DATA_ERRORS.COLUMNS_MISSING);
    for (const col of ['Fase', 'Defasagem or Fase Ideal', 'Gênero', 'IAN', 'IDA', 'IEG', 'INDE']) {
      expect(e.message).toContain(col);
    }
    expect(e.message).not.toMatch(/RA-1|Aluno-1/);
    expect(e.details).toMatchObject({ missing: { PEDE2023: expect.arrayContaining(['IEG']) } });
  });

  it('a CSV directory with a missing column → COLUMNS_MISSING naming the file and column', async () => {
    const dir = tmpDir();
    const header = HEADERS_2023.filter((h) => h !== 'IEG');
    const lines = (n: number) => [
      header.join(','),
      ...Array.from({ length: n }, (_, i) => {
        const r = row2023(i + 1);
        return header.map((h) => r[HEADERS_2023.indexOf(h)] ?? '').join(',');
      }),
    ];
    writeFileSync(path.join(dir, 'PEDE2023.csv'), lines(3).join('\n'));
    writeFileSync(path.join(dir, 'PEDE2024.csv'), lines(3).join('\n').replace('INDE 2023', 'INDE 2024'));
    const e = await appErrorOf(() => ingest({ source: dir, outDir: path.join(dir, 'data') }));
    expect(e.spec).toBe(DATA_ERRORS.COLUMNS_MISSING);
    expect(e.message).toContain('PEDE2023.csv: IEG');
    expect(e.message).toContain('PEDE2024.csv: IEG');
  });

  it('an indicator of 42 and other broken cells → reject rows, the rest is kept', async () => {
    const dir = tmpDir();
    const file = await twoYearWorkbook(dir, (rows) => {
      const col = (h: string) => HEADERS_2023.indexOf(h);
      rows[0]![col('IEG')] = 42;
      rows[1]![col('Fase')] = 'avançada';
      rows[2]![col('Gênero')] = 'Azul';
      rows[3]![col('RA')] = 'RA-5'; // duplicate of row 5's RA
      rows[5]![col('IAA')] = 10.004; // rounding noise: clamped, kept
    });
    const out = path.join(dir, 'data');
    const s = await ingest({ source: file, outDir: out });
    const y2024 = s.years.find((y) => y.year === 2024)!;
    expect(y2024).toMatchObject({ rowsRead: 6, rowsRejected: 4, rowsNormalised: 2 });
    const csv = readFileSync(s.outputs.rejects, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('sheet,row,column,reason');
    expect(csv).toContain('PEDE2024,2,IEG,42 is outside the 0–10 scale');
    expect(csv.some((l) => l.startsWith('PEDE2024,3,Fase,'))).toBe(true);
    expect(csv.some((l) => l.startsWith('PEDE2024,4,Gênero,'))).toBe(true);
    expect(csv.some((l) => /^PEDE2024,(5|6),RA,duplicate RA/.test(l))).toBe(true);
    expect(csv.join('\n')).not.toMatch(/RA-\d|Aluno-\d/);
    const card = JSON.parse(readFileSync(s.outputs.dataCard, 'utf8'));
    expect(card.contract_violations.rows_rejected).toBe(4);
    expect(card.years[1].fixes_applied['clamped_to_0_10:iaa']).toBe(1);
  });

  it('a failed run leaves the previous outputs intact and no staging directory behind', async () => {
    const dir = tmpDir();
    const good = await twoYearWorkbook(dir);
    const out = path.join(dir, 'data');
    const s = await ingest({ source: good, outDir: out });
    const before = readFileSync(s.outputs.modelingDataset);
    const bad = path.join(dir, 'bad.xlsx');
    writeFileSync(bad, 'PK\u0003\u0004 broken');
    await appErrorOf(() => ingest({ source: bad, outDir: out }));
    expect(readFileSync(s.outputs.modelingDataset).equals(before)).toBe(true);
    expect(outputsOf(out)).toEqual(['interim', 'processed']);
    // A second good run replaces the outputs whole and cleans its staging area.
    await ingest({ source: good, outDir: out });
    expect(outputsOf(out)).toEqual(['interim', 'processed']);
  });

  it('an output path that cannot be created → IO_FAILED, not a stack trace', async () => {
    const dir = tmpDir();
    const good = await twoYearWorkbook(dir);
    const blocker = path.join(dir, 'file-not-dir');
    writeFileSync(blocker, 'x');
    const e = await appErrorOf(() => ingest({ source: good, outDir: path.join(blocker, 'data') }));
    expect(e.spec).toBe(CORE_ERRORS.IO_FAILED);
    expect(e.message).toContain('is a file; --out-dir needs a directory');
    const onFile = await appErrorOf(() => ingest({ source: good, outDir: blocker }));
    expect(onFile.message).toBe(
      `Could not write the outputs under ${blocker}: it, or a folder above it, is a file; --out-dir needs a directory.`,
    );
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('an invalid CSV → SOURCE_UNREADABLE without quoting cell text', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'PEDE2023.csv'), 'RA,Nome\nRA-1,"Aluno-1\nRA-2,Aluno-2\n');
    const e = await appErrorOf(() => ingest({ source: dir, outDir: path.join(dir, 'data') }));
    expect(e.spec).toBe(DATA_ERRORS.SOURCE_UNREADABLE);
    expect(e.message).toContain('PEDE2023.csv');
    expect(e.message).not.toMatch(/RA-\d|Aluno-\d/);
  });

  it('a name shifted into an indicator or category column is rejected without being echoed', async () => {
    const dir = tmpDir();
    const file = await twoYearWorkbook(dir, (rows) => {
      rows[0]![HEADERS_2023.indexOf('IEG')] = 'Maria da Silva';
      rows[1]![HEADERS_2023.indexOf('Gênero')] = 'João';
      rows[2]![HEADERS_2023.indexOf('Fase')] = 'Ana';
    });
    const s = await ingest({ source: file, outDir: path.join(dir, 'data') });
    const csv = readFileSync(s.outputs.rejects, 'utf8');
    expect(csv).toContain('PEDE2024,2,IEG,a text value is not a number');
    expect(csv).not.toMatch(/Maria|João|Ana/);
  });

  it('a single year → NO_TRANSITIONS', async () => {
    const dir = tmpDir();
    const file = await writeXlsx(dir, 'one.xlsx', [{ sheet: 'PEDE2023', data: [HEADERS_2023, row2023(1)] }]);
    const e = await appErrorOf(() => ingest({ source: file, outDir: path.join(dir, 'data') }));
    expect(e.spec).toBe(DATA_ERRORS.NO_TRANSITIONS);
    expect(outputsOf(path.join(dir, 'data'))).toEqual([]);
  });

  it('the CLI prints one error line with the code and exit status, no stack trace', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'empty.xlsx');
    writeFileSync(file, '');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'ingest', '--source', file, '--out-dir', dir],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error DEF_ERR_DATA_SOURCE_EMPTY');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
