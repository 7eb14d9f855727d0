import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readExcelFile from 'read-excel-file/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORE_ERRORS } from '../core/core-errors.js';
import { DATA_ERRORS } from './errors.js';
import { type IngestSummary, ingest } from './ingest.js';
import { readModelingDataset, readModelingDatasetWithInfo } from './modeling-dataset.js';
import { generateSyntheticWorkbook, parseYears, writeSyntheticWorkbook } from './synth.js';
import { appErrorOf, tmpDir } from './testing/support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('synthetic workbook', () => {
  let dir: string;
  let file: string;
  let summary: IngestSummary;

  beforeAll(async () => {
    dir = tmpDir();
    file = path.join(dir, 'synthetic.xlsx');
    await writeSyntheticWorkbook(file, { students: 800, years: [2022, 2023, 2024], seed: 11 });
    summary = await ingest({ source: file, outDir: path.join(dir, 'data') });
  });

  it('is deterministic for a seed and different for another', () => {
    const a = generateSyntheticWorkbook({ students: 50, years: [2022, 2023], seed: 5 });
    const b = generateSyntheticWorkbook({ students: 50, years: [2022, 2023], seed: 5 });
    const c = generateSyntheticWorkbook({ students: 50, years: [2022, 2023], seed: 6 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('has the real sheet names and per-year header quirks, and says it is synthetic', async () => {
    const sheets = await readExcelFile(file);
    const names = sheets.map((s) => s.sheet);
    expect(names).toEqual(['LEIA-ME', 'PEDE2022', 'PEDE2023', 'PEDE2024', 'dicionario']);
    expect(String(sheets[0]!.data[0]![0])).toContain('DADOS SINTÉTICOS');
    const h = (i: number) => sheets[i]!.data[0] as string[];
    expect(h(1)).toEqual(expect.arrayContaining(['Defas', 'Idade 22', 'INDE 22', 'Fase ideal', 'Nome']));
    expect(h(1)).not.toContain('IPP');
    expect(h(2)).toEqual(expect.arrayContaining(['Defasagem', 'INDE 2023', 'INDE 23', 'Fase Ideal', 'IPP']));
    expect(h(2).filter((x) => x === 'Destaque IPV')).toHaveLength(2);
    expect(h(3).filter((x) => x === 'Ativo/ Inativo')).toHaveLength(2);
    const col = (i: number, name: string) => {
      const j = h(i).indexOf(name);
      return sheets[i]!.data.slice(1).map((r) => r[j]);
    };
    expect(new Set(col(1, 'Gênero'))).toEqual(new Set(['Menina', 'Menino']));
    expect(new Set(col(2, 'Gênero'))).toEqual(new Set(['Feminino', 'Masculino']));
    expect(col(1, 'Fase').every((v) => typeof v === 'string' && /^\d$/.test(v))).toBe(true);
    expect(col(2, 'Fase').every((v) => v === 'ALFA' || /^FASE \d$/.test(String(v)))).toBe(true);
    expect(col(3, 'Fase').some((v) => /^\d[A-Z]$/.test(String(v)))).toBe(true);
    // 2023: ages as Excel dates and birth dates as text, both present.
    expect(col(2, 'Idade').some((v) => v instanceof Date)).toBe(true);
    expect(col(2, 'Idade').some((v) => typeof v === 'number')).toBe(true);
    expect(col(2, 'Data de Nasc').some((v) => typeof v === 'string' && /^\d+\/\d+\/\d{4}$/.test(v))).toBe(
      true,
    );
    for (const s of sheets.slice(1, 4)) {
      const ra = (s.data[0] as string[]).indexOf('RA');
      expect(s.data.slice(1).every((r) => r[ra] === null || /^RA-\d+$/.test(String(r[ra])))).toBe(true);
    }
  });

  it('writes every age consistent with its birth date, date-coded ages as the serial Excel shows', () => {
    const wb = generateSyntheticWorkbook({ students: 300, years: [2022, 2023, 2024], seed: 3 });
    // write-excel-file stores a Date as days since 1899-12-30 (its convertDateToSerialNumber).
    const serialOf = (d: Date) => d.getTime() / 86_400_000 + 25_569;
    let dateCoded = 0;
    for (const s of wb.sheets.filter((x) => x.sheet.startsWith('PEDE'))) {
      const year = Number(s.sheet.slice(4));
      const h = s.data[0] as string[];
      const ageCol = h.findIndex((x) => /^Idade/.test(x));
      const birthCol = h.findIndex((x) => x === 'Data de Nasc' || x === 'Ano nasc');
      for (const r of s.data.slice(1)) {
        const age = r[ageCol];
        const birth = r[birthCol];
        if (age === null || age === undefined) continue;
        const idade = typeof age === 'object' ? serialOf(age.value) : Number(age);
        if (typeof age === 'object') dateCoded++;
        const birthYear =
          typeof birth === 'object' && birth !== null
            ? birth.value.getUTCFullYear()
            : typeof birth === 'number'
              ? birth
              : Number(String(birth).split('/')[2]);
        expect([0, -1], `${s.sheet} age ${idade} born ${birthYear}`).toContain(idade - (year - birthYear));
      }
    }
    expect(dateCoded).toBeGreaterThan(50);
  });

  it('ingests cleanly, flags the outputs as synthetic and yields a learnable base rate', async () => {
    expect(summary.synthetic).toBe(true);
    expect(summary.rejects).toBe(0);
    const card = JSON.parse(readFileSync(summary.outputs.dataCard, 'utf8'));
    expect(card.synthetic).toBe(true);
    expect(card.notice).toMatch(/SINTÉTICOS/);
    for (const y of card.years) expect(y.age_vs_birth_date.replaced_by_birth_year, y.sheet).toBe(0);
    const info = await readModelingDatasetWithInfo(summary.outputs.modelingDataset);
    expect(info.synthetic).toBe(true);
    for (const t of summary.transitions) {
      expect(t.rows).toBeGreaterThan(400);
      expect(t.positiveRate).toBeGreaterThan(0.35);
      expect(t.positiveRate).toBeLessThan(0.6);
    }
    const y2023 = summary.years.find((y) => y.year === 2023)!;
    expect(y2023.rowsNormalised).toBeGreaterThan(800);
  });

  it('makes next-year lag depend on this year’s lag and indicators', async () => {
    const rows = await readModelingDataset(summary.outputs.modelingDataset);
    const rate = (f: (r: (typeof rows)[number]) => boolean) => {
      const sel = rows.filter(f);
      return sel.reduce((s, r) => s + r.em_risco, 0) / sel.length;
    };
    expect(rate((r) => r.defasagem! < 0) - rate((r) => r.defasagem! >= 0)).toBeGreaterThan(0.3);
    expect(rate((r) => r.ieg !== null && r.ieg < 6.5)).toBeGreaterThan(
      rate((r) => r.ieg !== null && r.ieg >= 8.5),
    );
    expect(rate((r) => r.ida !== null && r.ida < 5)).toBeGreaterThan(
      rate((r) => r.ida !== null && r.ida >= 7.5),
    );
    // Not trivially determined by the current lag either.
    const lagNow = rate((r) => r.defasagem! < 0);
    expect(lagNow).toBeLessThan(0.97);
  });

  it('works for a PEDE2025 sheet with no code change', async () => {
    const d = tmpDir();
    const f = path.join(d, 'syn2025.xlsx');
    await writeSyntheticWorkbook(f, { students: 150, years: [2024, 2025], seed: 3 });
    const s = await ingest({ source: f, outDir: path.join(d, 'data') });
    expect(s.years.map((y) => y.year)).toEqual([2024, 2025]);
    expect(s.rejects).toBe(0);
    expect(s.transitions[0]).toMatchObject({ from: 2024, to: 2025 });
    expect(s.transitions[0]!.rows).toBeGreaterThan(50);
  });

  it('rejects bad options with a clear error', async () => {
    expect(parseYears('2022-2024')).toEqual([2022, 2023, 2024]);
    expect(parseYears('2024,2022')).toEqual([2022, 2024]);
    expect((await appErrorOf(() => parseYears('last year'))).spec).toBe(DATA_ERRORS.SYNTH_INVALID);
    expect((await appErrorOf(() => parseYears('2024-2022'))).spec).toBe(DATA_ERRORS.SYNTH_INVALID);
    const e = await appErrorOf(() => generateSyntheticWorkbook({ students: 3, years: [2022], seed: 1 }));
    expect(e.spec).toBe(DATA_ERRORS.SYNTH_INVALID);
  });

  it('refuses an --out that is not .xlsx (the bytes are a workbook), writing nothing', async () => {
    const d = tmpDir();
    const e = await appErrorOf(() =>
      writeSyntheticWorkbook(path.join(d, 'pede.csv'), { students: 20, years: [2022, 2023], seed: 1 }),
    );
    expect(e.spec).toBe(DATA_ERRORS.SYNTH_INVALID);
    expect(e.message).toContain('.xlsx');
    expect(readdirSync(d)).toEqual([]);
  });

  it('reports each stage of the work to the progress reporter, and leaves no temp file', async () => {
    const d = tmpDir();
    const events: string[] = [];
    const progress = {
      stage: (label: string, total: number) => events.push(`stage ${label} ${total}`),
      tick: (n = 1) => events.push(`tick ${n}`),
      done: () => events.push('done'),
    };
    await writeSyntheticWorkbook(
      path.join(d, 'PEDE.xlsx'),
      { students: 20, years: [2022, 2023], seed: 1 },
      progress,
    );
    expect(events).toEqual([
      'stage Simulating students 1',
      'tick 1',
      'done',
      'stage Encoding the workbook 1',
      'tick 1',
      'done',
      'stage Writing the workbook 1',
      'tick 1',
      'done',
    ]);
    expect(readdirSync(d)).toEqual(['PEDE.xlsx']);
  });

  it('CLI: synth and ingest print parseable JSON with --json, and stage progress on stderr without it', () => {
    const d = tmpDir();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CI: '' },
      });
    const file = path.join(d, 'demo.xlsx');
    const human = cli('synth', '--out', file, '--students', '30', '--years', '2022-2023');
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('⚠ DADOS SINTÉTICOS written to');
    expect(human.stderr).toContain('✓ Encoding the workbook');
    const json = cli('synth', '--out', file, '--students', '30', '--years', '2022-2023', '--json');
    expect(json.status).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ path: file, synthetic: true, seed: 42 });
    const ing = cli('ingest', '--source', file, '--out-dir', path.join(d, 'data'), '--json');
    expect(ing.status).toBe(0);
    expect(ing.stderr).toBe('');
    expect(JSON.parse(ing.stdout)).toMatchObject({
      synthetic: true,
      rejects: 0,
      transitions: [{ from: 2022, to: 2023 }],
    });
  });

  it('a missing output folder is IO_FAILED naming the file, with no temp file left', async () => {
    const d = tmpDir();
    const e = await appErrorOf(() =>
      writeSyntheticWorkbook(path.join(d, 'nope', 'PEDE.xlsx'), { students: 20, years: [2022], seed: 1 }),
    );
    expect(e.spec).toBe(CORE_ERRORS.IO_FAILED);
    expect(e.message).toBe(`Could not write ${path.join(d, 'nope', 'PEDE.xlsx')}: ENOENT.`);
    expect(readdirSync(d)).toEqual([]);
  });
});
