/**
 * Exact explanations on models trained on the real PEDE workbook (set PEDE_XLSX to run): for every
 * real student, the served contributions equal the path-recursion reference to 1e-9 and add up with
 * the base value to the raw score (local accuracy), and every factor the server answers is exactly
 * the one TreeExplainer alone gives (the fast explainer changes no answer), as are the score and top
 * factors of the request path (predictExplain). It lives with training, the
 * lowest layer that can both ingest and train; the model layer's own tests use synthetic rows.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudentRecord } from '../core/student.js';
import { ingest } from '../data/ingest.js';
import { readModelingDataset } from '../data/modeling-dataset.js';
import { compilePipeline } from '../features/pipeline.js';
import { contributionsForest, type ForestState } from '../ml/forest.js';
import { contributionsGbdt, type GbdtState } from '../ml/gbdt.js';
import { maxDepthOf, TreeShapWorkspace } from '../ml/tree.js';
import type { ModelFileV1 } from '../model/format.js';
import { compileLearner } from '../model/learners.js';
import { loadModel } from '../model/load.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import { train } from './train.js';

const xlsx = process.env.PEDE_XLSX;
const available = !!xlsx && existsSync(xlsx);
if (!available) console.warn('PEDE_XLSX not set or missing: real-data explanation tests SKIPPED');

describe.skipIf(!available)('exact explanations on real-data models', () => {
  let tmp = '';
  let dataPath = '';
  let rows: StudentRecord[] = [];
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'defasagem-explain-real-'));
    dataPath = (await ingest({ source: xlsx!, outDir: tmp })).outputs.modelingDataset;
    rows = await readModelingDataset(dataPath);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function trained(name: string, config: Partial<TrainConfig>): Promise<ModelFileV1> {
    const dir = path.join(tmp, name);
    // Fewer bootstrap resamples than the default: the intervals are not what this test is about.
    const cfg = { ...DEFAULT_TRAIN_CONFIG, bootstrap: 50, bootstrap_groups: 20, ablation: false, ...config };
    await train({ dataPath, artifactsDir: dir, seed: 42, refit: true, config: cfg });
    return JSON.parse(readFileSync(path.join(dir, 'model_v1.json'), 'utf8')) as ModelFileV1;
  }

  function check(file: ModelFileV1): void {
    const model = loadModel(file);
    // The served explainer (direction-word tables for the boosted trees) against TreeExplainer alone.
    const reference = loadModel(file, { explainer: 'reference' });
    const pipeline = compilePipeline(file.features);
    const learner = compileLearner(file.learner, pipeline.width);
    const state = file.learner.state as ForestState | GbdtState;
    const ws = new TreeShapWorkspace(maxDepthOf(state.trees));
    const row = new Float64Array(pipeline.width);
    const out = new Float64Array(pipeline.width);
    expect(rows.length).toBeGreaterThan(1000);
    let worst = 0;
    for (const r of rows) {
      pipeline.transformInto(r, row, 0, learner.impute);
      const base = learner.contributions(row, 0, out);
      const ref =
        state.kind === 'forest'
          ? contributionsForest(state, row, 0, ws)
          : contributionsGbdt(state, row, 0, ws);
      expect(base).toBe(ref[pipeline.width]);
      for (let j = 0; j < pipeline.width; j++) worst = Math.max(worst, Math.abs(out[j]! - ref[j]!));
      const sum = out.reduce((a, b) => a + b, base);
      expect(Math.abs(sum - model.rawScore(r))).toBeLessThan(1e-10);
      const top = model.explain(r, 5);
      expect(top.length).toBeLessThanOrEqual(5);
      // Every factor of every real student, bit for bit (toStrictEqual: Object.is on numbers).
      expect(model.explain(r, pipeline.width)).toStrictEqual(reference.explain(r, pipeline.width));
      // The request path (score and top factors from one pass) against the reference's score and factors.
      const served = model.predictExplain(r, 3);
      expect(Object.is(served.score, reference.predictOne(r))).toBe(true);
      expect(served.factors).toStrictEqual(reference.explain(r, 3));
    }
    expect(worst).toBeLessThan(1e-9);
  }

  it('the shipped model (default training: the depth-3 GBDT on this data, raw inputs with missing values)', async () => {
    const file = await trained('default', {});
    expect(file.learner.kind).toBe('gbdt');
    check(file);
  });

  it('a random forest trained on the same data (imputed inputs)', async () => {
    const file = await trained('forest', { candidates: ['random_forest'] });
    expect(file.learner.kind).toBe('random_forest');
    check(file);
  });
});
