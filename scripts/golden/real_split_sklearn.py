#!/usr/bin/python3
"""ROC-AUC of scikit-learn's counterparts of our learners on the real temporal split.

Input: two CSVs exported by src/train/real-split.test.ts (same rows, same columns):
  <raw.csv>      the feature matrix with missing values left empty (NaN) -> HistGradientBoostingClassifier
  <imputed.csv>  the same matrix with training medians filled in       -> RandomForest, LogisticRegression
Each has the columns: split (train|test), em_risco (0/1), then the model's features in order.
(scikit-learn 1.2 in Debian cannot fit RandomForest on NaN, hence the imputed copy.)

Models use scikit-learn defaults except: random_state fixed; LogisticRegression standardises its inputs
(StandardScaler, C=1.0, lbfgs, max_iter=5000) because unscaled lbfgs does not converge. RandomForest
(n_estimators=300) is averaged over seeds 0..4 because a single forest's AUC varies by about 0.005.
"gbdt_depth3" is the shipped candidate's shape with a fixed number of iterations (no early stopping, so
no random hold-out): max_depth=3, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=20,
l2_regularization=1, max_iter=DEPTH3_ITER.

Run with Debian's python: /usr/bin/python3 scripts/golden/real_split_sklearn.py raw.csv imputed.csv
Prints one JSON object; src/train/__golden__/sklearn_real_split.json stores it.
"""
import json
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(path):
    df = pd.read_csv(path)
    tr = df[df["split"] == "train"]
    te = df[df["split"] == "test"]
    feats = [c for c in df.columns if c not in ("split", "em_risco")]
    return (tr[feats].to_numpy(float), tr["em_risco"].to_numpy(int),
            te[feats].to_numpy(float), te["em_risco"].to_numpy(int), feats)


DEPTH3 = dict(max_depth=3, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=20, l2_regularization=1.0)
DEPTH3_ITER = 120


def main(raw_path, imputed_path):
    xr, yr, xtr, ytr, feats = load(raw_path)
    xi, yi, xti, yti, feats_i = load(imputed_path)
    assert feats == feats_i and (yr == yi).all() and (ytr == yti).all()

    hgb = HistGradientBoostingClassifier(random_state=0).fit(xr, yr)
    auc_hgb = roc_auc_score(ytr, hgb.predict_proba(xtr)[:, 1])
    hgb3 = HistGradientBoostingClassifier(max_iter=DEPTH3_ITER, early_stopping=False, random_state=0,
                                          **DEPTH3).fit(xr, yr)
    p3 = hgb3.predict_proba(xtr)[:, 1]

    rf_aucs = []
    for seed in range(5):
        rf = RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1).fit(xi, yi)
        rf_aucs.append(roc_auc_score(yti, rf.predict_proba(xti)[:, 1]))

    lr = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000)).fit(xi, yi)
    auc_lr = roc_auc_score(yti, lr.predict_proba(xti)[:, 1])

    print(json.dumps({
        "sklearn_version": sklearn.__version__,
        "n_train": int(len(yr)),
        "n_test": int(len(ytr)),
        "test_positives": int(ytr.sum()),
        "features": feats,
        "roc_auc": {
            "gbdt": round(float(auc_hgb), 6),
            "gbdt_depth3": round(float(roc_auc_score(ytr, p3)), 6),
            "random_forest": round(float(np.mean(rf_aucs)), 6),
            "random_forest_seeds": [round(float(a), 6) for a in rf_aucs],
            "logistic_regression": round(float(auc_lr), 6),
        },
        "pr_auc": {"gbdt_depth3": round(float(average_precision_score(ytr, p3)), 6)},
        "gbdt_depth3_params": dict(DEPTH3, max_iter=DEPTH3_ITER),
        "models": {
            "gbdt_depth3": f"HistGradientBoostingClassifier({DEPTH3}, max_iter={DEPTH3_ITER}, early_stopping=False) on raw (NaN) features",
            "gbdt": "HistGradientBoostingClassifier(random_state=0) on raw (NaN) features",
            "random_forest": "RandomForestClassifier(n_estimators=300, random_state=0..4) on imputed features, mean AUC",
            "logistic_regression": "StandardScaler + LogisticRegression(C=1.0, max_iter=5000) on imputed features",
        },
    }, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: real_split_sklearn.py raw.csv imputed.csv")
    main(sys.argv[1], sys.argv[2])
