#!/usr/bin/python3
"""Golden values for src/ml parity tests, computed with Debian's scikit-learn.

Run with the system interpreter (it sees python3-sklearn):

    /usr/bin/python3 scripts/golden/make_golden.py

Writes src/ml/__golden__/{metrics,calibration,logistic,binning,learners}.json: the inputs (generated
with fixed numpy seeds) and scikit-learn's outputs. NaN is written as null. The tests read only these
files, so CI needs no Python. Re-running gives identical files for the same library versions.
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import scipy
import sklearn
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.calibration import _sigmoid_calibration, calibration_curve
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "ml", "__golden__")


def clean(x):
    """numpy → JSON-able, NaN → None."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if np.isnan(v) else v
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def write(name, obj):
    obj = {
        "generator": "scripts/golden/make_golden.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
        **obj,
    }
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(clean(obj), f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path), file=sys.stderr)


def ece(y, p, n_bins=10, w=None):
    """ECE as documented in metrics.ts: sklearn calibration_curve bins weighted by bin counts."""
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(bins[1:-1], p)
    w = np.ones_like(p) if w is None else w
    tot = np.bincount(ids, weights=w, minlength=n_bins)
    sp = np.bincount(ids, weights=w * p, minlength=n_bins)
    sy = np.bincount(ids, weights=w * y, minlength=n_bins)
    nz = tot > 0
    return float(np.sum(tot[nz] * np.abs(sy[nz] / tot[nz] - sp[nz] / tot[nz])) / np.sum(tot))


def metric_case(name, y, s, w=None, thresholds=(0.5,)):
    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64)
    case = {"name": name, "y": y, "score": s, "weight": w}
    case["roc_auc"] = roc_auc_score(y, s, sample_weight=w)
    case["average_precision"] = average_precision_score(y, s, sample_weight=w)
    fpr, tpr, thr = roc_curve(y, s, sample_weight=w)
    case["roc_curve"] = {"fpr": fpr, "tpr": tpr, "thresholds": thr}
    fpr, tpr, thr = roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    case["roc_curve_full"] = {"fpr": fpr, "tpr": tpr, "thresholds": thr}
    pr, rc, thr = precision_recall_curve(y, s, sample_weight=w)
    case["pr_curve"] = {"precision": pr, "recall": rc, "thresholds": thr}
    if s.min() >= 0 and s.max() <= 1:
        case["brier"] = brier_score_loss(y, s, sample_weight=w)
        case["log_loss"] = log_loss(y, s, sample_weight=w)
        if w is None:
            pt, pp = calibration_curve(y, s, n_bins=10, strategy="uniform")
            case["calibration_curve"] = {"prob_true": pt, "prob_pred": pp}
        case["ece"] = ece(y.astype(float), s, 10, None if w is None else np.asarray(w, dtype=float))
    at = []
    for t in thresholds:
        pred = (s >= t).astype(np.int64)
        tn, fp, fn, tp = confusion_matrix(y, pred, sample_weight=w, labels=[0, 1]).ravel()
        at.append(
            {
                "threshold": t,
                "tp": tp,
                "fp": fp,
                "tn": tn,
                "fn": fn,
                "precision": precision_score(y, pred, sample_weight=w, zero_division=0),
                "recall": recall_score(y, pred, sample_weight=w, zero_division=0),
                "f1": f1_score(y, pred, sample_weight=w, zero_division=0),
                "f2": fbeta_score(y, pred, beta=2, sample_weight=w, zero_division=0),
                "accuracy": accuracy_score(y, pred, sample_weight=w),
            }
        )
    case["at"] = at
    return case


def make_metrics():
    rng = np.random.RandomState(0)
    cases = []
    # Probabilities with many ties (rounded), moderate signal.
    n = 300
    y = rng.binomial(1, 0.4, n)
    p = np.clip(0.4 + 0.25 * (y - 0.4) + rng.normal(0, 0.2, n), 0, 1).round(2)
    cases.append(metric_case("ties_rounded", y, p, thresholds=(0.0, 0.3, 0.41, 0.5, 0.75, 1.0, 1.5)))
    # Continuous scores outside [0, 1] (log-odds), no ties.
    y2 = rng.binomial(1, 0.3, 200)
    z = rng.normal(0, 1, 200) + 1.2 * y2
    cases.append(metric_case("logodds_continuous", y2, z, thresholds=(-1.0, 0.0, 0.7)))
    # Weighted, with zero weights and ties.
    y3 = rng.binomial(1, 0.5, 120)
    p3 = rng.randint(0, 11, 120) / 10.0
    w3 = rng.randint(0, 4, 120).astype(float)
    cases.append(metric_case("weighted_ties", y3, p3, w=w3, thresholds=(0.3, 0.5)))
    # All scores equal.
    y4 = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    cases.append(metric_case("all_equal_scores", y4, np.full(8, 0.5), thresholds=(0.5, 0.6)))
    # Tiny hand-checkable case; probability exactly on bin edges (0.3, 0.6, 0.7).
    y5 = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0])
    p5 = np.array([0.1, 0.3, 0.3, 0.6, 0.7, 0.7, 0.95, 0.2, 1.0, 0.0])
    cases.append(metric_case("bin_edges", y5, p5, thresholds=(0.3, 0.7)))
    # Perfect separation and extreme probabilities (log-loss clipping).
    y6 = np.array([0, 0, 0, 1, 1, 1])
    p6 = np.array([0.0, 1e-20, 0.2, 0.8, 1.0 - 1e-17, 1.0])
    cases.append(metric_case("extremes", y6, p6, thresholds=(0.5,)))
    # numpy linear percentiles (bootstrap interval endpoints).
    vals = rng.normal(0, 1, 37)
    pct = {"values": vals, "q": [0, 2.5, 25, 50, 97.5, 100], "out": [np.percentile(vals, q) for q in [0, 2.5, 25, 50, 97.5, 100]]}
    write("metrics.json", {"cases": cases, "percentile": pct})


def make_calibration():
    rng = np.random.RandomState(1)
    n = 400
    y = rng.binomial(1, 0.35, n)
    raw = rng.normal(0, 1, n) + 1.5 * y
    raw_t = np.round(raw, 1)  # ties
    x_test = np.concatenate([np.linspace(-5, 5, 41), raw_t[:20]])
    iso_cases = []
    for name, xs, w in [
        ("continuous", raw, None),
        ("ties", raw_t, None),
        ("ties_weighted", raw_t, rng.randint(0, 3, n).astype(float)),
    ]:
        ir = IsotonicRegression(out_of_bounds="clip").fit(xs, y, sample_weight=w)
        iso_cases.append(
            {"name": name, "x": xs, "y": y, "weight": w, "x_test": x_test, "pred": ir.predict(x_test),
             "x_thresholds": ir.X_thresholds_, "y_thresholds": ir.y_thresholds_}
        )
    platt_cases = []
    for name, xs, w in [("unweighted", raw, None), ("weighted", raw_t, rng.randint(1, 4, n).astype(float))]:
        a, b = _sigmoid_calibration(xs, y, sample_weight=w)
        # The exact optimum of the same objective (sklearn's BFGS stops at gradient 1e-5).
        prior1 = (w[y > 0] if w is not None else np.ones((y > 0).sum())).sum()
        prior0 = (w[y <= 0] if w is not None else np.ones((y <= 0).sum())).sum()
        T = np.where(y > 0, (prior1 + 1) / (prior1 + 2), 1 / (prior0 + 2))
        ww = np.ones(n) if w is None else w

        def obj(ab):
            z = ab[0] * xs + ab[1]
            return float(np.sum(ww * (T * np.logaddexp(0, z) + (1 - T) * np.logaddexp(0, -z))))

        def grad(ab):
            P = expit(-(ab[0] * xs + ab[1]))
            d = ww * (T - P)
            return np.array([np.dot(d, xs), d.sum()])

        res = minimize(obj, np.array([a, b]), jac=grad, method="BFGS", options={"gtol": 1e-12, "maxiter": 1000})
        platt_cases.append(
            {"name": name, "x": xs, "y": y, "weight": w, "a": a, "b": b, "a_exact": res.x[0], "b_exact": res.x[1],
             "x_test": x_test, "pred": expit(-(a * x_test + b))}
        )
    write("calibration.json", {"isotonic": iso_cases, "platt": platt_cases})


def synthetic(seed, n=600, nan_frac=0.1):
    X, y = make_classification(
        n_samples=n, n_features=10, n_informative=5, n_redundant=2, flip_y=0.05, class_sep=0.8, random_state=seed
    )
    X = np.round(X, 4)  # short JSON; the rounded values are the inputs of both sides
    rng = np.random.RandomState(seed + 100)
    X[:, 8] = np.round(X[:, 8] * 2)  # few distinct values
    X[:, 9] = rng.randint(0, 4, n)  # a category-like code
    Xn = X.copy()
    for j in (0, 3, 5):
        Xn[rng.rand(n) < nan_frac, j] = np.nan
    return X, Xn, y


def make_logistic():
    X, _, y = synthetic(3, n=300)
    cases = []
    for name, C, cw in [("C1", 1.0, None), ("C0.05_balanced", 0.05, "balanced"), ("C10", 10.0, None)]:
        exact = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight=cw, solver="newton-cg", tol=1e-12, max_iter=100000)).fit(X, y)
        default = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight=cw)).fit(X, y)
        lr = exact[-1]
        sc = exact[0]
        cases.append(
            {"name": name, "C": C, "class_weight": cw, "coef": lr.coef_[0], "intercept": lr.intercept_[0],
             "coef_default": default[-1].coef_[0], "intercept_default": default[-1].intercept_[0],
             "means": sc.mean_, "scales": sc.scale_, "proba": exact.predict_proba(X[:50])[:, 1]}
        )
    Xw, _, yw = synthetic(4, n=200)
    w = np.random.RandomState(5).randint(1, 4, 200).astype(float)
    ex = make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cg", tol=1e-12, max_iter=100000))
    ex.fit(Xw, yw, logisticregression__sample_weight=w)
    weighted = {"X": Xw, "y": yw, "weight": w, "coef": ex[-1].coef_[0], "intercept": ex[-1].intercept_[0]}
    imp = SimpleImputer(strategy="median").fit(synthetic(3, n=300)[1])
    write("logistic.json", {"X": X, "y": y, "cases": cases, "weighted": weighted,
                            "imputer": {"X": synthetic(3, n=300)[1], "medians": imp.statistics_}})


def make_binning():
    rng = np.random.RandomState(7)
    cols = {
        "continuous": rng.normal(0, 1, 1000),
        "few_distinct": rng.randint(0, 7, 1000).astype(float),
        "with_nan": np.where(rng.rand(1000) < 0.2, np.nan, rng.exponential(1, 1000).round(1)),
        "heavy_ties": np.concatenate([np.zeros(700), rng.normal(0, 1, 300)]),
    }
    out = []
    for name, c in cols.items():
        bm = _BinMapper(n_bins=256).fit(c.reshape(-1, 1))
        out.append({"name": name, "x": c, "thresholds": bm.bin_thresholds_[0], "binned": bm.transform(c.reshape(-1, 1))[:, 0]})
    write("binning.json", {"columns": out})


def make_learners():
    X, Xn, y = synthetic(11, n=600)
    tr, te = np.arange(400), np.arange(400, 600)
    out = {"X": Xn, "X_complete": X, "y": y, "train": tr, "test": te}
    # GBDT: same growth rules → raw predictions should agree closely.
    hgb_cases = []
    for name, params in [
        ("default_20iter", dict(max_iter=20)),
        ("depth3_l2", dict(max_iter=30, max_depth=3, l2_regularization=1.0, min_samples_leaf=10, learning_rate=0.2)),
        ("leaves8_balanced", dict(max_iter=25, max_leaf_nodes=8, class_weight="balanced")),
        ("default_200iter", dict(max_iter=200)),
        ("no_leaf_limit_depth4", dict(max_iter=20, max_leaf_nodes=None, max_depth=4, min_samples_leaf=5)),
    ]:
        m = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params).fit(Xn[tr], y[tr])
        hgb_cases.append({"name": name, "params": params, "raw_test": m.decision_function(Xn[te]),
                          "auc_test": roc_auc_score(y[te], m.decision_function(Xn[te])), "n_iter": m.n_iter_})
    # Sample weights (integer-valued, some zero) with the default growth rules.
    sw = np.random.RandomState(12).randint(0, 4, len(tr)).astype(float)
    m = HistGradientBoostingClassifier(max_iter=15, early_stopping=False, random_state=0).fit(Xn[tr], y[tr], sample_weight=sw)
    hgb_cases.append({"name": "sample_weight_15iter", "params": dict(max_iter=15), "sample_weight": sw,
                      "raw_test": m.decision_function(Xn[te]),
                      "auc_test": roc_auc_score(y[te], m.decision_function(Xn[te])), "n_iter": m.n_iter_})
    out["hgb"] = hgb_cases
    # Early stopping holds out a random 10%: compare means over seeds (the RNGs differ).
    es_auc, es_iter = [], []
    for seed in range(5):
        es = HistGradientBoostingClassifier(max_iter=500, early_stopping=True, random_state=seed).fit(Xn[tr], y[tr])
        es_auc.append(roc_auc_score(y[te], es.decision_function(Xn[te])))
        es_iter.append(es.n_iter_)
    out["hgb_early_stopping"] = {"n_iter": es_iter, "auc_test": es_auc, "auc_test_mean": float(np.mean(es_auc))}
    # Random forest: sklearn 1.2 rejects NaN, so it sees median-imputed data.
    imp = SimpleImputer(strategy="median").fit(Xn[tr])
    Xi = imp.transform(Xn)
    rf_cases = []
    for name, params in [
        ("default", dict(n_estimators=100)),
        ("leaf5_balanced", dict(n_estimators=200, min_samples_leaf=5, class_weight="balanced")),
        ("depth6_subsample", dict(n_estimators=150, max_depth=6, class_weight="balanced_subsample")),
    ]:
        aucs = []
        for seed in range(5):
            m = RandomForestClassifier(random_state=seed, n_jobs=1, **params).fit(Xi[tr], y[tr])
            aucs.append(roc_auc_score(y[te], m.predict_proba(Xi[te])[:, 1]))
        rf_cases.append({"name": name, "params": params, "auc_test_mean": float(np.mean(aucs)), "auc_test": aucs})
    out["rf"] = rf_cases
    out["X_imputed"] = Xi
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(Xi[tr], y[tr])
    out["lr"] = {"auc_test": roc_auc_score(y[te], lr.decision_function(Xi[te])), "coef": lr[-1].coef_[0],
                 "intercept": lr[-1].intercept_[0]}
    write("learners.json", out)


def choose_threshold(y, s, beta, min_recall):
    """Independent brute force of the documented policy: every distinct score as a cut (s >= cut)."""
    best = None
    for t in np.unique(s)[::-1]:  # highest cut first so ties keep the higher threshold
        pred = (s >= t).astype(int)
        r = recall_score(y, pred, zero_division=0)
        if r < min_recall:
            continue
        f = fbeta_score(y, pred, beta=beta, zero_division=0)
        pr = precision_score(y, pred, zero_division=0)
        if best is None or f > best[1] or (f == best[1] and pr > best[2]):
            best = (t, f, pr, r)
    return {"threshold": best[0], "fbeta": best[1], "precision": best[2], "recall": best[3]}


def choose_capped(y, s, min_recall, max_flag_ratio):
    """Independent brute force of `min_recall_with_flag_cap`: the highest cut (s >= cut) whose recall
    reaches the floor; if it flags more than max_flag_ratio x mean(s) x n, the lowest cut within that."""
    cuts = np.unique(s)[::-1]
    cap = max_flag_ratio * float(np.mean(s)) * len(s)
    t, rule = None, "min_recall"
    for c in cuts:
        if recall_score(y, (s >= c).astype(int), zero_division=0) >= min_recall:
            t = c
            break
    if (s >= t).sum() > cap:
        within = [c for c in cuts if (s >= c).sum() <= cap]
        t, rule = (min(within) if within else cuts[0]), "flag_cap"
    pred = (s >= t).astype(int)
    return {"threshold": t, "rule": rule, "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0), "flagged_rate": float(pred.mean()),
            "expected_rate": float(np.mean(s))}


def make_threshold():
    rng = np.random.RandomState(21)
    cases = []
    for name, n, base, sep, beta, min_recall in [
        ("f2_recall75", 400, 0.4, 1.0, 2, 0.75),
        ("f1_recall50", 300, 0.3, 1.5, 1, 0.5),
        ("f2_recall90_ties", 250, 0.5, 0.7, 2, 0.9),
        # F0.5 alone would cut high (precision first): here the recall floor decides the cut.
        ("f05_recall70_floor_decides", 300, 0.4, 1.5, 0.5, 0.7),
    ]:
        y = rng.binomial(1, base, n)
        s = expit(rng.normal(0, 1, n) + sep * y - 0.5)
        if "ties" in name:
            s = np.round(s, 2)
        cases.append({"name": name, "y": y, "score": s, "beta": beta, "min_recall": min_recall,
                      "choice": choose_threshold(y, s, beta, min_recall)})
    capped = []
    for name, n, base, sep, shift, min_recall, ratio in [
        # The recall floor decides; the floor is a multiple of 1/positives, so recall equals it exactly.
        ("recall_floor_exact", 400, 0.4, 2.0, 0.0, "exact:0.8", 1.25),
        # The recall floor decides, recall lands above the floor (ties: 2-decimal scores).
        ("recall_floor_ties", 300, 0.6, 1.2, 0.0, 0.8, 1.25),
        # Scores far below the base rate with weak separation: catching 80% would flag far more than
        # 1.25 x the mean score, so the cap decides.
        ("flag_cap_decides", 300, 0.3, 0.8, 2.0, 0.8, 1.25),
    ]:
        y = rng.binomial(1, base, n)
        s = expit(rng.normal(0, 1, n) + sep * y - 0.5 - shift)
        if "ties" in name:
            s = np.round(s, 2)
        if isinstance(min_recall, str):
            positives = int(y.sum())
            min_recall = float(np.ceil(float(min_recall.split(":")[1]) * positives)) / positives
        capped.append({"name": name, "y": y, "score": s, "min_recall": min_recall, "max_flag_ratio": ratio,
                       "choice": choose_capped(y, s, min_recall, ratio)})
    write("threshold.json", {"cases": cases, "capped": capped})


def format_with_biome():
    """Format the fixtures the way `npm run lint` expects (biome), so regenerating leaves lint clean."""
    root = os.path.abspath(os.path.join(OUT, "..", "..", ".."))
    try:
        subprocess.run(["npx", "biome", "format", "--write", os.path.relpath(OUT, root)], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"biome format failed ({err}); run `npx biome format --write src/ml/__golden__`", file=sys.stderr)


if __name__ == "__main__":
    # The "exact" reference fits ask for tolerances (1e-12) below what float64 line searches can certify;
    # they stop at the optimum with a warning. The tests bound the remaining difference explicitly.
    warnings.filterwarnings("ignore", message="The line search algorithm did not converge")
    warnings.filterwarnings("ignore", message="Line Search failed")
    warnings.filterwarnings("ignore", message="newton-cg failed to converge")
    if sys.argv[1:] == ["threshold"]:  # only src/ml/__golden__/threshold.json
        make_threshold()
        format_with_biome()
        sys.exit(0)
    make_threshold()
    os.makedirs(OUT, exist_ok=True)
    make_metrics()
    make_calibration()
    make_logistic()
    make_binning()
    make_learners()
    format_with_biome()
