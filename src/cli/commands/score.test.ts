/**
 * `defasagem score` end to end, in-process through the real program and top-level catch:
 * - on a synthetic cohort with a small real model (always runs): MODEL_VERSION resolution as the API
 *   does it (champion, a pinned version, the development files), --json, exit codes, no partial file;
 * - on the real workbook (PEDE_XLSX): the 2024 cohort ranked with factors, students with missing
 *   indicators scored and told, no names unless asked, the xlsx and the CSV read back, the score of
 *   each hand-typed workbook row equal to the model's score of that row, and the same ranking from
 *   POST /score on a real server on loopback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import readExcelFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest, readNormalisedSource } from '../../data/ingest.js';
import { writeSyntheticWorkbook } from '../../data/synth.js';
import { HAND_TYPED_ROWS } from '../../data/testing/workbook-rows.js';
import { loadModel } from '../../model/load.js';
import { promoteVersion, registerVersion } from '../../registry/index.js';
import { fieldsRead } from '../../score/factors.js';
import { zipEntryText } from '../../score/testing/zip.js';
import { loadServerSettings, startServer } from '../../serve/server.js';
import { trainRealArtifacts } from '../../serve/testing/real-model.js';
import { collectingLogger } from '../../serve/testing/support.js';
import { DEFAULT_TRAIN_CONFIG } from '../../train/config.js';
import { train } from '../../train/train.js';
import { runCommandInProcess } from '../testing/support.js';
import { registerScoreCommand } from './score.js';

const run = (args: string[]) => runCommandInProcess(registerScoreCommand, ['score', ...args]);
const force = { force: true, reason: 'score tests (small training config)' };
type Sheet = { sheet: string; data: unknown[][] };

describe('defasagem score on a synthetic cohort', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-score-cli-'));
  const registry = path.join(root, 'registry');
  const cohort = path.join(root, 'cohort.xlsx');
  let artifacts = '';
  beforeAll(async () => {
    artifacts = await trainRealArtifacts(root, 9);
    await registerVersion(registry, { artifacts, version: 'v1.0.0' });
    await promoteVersion(registry, { version: 'v1.0.0', expectCurrent: 'none', ...force });
    await writeSyntheticWorkbook(cohort, { students: 120, years: [2023, 2024], seed: 31 });
  }, 120_000);
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(root, { recursive: true, force: true });
  });

  it('scores with the champion and prints the summary with --json', async () => {
    const out = path.join(root, 'champion.xlsx');
    const r = await run([
      '--input',
      cohort,
      '--out',
      out,
      '--model-version',
      'champion',
      '--registry',
      registry,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({
      rows_rejected: 0,
      flag_rule: 'threshold',
      model: { version: 'v1.0.0', source: 'registry', requested: 'champion', synthetic: true },
      input: { year: 2024, kind: 'xlsx', synthetic: true },
      out: { format: 'xlsx' },
    });
    const sheets = (await readExcelFile(out)) as Sheet[];
    expect(sheets[0]!.data).toHaveLength(s.rows_scored + 1);
    expect(sheets[0]!.data.slice(1).filter((row) => row[6] === 'sim')).toHaveLength(s.flagged);
    const about = Object.fromEntries(sheets[1]!.data.map(([k, v]) => [k, v]));
    expect(about['Dados sintéticos']).toContain('DADOS SINTÉTICOS');
    expect(about.Modelo).toContain('v1.0.0');
  });

  it('resolves MODEL_VERSION like the API: the environment, a pinned version, the development files', async () => {
    const out = path.join(root, 'dev.csv');
    vi.stubEnv('MODEL_VERSION', '');
    vi.stubEnv('MODEL_PATH', path.join(artifacts, 'model_v1.json'));
    vi.stubEnv('METADATA_PATH', path.join(artifacts, 'model_metadata_v1.json'));
    vi.stubEnv('SIGNATURE_PATH', path.join(artifacts, 'model_signature_v1.json'));
    const dev = await run(['--input', cohort, '--out', out, '--json']);
    expect(dev.code, dev.err).toBe(0);
    expect(JSON.parse(dev.out).model).toMatchObject({ source: 'dev', requested: '' });
    expect(JSON.parse(dev.out).model.version).toMatch(/^dev-[0-9a-f]{12}$/);
    vi.stubEnv('MODEL_VERSION', 'v1.0.0');
    vi.stubEnv('REGISTRY_DIR', registry);
    const pinned = await run(['--input', cohort, '--out', out, '--json']);
    expect(JSON.parse(pinned.out).model).toMatchObject({ version: 'v1.0.0', requested: 'v1.0.0' });
    vi.unstubAllEnvs();
  });

  it('fails with the catalogue code and exit code, and writes nothing', async () => {
    const out = path.join(root, 'never.xlsx');
    const cases: [string[], string, number][] = [
      [['--model-version', 'v9.9.9'], 'DEF_ERR_REGISTRY_VERSION_NOT_FOUND', 4],
      [['--model-version', 'latest'], 'DEF_ERR_REGISTRY_VERSION_INVALID', 2],
      [['--model-version', 'v1.0.0', '--year', '2030'], 'DEF_ERR_SCORE_YEAR_NOT_FOUND', 4],
      [['--model-version', 'v1.0.0', '--capacity', '130%'], 'DEF_ERR_SCORE_CAPACITY_INVALID', 2],
    ];
    for (const [extra, code, exit] of cases) {
      const r = await run(['--input', cohort, '--out', out, '--registry', registry, '--json', ...extra]);
      expect(r.code, extra.join(' ')).toBe(exit);
      expect(JSON.parse(r.out).error.code).toBe(code);
    }
    const txt = await run([
      '--input',
      cohort,
      '--out',
      path.join(root, 'x.txt'),
      '--model-version',
      'v1.0.0',
    ]);
    expect(txt.code).toBe(2);
    expect(txt.err).toContain('DEF_ERR_SCORE_OUTPUT_UNSUPPORTED');
    const same = await run([
      '--input',
      cohort,
      '--out',
      cohort,
      '--model-version',
      'v1.0.0',
      '--registry',
      registry,
    ]);
    expect(same.code).toBe(2);
    expect(same.err).toContain('is the input file: it would be overwritten');
    const year = await run(['--input', cohort, '--out', out, '--year', '24']);
    expect(year.code).toBe(2);
    expect(year.err).toContain('--year must be a year like 2024');
    expect(existsSync(out)).toBe(false);
    // A broken model file: the scoring error code, never another model.
    const broken = path.join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'model_v1.json'), '{"format": "defasagem-model"');
    for (const f of ['model_metadata_v1.json', 'model_signature_v1.json'])
      writeFileSync(path.join(broken, f), readFileSync(path.join(artifacts, f)));
    vi.stubEnv('MODEL_PATH', path.join(broken, 'model_v1.json'));
    vi.stubEnv('METADATA_PATH', path.join(broken, 'model_metadata_v1.json'));
    vi.stubEnv('SIGNATURE_PATH', path.join(broken, 'model_signature_v1.json'));
    const b = await run(['--input', cohort, '--out', out, '--model-version', '', '--json']);
    vi.unstubAllEnvs();
    expect(b.code).toBe(5);
    expect(JSON.parse(b.out).error.code).toBe('DEF_ERR_SCORE_MODEL_LOAD_FAILED');
    expect(existsSync(out)).toBe(false);
  });

  it('reports progress stages on stderr when not on a TTY, and has --help', async () => {
    const r = await run([
      '--input',
      cohort,
      '--out',
      path.join(root, 'p.xlsx'),
      '--model-version',
      'v1.0.0',
      '--registry',
      registry,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('✓ Explaining scores');
    expect(r.out).toMatch(/scored +\d+ students, 0 rows rejected/);
    expect((await run(['--help'])).code).toBe(0);
  });
});

const PEDE = process.env.PEDE_XLSX;
const available = !!PEDE && existsSync(PEDE);
if (!available) console.warn('PEDE_XLSX not set or missing: real-workbook scoring tests SKIPPED');

/** Python with openpyxl and pandas (Debian packages), an independent reader of what we write. */
const PYTHON = '/usr/bin/python3';
const hasPython =
  existsSync(PYTHON) &&
  spawnSync(PYTHON, ['-c', 'import openpyxl, pandas'], { encoding: 'utf8' }).status === 0;

/** Runs a Python snippet with `file` as argv[1] and parses the JSON it prints. */
function pythonJson(code: string, file: string): Record<string, unknown> {
  const py = spawnSync(PYTHON, ['-c', code, file], { encoding: 'utf8' });
  expect(py.status, py.stderr).toBe(0);
  return JSON.parse(py.stdout);
}

describe.skipIf(!available)('defasagem score on the real workbook (2024 cohort)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-score-real-'));
  const registry = path.join(root, 'registry');
  const xlsxOut = path.join(root, 'scores.xlsx');
  let artifacts = '';
  let table: unknown[][] = [];
  let header: string[] = [];
  const col = (name: string) => header.indexOf(name);
  beforeAll(async () => {
    const data = await ingest({ source: PEDE!, outDir: path.join(root, 'data') });
    artifacts = path.join(root, 'artifacts');
    const config = { ...DEFAULT_TRAIN_CONFIG, bootstrap: 50, bootstrap_groups: 20, ablation: false };
    await train({
      dataPath: data.outputs.modelingDataset,
      artifactsDir: artifacts,
      seed: 42,
      refit: true,
      config,
    });
    await registerVersion(registry, { artifacts, version: 'v1.0.0' });
    await promoteVersion(registry, { version: 'v1.0.0', expectCurrent: 'none', ...force });
    const r = await run([
      '--input',
      PEDE!,
      '--out',
      xlsxOut,
      '--model-version',
      'champion',
      '--registry',
      registry,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const sheets = (await readExcelFile(xlsxOut)) as Sheet[];
    header = sheets[0]!.data[0] as string[];
    table = sheets[0]!.data.slice(1);
  }, 300_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('ranks one row per valid 2024 student, with factors, RA and no names', async () => {
    const { years, rejects } = await readNormalisedSource(PEDE!);
    const valid = years.find((y) => y.year === 2024)!;
    expect(rejects.filter((r) => r.sheet === 'PEDE2024')).toHaveLength(0);
    expect(table).toHaveLength(valid.records.length);
    expect(table.length).toBeGreaterThan(1100);
    expect(table.map((r) => r[col('Posição')])).toEqual(table.map((_, i) => i + 1));
    const risk = table.map((r) => r[col('Risco (%)')] as number);
    for (let i = 1; i < risk.length; i++) expect(risk[i]).toBeLessThanOrEqual(risk[i - 1]!);
    expect(new Set(table.map((r) => r[col('RA')]))).toEqual(new Set(valid.records.map((r) => r.ra)));
    for (const r of table) {
      expect(r[col('Fator 1')]).toMatch(
        /: (aumenta|reduz) o risco em (cerca de \d+(,\d)? pontos? percentua(l|is)|menos de 0,1 ponto percentual)$/,
      );
      expect(['alto', 'médio', 'baixo']).toContain(r[col('Faixa')]);
    }
    // No names: no "Nome" column, and none of the sheet's names anywhere in the file.
    expect(header).not.toContain('Nome');
    const sheet = (await readExcelFile(PEDE!)).find((s) => s.sheet === 'PEDE2024')!;
    const nameCol = sheet.data[0]!.findIndex((h) => /^nome/i.test(String(h)));
    const names = new Set(sheet.data.slice(1).map((r) => String(r[nameCol])));
    expect(names.size).toBeGreaterThan(1000);
    const cells = new Set(table.flat().map(String));
    expect([...names].filter((n) => cells.has(n))).toEqual([]);
  });

  it('gives students with missing indicators a score, and says which data is missing', async () => {
    const { years } = await readNormalisedSource(PEDE!);
    const model = loadModel(JSON.parse(readFileSync(path.join(artifacts, 'model_v1.json'), 'utf8')));
    const fields = fieldsRead(model.featureNames);
    const sparse = years
      .find((y) => y.year === 2024)!
      .records.filter((r) => fields.some((f) => r[f] === null));
    expect(sparse.length).toBeGreaterThan(10);
    const told = table.filter((r) => r[col('Dados ausentes')] !== null);
    expect(told.map((r) => r[col('RA')]).sort()).toEqual(sparse.map((r) => r.ra).sort());
    for (const r of told) expect(r[col('Risco (%)')]).toEqual(expect.any(Number));
    // A student missing IDA is told so, and a missing value that weighs is its own factor ("… não informado").
    const noIda = told.find((r) => String(r[col('Dados ausentes')]).includes('IDA'))!;
    expect(noIda).toBeTruthy();
    expect(
      told.some((r) => [1, 2, 3].some((k) => String(r[col(`Fator ${k}`)]).includes('não informad'))),
    ).toBe(true);
  });

  it('scores each hand-typed workbook row as the model scores that row', () => {
    const model = loadModel(JSON.parse(readFileSync(path.join(artifacts, 'model_v1.json'), 'utf8')));
    const typed = HAND_TYPED_ROWS.filter((r) => r.sheet === 'PEDE2024');
    expect(typed.length).toBeGreaterThan(3);
    for (const t of typed) {
      const row = table.find((r) => r[col('Linha na origem')] === t.row)!;
      expect(row, `row ${t.row}`).toBeTruthy();
      expect(row[col('Risco (%)')] as number).toBeCloseTo(100 * model.predictOne(t), 9);
    }
  });

  it('writes an xlsx with a frozen header, the "Sobre" sheet, and that Python openpyxl opens', async () => {
    const bytes = readFileSync(xlsxOut);
    expect(zipEntryText(bytes, 'xl/worksheets/sheet1.xml')).toMatch(/<pane [^>]*state="frozen"/);
    const about = Object.fromEntries(
      ((await readExcelFile(xlsxOut)) as Sheet[])[1]!.data.map(([k, v]) => [k, v]),
    );
    expect(about.Modelo).toContain('v1.0.0');
    expect(about['Qualidade no backtest']).toMatch(
      /^Ano 2024: 765 alunos, 40,3% ficaram defasados\. Recall \d/,
    );
    expect(about['Alunos avaliados']).toContain(`${table.length} alunos de 2024 (planilha PEDE2024)`);
    if (!hasPython) {
      console.warn('python3 with openpyxl/pandas missing: the independent xlsx read SKIPPED');
      return;
    }
    const got = pythonJson(
      'import openpyxl, sys, json; wb = openpyxl.load_workbook(sys.argv[1]); ws = wb["Ranking"]; ' +
        'print(json.dumps({"sheets": wb.sheetnames, "freeze": ws.freeze_panes, "rows": ws.max_row, ' +
        '"first": [c.value for c in ws[2]][:2], "fmt": ws["E2"].number_format}))',
      xlsxOut,
    );
    expect(got).toMatchObject({
      sheets: ['Ranking', 'Sobre'],
      freeze: 'A2',
      rows: table.length + 1,
      fmt: '0.0',
    });
    expect(got.first).toEqual([1, table[0]![col('RA')]]);
  });

  it('writes the CSV for a Portuguese Excel, with names only when asked, and capacity instead of the label', async () => {
    const out = path.join(root, 'scores.csv');
    const r = await run([
      '--input',
      PEDE!,
      '--out',
      out,
      '--model-version',
      'v1.0.0',
      '--registry',
      registry,
      '--include-names',
      '--capacity',
      '30%',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.split('\r\n').length).toBe(table.length + 2);
    const rows = parse(text, { delimiter: ';', bom: true }) as string[][];
    const h = rows[0]!;
    expect(h.slice(0, 4)).toEqual(['Posição', 'RA', 'Nome', 'Turma']);
    expect(h).toContain('Dentro da capacidade');
    expect(h).not.toContain('Sinalizado');
    // Same students in the same order; risk with a decimal comma equal to the xlsx's to 0.05.
    expect(rows.slice(1).map((x) => x[1])).toEqual(table.map((x) => x[col('RA')]));
    const risk = h.indexOf('Risco (%)');
    rows.slice(1).forEach((x, i) => {
      expect(x[risk]).toMatch(/^\d{1,3},\d$/);
      expect(
        Math.abs(Number(x[risk]!.replace(',', '.')) - (table[i]![col('Risco (%)')] as number)),
      ).toBeLessThanOrEqual(0.05);
    });
    expect(rows.slice(1).every((x) => x[2] !== '')).toBe(true);
    const within = rows.slice(1).filter((x) => x[h.indexOf('Dentro da capacidade')] === 'sim').length;
    expect(within).toBe(JSON.parse(r.out).flagged);
    expect(within).toBeLessThanOrEqual(Math.floor(0.3 * table.length));
    expect(within).toBeGreaterThan(0.25 * table.length);
    if (hasPython) {
      const got = pythonJson(
        'import pandas as pd, sys, json; d = pd.read_csv(sys.argv[1], sep=";", decimal=",", encoding="utf-8-sig", dtype={"RA": str}); ' +
          'print(json.dumps({"n": len(d), "dtype": str(d["Risco (%)"].dtype), "top": d["Risco (%)"].iloc[0], "ra": d["RA"].iloc[0]}))',
        out,
      );
      expect(got).toMatchObject({ n: table.length, dtype: 'float64', ra: table[0]![col('RA')] });
      expect(got.top).toBeCloseTo(table[0]![col('Risco (%)')] as number, 1);
    }
  });

  it('scores the interim parquet ingest wrote the same way, and --capacity 120 flags at most 120', async () => {
    const out = path.join(root, 'parquet.xlsx');
    const interim = path.join(root, 'data', 'interim', '2024_normalized.parquet');
    const r = await run([
      '--input',
      interim,
      '--out',
      out,
      '--model-version',
      'v1.0.0',
      '--registry',
      registry,
      '--capacity',
      '120',
    ]);
    expect(r.code, r.err).toBe(0);
    const rows = ((await readExcelFile(out)) as Sheet[])[0]!.data;
    expect(rows.slice(1).map((x) => x[1])).toEqual(table.map((x) => x[col('RA')]));
    const within = rows.slice(1).map((x) => x[rows[0]!.indexOf('Dentro da capacidade')]);
    const n = within.filter((x) => x === 'sim').length;
    expect(n).toBeLessThanOrEqual(120);
    expect(n).toBeGreaterThan(100);
    expect(within.slice(0, n).every((x) => x === 'sim')).toBe(true);
  });

  it('gives the same ranking through POST /score on a real server on loopback', async () => {
    const lines: string[] = [];
    const server = await startServer({
      settings: loadServerSettings({
        MODEL_VERSION: 'champion',
        REGISTRY_DIR: registry,
        PORT: '0',
        HOST: '127.0.0.1',
      }),
      logger: collectingLogger(lines),
    });
    try {
      const form = new FormData();
      form.append('file', new Blob([readFileSync(PEDE!)]), 'PEDE2024.xlsx');
      const res = await fetch(`${server.url}/score`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        model_version: string;
        rows: { ra: string; risk_score: number; top_factors: unknown[] }[];
      };
      expect(body.model_version).toBe('v1.0.0');
      expect(body.rows.map((x) => x.ra)).toEqual(table.map((x) => x[col('RA')]));
      body.rows.forEach((x, i) => {
        expect(100 * x.risk_score).toBeCloseTo(table[i]![col('Risco (%)')] as number, 9);
      });
      expect(body.rows.every((x) => x.top_factors.length === 3)).toBe(true);
      expect(lines.join('')).not.toMatch(/RA-\d/);
    } finally {
      await server.close();
    }
  });
});

describe('score errors never carry a stack to the user', () => {
  it('an unreadable input is one line with its code', async () => {
    const r = await run([
      '--input',
      '/nonexistent/pede.xlsx',
      '--out',
      path.join(os.tmpdir(), 'never-written.xlsx'),
    ]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/^error DEF_ERR_FILE_NOT_FOUND: /);
    expect(r.err).not.toContain('    at ');
  });
});
