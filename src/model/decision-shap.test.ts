import { describe, expect, it } from 'vitest';
import { fitGbdt } from '../ml/gbdt.js';
import { createMatrix } from '../ml/matrix.js';
import { createRng } from '../ml/rng.js';
import { randomRow, randomTree } from '../ml/testing/trees.js';
import { emptyTrees, type FlatTrees } from '../ml/tree.js';
import { TreeExplainer } from '../ml/tree-explainer.js';
import { DecisionShap, MAX_DECISION_SPLITS } from './decision-shap.js';

function phiOf(
  e: { add(row: ArrayLike<number>, offset: number, phi: Float64Array): void },
  row: number[],
  m: number,
) {
  // A non-zero offset: the row sits inside a larger block, as in a batch.
  const block = [7, 7, ...row];
  const phi = new Float64Array(m);
  e.add(block, 2, phi);
  return phi;
}

/** Bit for bit, signed zeros included. */
function expectIdentical(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  for (let j = 0; j < a.length; j++)
    expect(Object.is(a[j], b[j]), `feature ${j}: ${a[j]} vs ${b[j]}`).toBe(true);
}

describe('DecisionShap: the same contributions as TreeExplainer, bit for bit', () => {
  it('random shallow trees with repeated features on a path, NaN both ways and zero covers', () => {
    const rng = createRng(11);
    let checkedRows = 0;
    for (let trial = 0; trial < 40; trial++) {
      const m = 2 + rng.int(5);
      const t = emptyTrees();
      for (let k = 0; k < 1 + rng.int(30); k++)
        t.roots.push(randomTree(t, rng, m, 1 + rng.int(3), rng.int(200)));
      const e = new TreeExplainer(t, { scale: trial % 2 ? 1 : 1 / t.roots.length });
      const d = DecisionShap.of(e);
      expect(d).not.toBeNull();
      for (let r = 0; r < 25; r++) {
        const row = randomRow(rng, m, 0.25);
        expectIdentical(phiOf(d!, row, m), phiOf(e, row, m));
        checkedRows++;
      }
    }
    expect(checkedRows).toBe(1000);
  });

  it('a GBDT of depth 3 fitted on data with missing values (the shipped model kind)', () => {
    const rng = createRng(5);
    const n = 600;
    const m = 6;
    const X = createMatrix(n, m);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const row = randomRow(rng, m, 0.1);
      for (let j = 0; j < m; j++) X.data[i * m + j] = row[j]!;
      y[i] = (row[0]! > 0.5 ? 1 : 0) ^ (rng.next() < 0.2 ? 1 : 0);
    }
    const state = fitGbdt(X, y, { maxIter: 60, maxDepth: 3, maxLeafNodes: 8, learningRate: 0.2 });
    const e = new TreeExplainer(state.trees);
    const d = DecisionShap.of(e);
    expect(d).not.toBeNull();
    for (let r = 0; r < 300; r++) {
      const row = randomRow(rng, m, 0.2);
      expectIdentical(phiOf(d!, row, m), phiOf(e, row, m));
    }
  });

  it('declines trees with more splits than it tabulates, and explainers that are not all tables', () => {
    // A full tree of depth 4 has 15 splits.
    const deep: FlatTrees = emptyTrees();
    const rng = createRng(2);
    deep.roots.push(randomTree(deep, rng, 3, 4, 1000));
    const splits = deep.feature.filter((f) => f >= 0).length;
    expect(splits).toBeGreaterThan(MAX_DECISION_SPLITS);
    expect(DecisionShap.of(new TreeExplainer(deep))).toBeNull();
    const shallow = emptyTrees();
    shallow.roots.push(randomTree(shallow, rng, 3, 2, 1000));
    expect(DecisionShap.of(new TreeExplainer(shallow, { maxTableFeatures: -1 }))).toBeNull();
    expect(DecisionShap.of(new TreeExplainer(shallow, { reference: true }))).toBeNull();
  });
});
