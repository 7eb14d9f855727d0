/**
 * POST /score over a real socket on 127.0.0.1 with a REAL model (trained by src/train on a synthetic
 * workbook, registered as v1.0.0, loaded by the server's loader), uploads sent by Node's own fetch
 * (FormData, as a browser sends them). The same cohort scored by src/score the way `defasagem score`
 * does (same registry version) must come back in the same order with the same scores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import readExcelFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import writeExcelFile from 'write-excel-file/node';
import { writeSyntheticWorkbook } from '../../data/synth.js';
import { registerVersion } from '../../registry/index.js';
import { readCohortFile } from '../../score/input.js';
import { rankCohort, scoreRecords } from '../../score/rank.js';
import { loadScoringModel } from '../../score/score.js';
import type { AppSettings } from '../app.js';
import { hashKey } from '../auth.js';
import type { PredictionEvent } from '../observe.js';
import { parseApiKeys } from '../settings.js';
import { listenOnVersion, trainRealArtifacts } from '../testing/real-model.js';
import { collectingLogger, testSettings } from '../testing/support.js';
import { XLSX_MIME } from './score.js';

const PRED = { 'x-api-key': 'pred-key' };
const ADMIN = { 'x-api-key': 'admin-key' };

interface Row {
  rank: number;
  ra: string;
  nome?: string;
  risk_score: number;
  risk_band: string;
  risk_label: 0 | 1;
  within_capacity?: boolean;
  top_factors: { feature: string; text: string; contribution: number }[];
  missing_data: string[];
}

describe('POST /score over a real socket', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'defasagem-score-api-'));
  const registryDir = path.join(root, 'registry');
  const workbook = path.join(root, 'cohort.xlsx');
  const events: PredictionEvent[] = [];
  const lines: string[] = [];
  const servers: FastifyInstance[] = [];

  /** A server on 127.0.0.1 serving v1.0.0 with these settings; its base URL. */
  async function serve(over: Partial<AppSettings> = {}): Promise<string> {
    const settings = testSettings({
      apiKeys: parseApiKeys(`${hashKey('admin-key')}:admin,${hashKey('pred-key')}:predict`),
      ...over,
    });
    const { app, url } = await listenOnVersion(registryDir, 'v1.0.0', {
      settings,
      logger: collectingLogger(lines),
      observer: (e) => events.push(e),
    });
    servers.push(app);
    return url;
  }

  let base = '';
  beforeAll(async () => {
    await registerVersion(registryDir, { artifacts: await trainRealArtifacts(root, 5), version: 'v1.0.0' });
    // Another synthetic cohort than the one the model was trained on.
    await writeSyntheticWorkbook(workbook, { students: 150, years: [2023, 2024], seed: 77 });
    base = await serve({ scoreUploadLimitBytes: 256 * 1024 });
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) await s.close();
    rmSync(root, { recursive: true, force: true });
  });

  const upload = (
    bytes: Uint8Array,
    name: string,
    opts: { query?: string; headers?: Record<string, string>; type?: string; url?: string } = {},
  ) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: opts.type ?? XLSX_MIME }), name);
    return fetch(`${opts.url ?? base}/score${opts.query ?? ''}`, {
      method: 'POST',
      headers: opts.headers ?? PRED,
      body: form,
    });
  };
  const errorOf = async (r: Response) =>
    ((await r.json()) as { error: { code: string; message: string } }).error;

  it('ranks every student of the latest year, with factors, RA and no names; the observer sees them', async () => {
    const before = events.length;
    const r = await upload(readFileSync(workbook), 'PEDE.xlsx');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as { year: number; students: number; model_version: string; rows: Row[] };
    expect(body.year).toBe(2024);
    expect(body.model_version).toBe('v1.0.0');
    expect(body.rows).toHaveLength(body.students);
    expect(body.rows.map((x) => x.rank)).toEqual(body.rows.map((_, i) => i + 1));
    for (let i = 1; i < body.rows.length; i++)
      expect(body.rows[i]!.risk_score).toBeLessThanOrEqual(body.rows[i - 1]!.risk_score);
    for (const row of body.rows) {
      expect(row.ra).toMatch(/^RA-\d+$/);
      expect(row).not.toHaveProperty('nome');
      expect(row.top_factors.length).toBeGreaterThan(0);
      expect(row.top_factors.length).toBeLessThanOrEqual(3);
      for (const f of row.top_factors) expect(f.text).toMatch(/(aumenta|reduz) o risco/);
    }
    // One observation, through the server's one observation point: records without RA or names, RAs apart.
    const seen = events.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.via).toBe('score');
    expect(seen[0]!.records).toHaveLength(body.students);
    expect(Object.keys(seen[0]!.records[0]!)).not.toContain('ra');
    expect(new Set(seen[0]!.ras)).toEqual(new Set(body.rows.map((x) => x.ra)));
  });

  it('gives the same ranking and scores as the CLI path (src/score with the same registry version)', async () => {
    const r = (await (await upload(readFileSync(workbook), 'PEDE.xlsx')).json()) as { rows: Row[] };
    const m = await loadScoringModel({
      modelVersion: 'v1.0.0',
      registryDir,
      modelPath: '',
      metadataPath: '',
      signaturePath: '',
    });
    const cohort = await readCohortFile(workbook);
    const ranked = await rankCohort(m.model, cohort, scoreRecords(m.model, cohort), { capacity: null });
    expect(r.rows.map((x) => x.ra)).toEqual(ranked.students.map((s) => s.student.ra));
    expect(r.rows.map((x) => x.risk_score)).toEqual(ranked.students.map((s) => s.score));
    expect(r.rows.map((x) => x.risk_band)).toEqual(ranked.students.map((s) => s.band));
  });

  it('echoes names only with include_names=true, and never logs them', async () => {
    const from = lines.length;
    const r = await upload(readFileSync(workbook), 'PEDE.xlsx', { query: '?include_names=true&year=2023' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { year: number; rows: Row[] };
    expect(body.year).toBe(2023);
    expect(body.rows.every((x) => /^Aluno-\d+$/.test(x.nome ?? ''))).toBe(true);
    const logged = lines.slice(from).join('');
    expect(logged).not.toMatch(/Aluno-\d/);
    expect(logged).not.toMatch(/RA-\d/);
  });

  it('answers the xlsx (format=xlsx or Accept) and the CSV, in the same order', async () => {
    const json = (await (await upload(readFileSync(workbook), 'PEDE.xlsx')).json()) as { rows: Row[] };
    for (const how of [{ query: '?format=xlsx' }, { headers: { ...PRED, accept: XLSX_MIME } }]) {
      const r = await upload(readFileSync(workbook), 'PEDE.xlsx', how);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(XLSX_MIME);
      expect(r.headers.get('content-disposition')).toBe('attachment; filename="defasagem-2024.xlsx"');
      const sheets = await readExcelFile(Buffer.from(await r.arrayBuffer()));
      expect(sheets.map((s) => s.sheet)).toEqual(['Ranking', 'Sobre']);
      const table = sheets[0]!.data;
      expect(table[0]!.slice(0, 2)).toEqual(['Posição', 'RA']);
      expect(table.slice(1).map((row) => row[1])).toEqual(json.rows.map((x) => x.ra));
    }
    const csv = await upload(readFileSync(workbook), 'PEDE.xlsx', { query: '?format=csv' });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const ras = bytes
      .toString('utf8', 3)
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(';')[1]);
    expect(ras).toEqual(json.rows.map((x) => x.ra));
  });

  it('takes the capacity as a parameter and flags at most that many, best first', async () => {
    const r = await upload(readFileSync(workbook), 'PEDE.xlsx', { query: '?capacity=10%25' });
    const body = (await r.json()) as { students: number; flagged: number; flag_rule: string; rows: Row[] };
    expect(body.flag_rule).toBe('capacity');
    const within = body.rows.filter((x) => x.within_capacity);
    expect(within.length).toBe(body.flagged);
    expect(within.length).toBeLessThanOrEqual(Math.floor(0.1 * body.students));
    expect(within.length).toBeGreaterThan(0);
    expect(body.rows.slice(0, within.length).every((x) => x.within_capacity)).toBe(true);
    const bad = await upload(readFileSync(workbook), 'PEDE.xlsx', { query: '?capacity=muitos' });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('DEF_ERR_SCORE_CAPACITY_INVALID');
    const unknown = await upload(readFileSync(workbook), 'PEDE.xlsx', { query: '?names=true' });
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).code).toBe('DEF_ERR_SCORE_UPLOAD_PARAMETER');
  });

  it('scores a hand-typed CSV; a student with missing indicators gets a score and the missing data named', async () => {
    const csv = [
      'RA;Fase;Turma;Idade;Gênero;Ano ingresso;Instituição de ensino;IAN;IDA;IEG;IAA;IPS;IPP;IPV;INDE 2024;Defasagem',
      'RA-1;3;3A;12;Feminino;2021;Pública;5;6,2;7,5;8;6,9;7,1;7,3;7,02;-1',
      'RA-2;5;5B;15;Masculino;2020;Pública;2,5;;;8;6,9;;7,3;;-2',
      'RA-3;ALFA;ALFA A;8;Feminino;2024;Pública;10;8;9;9;7;8;8;8,5;0',
      'RA-4;abc;3A;12;Feminino;2021;Pública;5;6;7;8;6;7;7;7;-1',
    ].join('\r\n');
    const r = await upload(new TextEncoder().encode(csv), 'PEDE2024.csv', { type: 'text/csv' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      students: number;
      rows_rejected: number;
      rejects: { row: number; column: string; reason: string }[];
      rows: Row[];
    };
    expect(body.students).toBe(3);
    expect(body.rows_rejected).toBe(1);
    expect(body.rejects[0]).toMatchObject({ row: 5, column: 'Fase' });
    const sparse = body.rows.find((x) => x.ra === 'RA-2')!;
    expect(sparse.risk_score).toBeGreaterThan(0);
    expect(sparse.missing_data).toEqual(expect.arrayContaining(['IDA', 'IEG', 'INDE']));
    expect(body.rows.find((x) => x.ra === 'RA-1')!.missing_data).toEqual([]);
  });

  it('refuses a workbook without the needed columns, naming them', async () => {
    const bytes = await writeExcelFile([
      {
        sheet: 'PEDE2024',
        data: [
          ['RA', 'Fase', 'Nome'],
          ['RA-1', 3, 'Maria'],
        ],
      },
    ] as never).toBuffer();
    const r = await upload(bytes, 'PEDE2024.xlsx');
    expect(r.status).toBe(400);
    const e = await errorOf(r);
    expect(e.code).toBe('DEF_ERR_DATA_COLUMNS_MISSING');
    for (const col of ['IAN', 'IDA', 'INDE', 'Defasagem or Fase Ideal']) expect(e.message).toContain(col);
    expect(e.message).not.toContain('Maria');
  });

  it('refuses a wrong file type, a body that is not multipart and an upload without a file', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const p = await upload(png, 'foto.png', { type: 'image/png' });
    expect(p.status).toBe(415);
    expect((await errorOf(p)).code).toBe('DEF_ERR_SCORE_INPUT_UNSUPPORTED');
    const named = await upload(png, 'PEDE2024.csv', { type: 'text/csv' });
    expect(named.status).toBe(415);
    const corrupt = await upload(Buffer.from('PK\u0003\u0004 not really a zip'), 'PEDE.xlsx');
    expect(corrupt.status).toBe(400);
    expect((await errorOf(corrupt)).code).toBe('DEF_ERR_DATA_SOURCE_UNREADABLE');
    const asJson = await fetch(`${base}/score`, {
      method: 'POST',
      headers: { ...PRED, 'content-type': 'application/json' },
      body: '{"instances": []}',
    });
    expect(asJson.status).toBe(415);
    expect((await errorOf(asJson)).code).toBe('DEF_ERR_SCORE_UPLOAD_NOT_MULTIPART');
    const form = new FormData();
    form.append('year', '2024');
    const none = await fetch(`${base}/score`, { method: 'POST', headers: PRED, body: form });
    expect(none.status).toBe(400);
    expect((await errorOf(none)).code).toBe('DEF_ERR_SCORE_UPLOAD_MISSING');
  });

  it('refuses an upload over the size limit with 413, and a workbook that would unpack too large', async () => {
    const big = Buffer.alloc(300 * 1024, 1);
    const r = await upload(big, 'PEDE.xlsx');
    expect(r.status).toBe(413);
    expect((await errorOf(r)).code).toBe('DEF_ERR_SCORE_UPLOAD_TOO_LARGE');
    // A small workbook whose directory says it unpacks to 300 MB (a "zip bomb") is refused unread.
    const bomb = readFileSync(workbook);
    const central = bomb.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt32LE(300 * 1024 * 1024, central + 24);
    const b = await upload(bomb, 'PEDE.xlsx');
    expect(b.status).toBe(413);
    expect((await errorOf(b)).message).toContain('unpacks to more than');
    // The server still answers afterwards.
    expect((await upload(readFileSync(workbook), 'PEDE.xlsx')).status).toBe(200);
  });

  it('needs a key with the predict role (admin includes it)', async () => {
    const none = await upload(readFileSync(workbook), 'PEDE.xlsx', { headers: {} });
    expect(none.status).toBe(401);
    const wrong = await upload(readFileSync(workbook), 'PEDE.xlsx', { headers: { 'x-api-key': 'nope' } });
    expect(wrong.status).toBe(401);
    expect((await upload(readFileSync(workbook), 'PEDE.xlsx', { headers: ADMIN })).status).toBe(200);
  });

  it('charges the rate limit by the students scored', async () => {
    const url = await serve({ rateLimitMax: 120, rateLimitWindowMs: 60_000 });
    const form = () => readFileSync(workbook);
    // A cohort larger than the whole budget costs the whole budget: it passes once, then 429.
    expect((await upload(form(), 'PEDE.xlsx', { url })).status).toBe(200);
    const again = await upload(form(), 'PEDE.xlsx', { url });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { error: { details: { rule: string } } }).error.details.rule).toBe(
      'rate_limit',
    );
  });
});
