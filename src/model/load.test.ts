import { describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../core/error-base.js';
import { syntheticRows } from '../features/testing/records.js';
import { contributionsForest, type ForestState, predictRowForest } from '../ml/forest.js';
import { contributionsGbdt, type GbdtState, predictRowGbdt } from '../ml/gbdt.js';
import { maxDepthOf, TreeShapWorkspace } from '../ml/tree.js';
import { compileLearner } from './learners.js';
import { loadModel } from './load.js';
import { fixtureModels } from './testing/model-files.js';

const rows = syntheticRows(400, 11);
const fixture = fixtureModels(rows);
const { pipeline, Xraw, Ximp } = fixture;

const gbdtFile = fixture.gbdtFile({ maxIter: 30, maxLeafNodes: 8, seed: 1 });
const lrFile = fixture.logisticFile();
const forestFile = fixture.forestFile({ nEstimators: 20, maxDepth: 6, seed: 3 });

const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function expectModelError(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
    expect.unreachable('should have thrown');
  } catch (e) {
    expect(isAppError(e)).toBe(true);
    expect((e as AppError).code).toBe(code);
    expect((e as Error).message).toMatch(message);
  }
}

describe('loadModel', () => {
  it('scores trees bit-identically to src/ml (the serving layout changes speed, not results)', () => {
    const g = loadModel(roundTrip(gbdtFile));
    const f = loadModel(roundTrip(forestFile));
    const gState = gbdtFile.learner.state as Parameters<typeof predictRowGbdt>[0];
    const fState = forestFile.learner.state as Parameters<typeof predictRowForest>[0];
    rows.forEach((r, i) => {
      expect(g.rawScore(r)).toBe(predictRowGbdt(gState, Xraw.data, i * Xraw.cols));
      expect(f.rawScore(r)).toBe(predictRowForest(fState, Ximp.data, i * Ximp.cols));
    });
  });

  for (const [name, file] of [
    ['gbdt', gbdtFile],
    ['random forest', forestFile],
    ['logistic regression', lrFile],
  ] as const) {
    it(`${name}: predictOne, predictProba and explain agree and are exact`, () => {
      const m = loadModel(roundTrip(file));
      const probs = m.predictProba(rows.slice(0, 50));
      for (let i = 0; i < 50; i++) {
        expect(m.predictOne(rows[i]!)).toBe(probs[i]);
        expect(probs[i]).toBeGreaterThanOrEqual(0);
        expect(probs[i]).toBeLessThanOrEqual(1);
      }
      // Contributions add up to the raw score (base value + Σ = raw): check through the learner.
      const l = compileLearner(file.learner, pipeline.width);
      const row = new Float64Array(pipeline.width);
      const out = new Float64Array(pipeline.width);
      for (const r of rows.slice(0, 20)) {
        pipeline.transformInto(r, row, 0, l.impute);
        const base = l.contributions(row, 0, out);
        expect(base + out.reduce((a, b) => a + b, 0)).toBeCloseTo(m.rawScore(r), 9);
        // The top-k selection equals a full sort by |contribution| (ties: feature order), for any k.
        const sorted = Array.from(out.keys())
          .filter((j) => out[j] !== 0)
          .sort((a, b) => Math.abs(out[b]!) - Math.abs(out[a]!) || a - b);
        for (const k of [0, 1, 2.5, 7, pipeline.width + 5, Number.NaN]) {
          const want = sorted.slice(0, k >= 1 ? Math.floor(k) : 0);
          expect(m.explain(r, k).map((f) => f.feature)).toEqual(want.map((j) => m.featureNames[j]));
          expect(m.explain(r, k).map((f) => f.contribution)).toEqual(want.map((j) => out[j]));
        }
        const all = m.explain(r, pipeline.width);
        const top = m.explain(r, 3);
        expect(top).toHaveLength(3);
        expect(top).toEqual(all.slice(0, 3));
        for (let k = 1; k < all.length; k++) {
          expect(Math.abs(all[k - 1]!.contribution)).toBeGreaterThanOrEqual(Math.abs(all[k]!.contribution));
        }
        for (const f of top) {
          expect(f.direction).toBe(f.contribution > 0 ? 'aumenta' : 'reduz');
          expect(f.label.length).toBeGreaterThan(2);
        }
      }
    });
  }

  it('tree learners: served contributions equal the path-recursion reference of src/ml (1e-9)', () => {
    for (const file of [gbdtFile, forestFile]) {
      const l = compileLearner(roundTrip(file).learner, pipeline.width);
      const st = file.learner.state as ForestState | GbdtState;
      const ws = new TreeShapWorkspace(maxDepthOf(st.trees));
      const X = l.impute ? Ximp : Xraw;
      const out = new Float64Array(pipeline.width);
      for (let i = 0; i < 60; i++) {
        const base = l.contributions(X.data, i * X.cols, out);
        const ref =
          st.kind === 'gbdt'
            ? contributionsGbdt(st, X.data, i * X.cols, ws)
            : contributionsForest(st, X.data, i * X.cols, ws);
        expect(base).toBe(ref[pipeline.width]);
        for (let j = 0; j < pipeline.width; j++) expect(Math.abs(out[j]! - ref[j]!)).toBeLessThan(1e-9);
      }
    }
  });

  it('shows the student value before imputation and the category for one-hot features', () => {
    const m = loadModel(roundTrip(lrFile));
    const r = { ...rows[0]!, ieg: null, genero: 'masculino' as const };
    const all = m.explain(r, 100);
    const ieg = all.find((f) => f.feature === 'ieg');
    if (ieg) expect(ieg.value).toBeNull();
    const g = all.find((f) => f.feature.startsWith('genero_'));
    if (g) expect(g.value).toBe('masculino');
    expect(all.length).toBeGreaterThan(5);
  });

  it('bands scores with the stored cut-points', () => {
    const m = loadModel(roundTrip(gbdtFile));
    expect(m.riskBand(0.39)).toBe('baixo');
    expect(m.riskBand(0.4)).toBe('medio');
    expect(m.riskBand(0.5)).toBe('alto');
  });

  it('rejects malformed files with a clear MODEL error', () => {
    const F = 'DEF_ERR_MODEL_FORMAT_INVALID';
    expectModelError(() => loadModel(null), F, /not a JSON object/);
    expectModelError(() => loadModel({ ...roundTrip(gbdtFile), format: 'onnx' }), F, /"format" must be/);
    expectModelError(
      () => loadModel({ ...roundTrip(gbdtFile), format_version: 2 }),
      'DEF_ERR_MODEL_FORMAT_VERSION_UNSUPPORTED',
      /format_version 2/,
    );
    expectModelError(() => loadModel({ ...roundTrip(gbdtFile), threshold: 1.5 }), F, /"threshold"/);
    expectModelError(() => loadModel({ ...roundTrip(gbdtFile), created_at: 'yesterday' }), F, /created_at/);
    const noLearner = roundTrip(gbdtFile) as unknown as Record<string, unknown>;
    noLearner.learner = { kind: 'svm', state: {} };
    expectModelError(() => loadModel(noLearner), F, /unknown learner kind "svm"/);
    const badTree = roundTrip(gbdtFile);
    const st = badTree.learner.state as { trees: { left: number[]; feature: number[] } };
    const split = st.trees.feature.findIndex((f) => f >= 0);
    st.trees.left[split] = 10 ** 7;
    expectModelError(() => loadModel(badTree), F, /children out of range/);
    const badFeature = roundTrip(gbdtFile);
    (badFeature.learner.state as { trees: { feature: number[] } }).trees.feature[split] = 999;
    expectModelError(() => loadModel(badFeature), F, /feature 999/);
    const badLr = roundTrip(lrFile);
    (badLr.learner.state as { coef: number[] }).coef.pop();
    expectModelError(() => loadModel(badLr), F, /coef must be an array/);
    const badCal = roundTrip(gbdtFile) as unknown as Record<string, unknown>;
    badCal.calibrator = { kind: 'isotonic', state: { kind: 'isotonic', x: [0, 1], y: [0.9, 0.1] } };
    expectModelError(() => loadModel(badCal), F, /non-decreasing/);
    const badBands = roundTrip(gbdtFile);
    badBands.risk_bands.medio_from = 0.3;
    expectModelError(() => loadModel(badBands), F, /risk_bands/);
    const badPipe = roundTrip(gbdtFile);
    badPipe.features.features[0]!.name = 'ra';
    expectModelError(() => loadModel(badPipe), F, /unknown feature "ra"/);
  });
});
