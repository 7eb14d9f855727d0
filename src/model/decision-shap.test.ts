import { describe, expect, it } from 'vitest';
import type { StudentRecord } from '../core/student.js';
import { syntheticRows } from '../features/testing/records.js';
import { fitGbdt } from '../ml/gbdt.js';
import { createMatrix } from '../ml/matrix.js';
import { createRng } from '../ml/rng.js';
import { randomRow, randomTree } from '../ml/testing/trees.js';
import { emptyTrees, type FlatTrees, sumTreesRow } from '../ml/tree.js';
import { TreeExplainer } from '../ml/tree-explainer.js';
import { DecisionShap, MAX_DECISION_SPLITS } from './decision-shap.js';
import { loadModel } from './load.js';
import { fixtureModels } from './testing/model-files.js';

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
      const d = DecisionShap.of(e, t);
      expect(d).not.toBeNull();
      for (let r = 0; r < 25; r++) {
        const row = randomRow(rng, m, 0.25);
        expectIdentical(phiOf(d!, row, m), phiOf(e, row, m));
        // The leaves the same pass reaches, summed in tree order: the scorer's sum, bit for bit.
        expect(Object.is(d!.addWithLeaves(row, 0, new Float64Array(m)), sumTreesRow(t, row))).toBe(true);
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
    const d = DecisionShap.of(e, state.trees);
    expect(d).not.toBeNull();
    for (let r = 0; r < 300; r++) {
      const row = randomRow(rng, m, 0.2);
      expectIdentical(phiOf(d!, row, m), phiOf(e, row, m));
      expect(Object.is(d!.addWithLeaves(row, 0, new Float64Array(m)), sumTreesRow(state.trees, row))).toBe(
        true,
      );
    }
  });

  it('declines trees with more splits than it tabulates, and explainers that are not all tables', () => {
    // A full tree of depth 4 has 15 splits.
    const deep: FlatTrees = emptyTrees();
    const rng = createRng(2);
    deep.roots.push(randomTree(deep, rng, 3, 4, 1000));
    const splits = deep.feature.filter((f) => f >= 0).length;
    expect(splits).toBeGreaterThan(MAX_DECISION_SPLITS);
    expect(DecisionShap.of(new TreeExplainer(deep), deep)).toBeNull();
    const shallow = emptyTrees();
    shallow.roots.push(randomTree(shallow, rng, 3, 2, 1000));
    expect(DecisionShap.of(new TreeExplainer(shallow, { maxTableFeatures: -1 }), shallow)).toBeNull();
    expect(DecisionShap.of(new TreeExplainer(shallow, { reference: true }), shallow)).toBeNull();
  });
});

/** A random student: any field may be missing, values inside and outside what training saw. */
function randomStudent(rng: ReturnType<typeof createRng>): StudentRecord {
  const num = (lo: number, hi: number) => (rng.next() < 0.15 ? null : lo + rng.next() * (hi - lo));
  const int = (lo: number, hi: number) => (rng.next() < 0.15 ? null : lo + rng.int(hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => (rng.next() < 0.15 ? null : xs[rng.int(xs.length)]!);
  return {
    ano_base: int(2022, 2024),
    fase: int(0, 9),
    idade: int(6, 22),
    genero: pick(['feminino', 'masculino'] as const),
    instituicao: pick(['publica', 'privada_bolsa', 'privada', 'concluiu_em'] as const),
    ano_ingresso: int(2016, 2024),
    ian: pick([2.5, 5, 10]),
    ida: num(0, 10),
    ieg: num(0, 10),
    iaa: num(0, 10),
    ips: num(0, 10),
    ipp: num(0, 10),
    ipv: num(0, 10),
    inde: num(0, 10),
    defasagem: int(-4, 3),
  } as StudentRecord;
}

describe('served explanations: the fast explainer answers exactly what the reference one does', () => {
  // A model file trained as the shipped one is (depth-3 boosting on the feature pipeline, raw inputs
  // with missing values), read back from JSON as the server reads it.
  const rows = syntheticRows(600, 8).map((r, i) => (i % 9 === 4 ? { ...r, idade: null, ida: null } : r));
  const file = JSON.parse(
    JSON.stringify(fixtureModels(rows).gbdtFile({ maxIter: 120, maxLeafNodes: 8, maxDepth: 3, seed: 4 })),
  );
  const fast = loadModel(file);
  const reference = loadModel(file, { explainer: 'reference' });

  it('the shipped kind of model is one the fast explainer takes (else the comparison below proves nothing)', () => {
    expect(file.learner.kind).toBe('gbdt');
    expect(
      DecisionShap.of(new TreeExplainer(file.learner.state.trees), file.learner.state.trees),
    ).not.toBeNull();
  });

  it('2,000 random students: every factor (all of them, not only the top 3) identical, bit for bit', () => {
    const rng = createRng(99);
    const width = fast.featureNames.length;
    let nonZero = 0;
    for (let i = 0; i < 2000; i++) {
      const student = randomStudent(rng);
      const a = fast.explain(student, width);
      const b = reference.explain(student, width);
      // toStrictEqual compares numbers with Object.is: −0 and 0 differ, NaN equals NaN.
      expect(a).toStrictEqual(b);
      expect(JSON.stringify(fast.explain(student, 3))).toBe(JSON.stringify(reference.explain(student, 3)));
      // Score and factors from one pass over the trees (the request path) against the reference's two.
      const both = fast.predictExplain(student, width);
      expect(Object.is(both.score, reference.predictOne(student))).toBe(true);
      expect(both.factors).toStrictEqual(b);
      nonZero += a.length;
    }
    expect(nonZero).toBeGreaterThan(2000 * 5);
  });
});
