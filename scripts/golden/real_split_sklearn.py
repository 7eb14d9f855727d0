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
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(path):
    df = pd.read_csv(path)
    tr = df[df["split"] == "train"]
    te = df[df["split"] == "test"]
    feats = [c for c in df.columns if c not in ("split", "em_risco")]
    return (tr[feats].to_numpy(float), tr["em_risco"].to_numpy(int),
            te[feats].to_numpy(float), te["em_risco"].to_numpy(int), feats)


def main(raw_path, imputed_path):
    xr, yr, xtr, ytr, feats = load(raw_path)
    xi, yi, xti, yti, feats_i = load(imputed_path)
    assert feats == feats_i and (yr == yi).all() and (ytr == yti).all()

    hgb = HistGradientBoostingClassifier(random_state=0).fit(xr, yr)
    auc_hgb = roc_auc_score(ytr, hgb.predict_proba(xtr)[:, 1])

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
            "random_forest": round(float(np.mean(rf_aucs)), 6),
            "random_forest_seeds": [round(float(a), 6) for a in rf_aucs],
            "logistic_regression": round(float(auc_lr), 6),
        },
        "models": {
            "gbdt": "HistGradientBoostingClassifier(random_state=0) on raw (NaN) features",
            "random_forest": "RandomForestClassifier(n_estimators=300, random_state=0..4) on imputed features, mean AUC",
            "logistic_regression": "StandardScaler + LogisticRegression(C=1.0, max_iter=5000) on imputed features",
        },
    }, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: real_split_sklearn.py raw.csv imputed.csv")
    main(sys.argv[1], sys.argv[2])
