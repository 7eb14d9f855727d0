/**
 * Benchmark of the pure ML core (src/ml) on a synthetic data set shaped like the real training set
 * (1,400 rows × 25 features, 10% NaN in 5 columns, ~40% positives).
 *
 * Method: each measured call runs `warmup` times first (JIT), then `runs` times; the medians of the wall
 * time (performance.now) and of this process's CPU time (process.cpuUsage, user + system) are printed
 * with the row counts. On a shared, busy machine the CPU time is the better estimate of the unloaded
 * wall time. Single-row timings are the median over batches of 1,000 calls, divided by 1,000.
 *
 * Run alone: `npx tsx bench/ml.ts`; `npm run bench` calls `benchMl()`.
 */
import { pathToFileURL } from 'node:url';
import {
  applyImputer,
  bootstrapMetrics,
  chooseThreshold,
  contributionsForest,
  contributionsGbdt,
  createMatrix,
  createRng,
  explainerFor,
  fitForest,
  fitGbdt,
  fitIsotonic,
  fitLogistic,
  fitMedianImputer,
  fitPlatt,
  type Matrix,
  maxDepthOf,
  predictProbaGbdt,
  predictRawForest,
  predictRawGbdt,
  predictRawLogistic,
  predictRowForest,
  predictRowGbdt,
  predictRowLogistic,
  rowScorer,
  TreeShapWorkspace,
  treeFunctions,
} from '../src/ml/index.js';

function syntheticData(n: number, p: number, seed: number): { X: Matrix; y: Float64Array } {
  const rng = createRng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const X = createMatrix(n, p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) X.data[i * p + j] = j % 5 === 4 ? Math.floor(rng.next() * 10) : gauss();
    const r = X.data.subarray(i * p, (i + 1) * p);
    const z =
      0.9 * r[0]! -
      0.7 * r[1]! +
      0.5 * r[2]! * r[3]! +
      0.3 * (r[4]! > 4 ? 1 : -1) +
      0.6 * Math.sin(r[5]!) -
      0.4;
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    for (const j of [0, 2, 6, 7, 8]) if (rng.next() < 0.1) X.data[i * p + j] = Number.NaN;
  }
  return { X, y };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Timing {
  /** Median wall time, ms. */
  wall: number;
  /** Median CPU time of this process (user + system), ms: less sensitive to other processes on the machine. */
  cpu: number;
}

function time(fn: () => unknown, runs: number, warmup = 1): Timing {
  for (let k = 0; k < warmup; k++) fn();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

/** Median µs per call of `fn(i)` over batches of 1,000 calls (wall and CPU). */
function perRowMicros(fn: (i: number) => number, rows: number, batches = 15): Timing {
  let sink = 0;
  const once = () => {
    for (let k = 0; k < 1000; k++) sink += fn(k % rows);
  };
  const t = time(once, batches, 3);
  if (Number.isNaN(sink)) console.log('');
  // ms per 1,000 calls = µs per call.
  return t;
}

export async function benchMl(): Promise<void> {
  const n = 1400;
  const p = 25;
  const { X, y } = syntheticData(n, p, 1);
  const big = syntheticData(10_000, p, 2).X;
  const mid = createMatrix(1000, p, big.data.slice(0, 1000 * p));
  const imputer = fitMedianImputer(X);
  const Xi = applyImputer(imputer, X);
  const bigI = applyImputer(imputer, big);
  const fmt = (v: number) => v.toFixed(v < 1 ? 3 : 1).padStart(8);
  const line = (what: string, t: Timing, extra = '') =>
    console.log(`  ${what.padEnd(60)} wall ${fmt(t.wall)} ms  cpu ${fmt(t.cpu)} ms ${extra}`);

  console.log(
    `ml bench: synthetic ${n} rows × ${p} features (10% NaN in 5 columns); median of N runs after warm-up`,
  );
  const gbdt = fitGbdt(X, y, { maxIter: 200 });
  line(
    'fitGbdt 200 iter, 31 leaves, lr 0.1 (N=5)',
    time(() => fitGbdt(X, y, { maxIter: 200 }), 5),
  );
  line(
    'fitGbdt early stopping (≤ 500 iter, 10% holdout) (N=5)',
    time(() => fitGbdt(X, y, { maxIter: 500, earlyStopping: true, seed: 1 }), 5),
    `n_iter=${fitGbdt(X, y, { maxIter: 500, earlyStopping: true, seed: 1 }).n_iter}`,
  );
  const forest = fitForest(X, y, { nEstimators: 100, minSamplesLeaf: 3, seed: 1 });
  line(
    'fitForest 100 trees, sqrt features, min leaf 3 (N=5)',
    time(() => fitForest(X, y, { nEstimators: 100, minSamplesLeaf: 3, seed: 1 }), 5),
  );
  const lr = fitLogistic(Xi, y);
  line(
    'fitLogistic C=1 (Newton) (N=9)',
    time(() => fitLogistic(Xi, y), 9),
  );
  const raw = predictRawGbdt(gbdt, X);
  const proba = predictProbaGbdt(gbdt, X);
  line(
    'fitIsotonic on 1,400 scores (N=9)',
    time(() => fitIsotonic(raw, y), 9),
  );
  line(
    'fitPlatt on 1,400 scores (N=9)',
    time(() => fitPlatt(raw, y), 9),
  );
  line(
    'chooseThreshold (default: recall ≥ 0.85, cap 1.25×) on 1,400 rows (N=9)',
    time(() => chooseThreshold(y, proba), 9),
  );
  line(
    'bootstrapMetrics 1,000 resamples × 10 metrics, 1,400 rows (N=3)',
    time(() => bootstrapMetrics(y, proba, 0.4, { n: 1000, seed: 1 }), 3),
  );

  console.log(
    '  prediction (raw scores; 10,000-row batch = median of N=9 after 2 warm-ups; single row = median µs/call)',
  );
  line(
    'compile 200 GBDT trees to JS (first large batch / rowScorer)',
    time(() => treeFunctions({ ...gbdt.trees }), 3, 1),
  );
  line(
    'predictRawGbdt 10,000 rows (200 trees, compiled)',
    time(() => predictRawGbdt(gbdt, big), 9, 2),
  );
  line(
    'predictRawForest 10,000 rows (100 trees, compiled)',
    time(() => predictRawForest(forest, big), 9, 2),
  );
  line(
    'predictRawGbdt 1,000 rows (array walk, below the compile size)',
    time(() => predictRawGbdt(gbdt, mid), 9, 2),
  );
  line(
    'predictRawLogistic 10,000 rows',
    time(() => predictRawLogistic(lr, bigI), 9, 2),
  );
  const us = (what: string, t: Timing) =>
    console.log(`  ${what.padEnd(60)} wall ${fmt(t.wall)} µs  cpu ${fmt(t.cpu)} µs`);
  us(
    'predictRowGbdt one row (array walk)',
    perRowMicros((i) => predictRowGbdt(gbdt, big.data, i * p), big.rows),
  );
  us(
    'predictRowForest one row (array walk)',
    perRowMicros((i) => predictRowForest(forest, big.data, i * p), big.rows),
  );
  const scorer = rowScorer(gbdt.trees);
  for (let i = 0; i < 30_000; i++) scorer(big.data, (i % big.rows) * p);
  us(
    'rowScorer GBDT one row (compiled, after 30,000 warm-up calls)',
    perRowMicros((i) => scorer(big.data, i * p), big.rows),
  );
  us(
    'predictRowLogistic one row',
    perRowMicros((i) => predictRowLogistic(lr, bigI.data, i * p), big.rows),
  );
  const ws = new TreeShapWorkspace(maxDepthOf(gbdt.trees));
  us(
    'contributionsGbdt (TreeSHAP, 200 trees) one row',
    perRowMicros((i) => contributionsGbdt(gbdt, big.data, i * p, ws)[0]!, big.rows, 3),
  );

  // The shipped GBDT shape (train's default config): depth 3, ≤ 8 leaves, lr 0.05, min 20 rows per leaf,
  // L2 1, about 120 iterations (what early stopping picks on the real data).
  const shallowOpts = {
    maxIter: 120,
    learningRate: 0.05,
    maxLeafNodes: 8,
    maxDepth: 3,
    minSamplesLeaf: 20,
    l2Regularization: 1,
  };
  const shallow = fitGbdt(X, y, shallowOpts);
  line(
    'fitGbdt shipped shape: depth 3, 120 iter, lr 0.05 (N=5)',
    time(() => fitGbdt(X, y, shallowOpts), 5),
  );
  const wsShallow = new TreeShapWorkspace(maxDepthOf(shallow.trees));
  us(
    'contributionsGbdt shipped shape (path recursion) one row',
    perRowMicros((i) => contributionsGbdt(shallow, big.data, i * p, wsShallow)[0]!, big.rows, 5),
  );
  const explainer = explainerFor(shallow.trees);
  const phi = new Float64Array(p);
  const viaExplainer = (i: number): number => {
    phi.fill(0);
    explainer.add(big.data, i * p, phi);
    return phi[0]!;
  };
  for (let i = 0; i < 5_000; i++) viaExplainer(i % big.rows);
  us(
    `TreeExplainer shipped shape one row (${explainer.tableTrees} tabulated, ${explainer.linearTrees} linear)`,
    perRowMicros(viaExplainer, big.rows, 5),
  );
  const wsForest = new TreeShapWorkspace(maxDepthOf(forest.trees));
  us(
    'contributionsForest (path recursion, 100 trees) one row',
    perRowMicros((i) => contributionsForest(forest, big.data, i * p, wsForest)[0]!, big.rows, 3),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMl();
}
