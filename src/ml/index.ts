/**
 * src/ml — the pure ML core: learners, calibration, metrics, bootstrap intervals, threshold policy.
 * No I/O, no printing, deterministic for a seed. Parity with scikit-learn 1.2 is proven by tests
 * against golden values in src/ml/__golden__ (regenerate: `/usr/bin/python3 scripts/golden/make_golden.py`).
 *
 * DATA
 *   Matrix { data: Float64Array (row-major), rows, cols }, NaN = missing.  createMatrix, matrixFromRows,
 *   rowView, selectRows, selectValues, column.  Labels: 0/1 array-like.  createRng(seed) (mulberry32).
 *
 * LEARNERS  fitX(X, y, opts, sampleWeight?) → JSON-serialisable state (plain numbers/arrays only:
 *           JSON.stringify/parse round-trips it exactly), predictRawX(state, X) → Float64Array,
 *           predictProbaX(state, X), predictRowX(state, row, offset = 0) → raw (zero allocation),
 *           contributionsX(state, row, offset = 0) → Float64Array(n_features + 1), bias LAST,
 *           Σ = predictRowX exactly (up to rounding).
 *   logistic  fitLogistic(X, y, { C = 1, standardize = true, classWeight }) — sklearn LogisticRegression
 *             objective, standardisation inside the state; NaN NOT allowed: fitMedianImputer /
 *             applyImputer / imputeRowInPlace first. Raw = log-odds; contributions = coef·(x − mean)/scale.
 *   gbdt      fitGbdt(X, y, { learningRate = 0.1, maxIter = 100, maxLeafNodes = 31, maxDepth = null,
 *             minSamplesLeaf = 20, l2Regularization = 0, maxBins = 255, classWeight, earlyStopping,
 *             validation: { X, y }, validationFraction = 0.1, nIterNoChange = 10, tol = 1e-7, seed })
 *             — native NaN. Raw = log-odds; contributions = TreeSHAP (path-dependent).
 *   forest    fitForest(X, y, { nEstimators = 100, maxFeatures = 'sqrt', maxDepth = null,
 *             minSamplesLeaf = 1, minSamplesSplit = 2, bootstrap = true,
 *             classWeight: 'balanced' | 'balanced_subsample', maxBins = 255, seed }) — native NaN.
 *             Raw = probability (mean leaf class-1 fraction); contributions = TreeSHAP in probability.
 *   The model layer (src/model/learners.ts) dispatches over the three states by `state.kind`.
 *   Trees (tree.ts): FlatTrees = parallel arrays over every node of every tree (roots, feature [−1 = leaf],
 *             threshold [x ≤ t → left], nan_left, left, right, value, cover); children always come after
 *             their parent. compileTrees (typed-array copy) and treeFunctions (each tree compiled to a JS
 *             function, ~2× faster batch scoring; refuses malformed states) are cached per state object:
 *             treat states as immutable. sumTreesRow (arrays, zero allocation) / sumTreesBatch (compiled,
 *             tree-major), expectedSum, TreeShapWorkspace + treeShapAdd (reuse one workspace per model).
 *   Tree growers (internal): gbdt-grower.ts (HistTreeGrower: best-first, histogram subtraction) for
 *             fitGbdt, forest-grower.ts (ForestTreeGrower: depth-first, gini over bins) for fitForest.
 *   Fast exact contributions (tree-explainer.ts): explainerFor(trees) → TreeExplainer, built once per
 *             model, picks per tree a per-leaf table (Fast TreeSHAP v2) or Linear TreeSHAP.
 *   All fits throw ML_SINGLE_CLASS when the (positively weighted) labels hold one class.
 *
 * CALIBRATION  fitIsotonic / fitPlatt / fitCalibrator(kind, scores, y, w?) → CalibratorState (JSON);
 *   calibrateOne(state, score), calibrate(state, scores). Fit on raw scores of a held-out set.
 *
 * METRICS (sklearn-equal; see metrics.ts for edge cases)  rocAuc, averagePrecision, rocCurve,
 *   precisionRecallCurve, confusionAt(y, s, thr) [positive iff s ≥ thr], precisionOf, recallOf,
 *   fbetaOf, accuracyOf, brierScore, logLoss, calibrationCurve, expectedCalibrationError (10 equal-width
 *   bins weighted by counts), evaluateAt(y, p, thr) → { metrics: MetricSet, confusion },
 *   bootstrapCI(y, s, metricFn, { n = 1000, seed, alpha = 0.05, stratified }),
 *   bootstrapMetrics(y, p, thr, opts) → every MetricSet key with { value, ci_low, ci_high, n_valid, n }.
 *   metricOrNull(() => rocAuc(...)) → null instead of ML_SINGLE_CLASS.
 *
 * THRESHOLD  chooseThreshold(yVal, pVal, policy = DEFAULT_THRESHOLD_POLICY) → ThresholdChoice;
 *   policy { kind: 'max_fbeta_with_min_recall', beta: 2, min_recall: 0.75 } (JSON, record it in metadata).
 *
 * ERRORS  ML_ERRORS (errors.ts): EMPTY_INPUT, SHAPE_MISMATCH, INVALID_VALUE, SINGLE_CLASS, INVALID_OPTION.
 */
export * from './binning.js';
export * from './calibration.js';
export * from './errors.js';
export * from './forest.js';
export * from './gbdt.js';
export * from './logistic.js';
export * from './matrix.js';
export * from './metrics.js';
export * from './preprocess.js';
export * from './rng.js';
export * from './threshold.js';
export * from './tree.js';
export * from './tree-explainer.js';
export * from './weights.js';
