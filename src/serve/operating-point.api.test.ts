/**
 * The decision boundaries are the same in training and in the API: a student whose score is exactly the
 * threshold is flagged (risk_label 1, band médio) and one exactly at the `alto` cut-off is `alto`, both
 * by the rule training used for its metrics and bands (score ≥ cut) and by the served model. A model
 * trained on synthetic transitions gets its threshold and alto cut-off moved onto two real scores.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudentRecord } from '../core/student.js';
import { MODELING_COLUMNS } from '../data/ingest.js';
import { encodeParquet } from '../data/parquet.js';
import { syntheticRows } from '../features/testing/records.js';
import { confusionAt } from '../ml/metrics.js';
import { isFlagged } from '../ml/threshold.js';
import { loadModel } from '../model/load.js';
import { resolveConfig } from '../train/config.js';
import { bandStats, tradeoffTable } from '../train/operating-point.js';
import { train } from '../train/train.js';
import { predict, serveModel } from './testing/served-model.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-boundary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a score exactly at a cut-off: same label and band in training and in the API', () => {
  const dir = path.join(tmp, 'artifacts');
  let app: FastifyInstance;
  let atThreshold: StudentRecord;
  let atAlto: StudentRecord;
  let below: StudentRecord;
  let edited: ReturnType<typeof loadModel>;

  beforeAll(async () => {
    const data = path.join(tmp, 'data.parquet');
    const rows = syntheticRows(400, 5);
    writeFileSync(data, encodeParquet(rows, MODELING_COLUMNS));
    const config = resolveConfig({
      bootstrap: 20,
      bootstrap_groups: 10,
      ablation: false,
      random_forest: { n_estimators: 10 },
    });
    await train({ dataPath: data, artifactsDir: dir, seed: 3, refit: false, config });
    const file = JSON.parse(readFileSync(path.join(dir, 'model_v1.json'), 'utf8'));
    const model = loadModel(file);
    // Three students with distinct scores: the lowest moves the threshold onto itself, the highest the alto cut.
    const records = rows.map(({ em_risco: _y, aluno_id: _id, ...r }) => r as StudentRecord);
    const scored = records.map((r) => ({ r, s: model.predictOne(r) })).sort((a, b) => a.s - b.s);
    const distinct = scored.filter((x, i) => i === 0 || x.s !== scored[i - 1]!.s);
    const lo = distinct[Math.floor(distinct.length * 0.3)]!;
    const hi = distinct[Math.floor(distinct.length * 0.8)]!;
    below = distinct[Math.floor(distinct.length * 0.3) - 1]!.r;
    atThreshold = lo.r;
    atAlto = hi.r;
    file.threshold = lo.s;
    file.risk_bands = { medio_from: lo.s, alto_from: hi.s, alto_min_probability: hi.s };
    edited = loadModel(file);
    app = await serveModel(dir, file);
  });
  afterAll(async () => app?.close());

  it('training flags a score equal to the threshold and bands a score equal to the alto cut-off as alto', () => {
    const s = edited.predictOne(atThreshold);
    expect(s).toBe(edited.threshold);
    expect(isFlagged(s, edited.threshold)).toBe(true);
    expect(confusionAt([1], [s], edited.threshold).tp).toBe(1);
    expect(edited.riskBand(s)).toBe('medio');
    expect(edited.riskBand(edited.predictOne(atAlto))).toBe('alto');
    expect(edited.riskBand(edited.predictOne(below))).toBe('baixo');
    // The report's tables count the same way.
    const set = {
      y: Float64Array.from([1, 1, 0]),
      p: Float64Array.from([s, edited.predictOne(atAlto), edited.predictOne(below)]),
    };
    const row = tradeoffTable(set, null, edited.riskBands).find((r) => r.marks.includes('limiar'))!;
    expect(row.validation.flagged).toBeCloseTo(2 / 3, 12);
    expect(bandStats(set, edited.riskBand).map((b) => b.n)).toEqual([1, 1, 1]);
  });

  it('the API gives the same label and band, one student at a time and in a batch', async () => {
    const one = await Promise.all(
      [atThreshold, atAlto, below].map(async (r) => (await predict(app, [r]))[0]!),
    );
    const batch = await predict(app, [atThreshold, atAlto, below]);
    for (const got of [one, batch]) {
      expect(got.map((p) => p.risk_score)).toEqual([
        edited.predictOne(atThreshold),
        edited.predictOne(atAlto),
        edited.predictOne(below),
      ]);
      expect(got.map((p) => p.risk_label)).toEqual([1, 1, 0]);
      expect(got.map((p) => p.risk_band)).toEqual(['medio', 'alto', 'baixo']);
    }
  });
});
