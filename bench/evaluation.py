"""What bench/evaluate_shoppers.py and bench/evaluate_olist.py share: fit the scorecard through leadbridge's own
predictive path, fit a plain scikit-learn logistic regression on the same raw features and split, and print the
figures (one JSON object on the last line).

Data: ../shared/data (see SOURCES.md there), or LEADBRIDGE_DATA. Not tests: tests never need these files.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.qualify.predict import Example, PredictConfig, Split
from connector.qualify.predict.scorecard import Scorecard, fit_scorecard


def data_dir() -> Path:
    """Where the real data sets are: $LEADBRIDGE_DATA, else ../shared/data next to the checkout."""
    env = os.environ.get("LEADBRIDGE_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", here / "data", Path("/work/shared/data")):
        if candidate.exists():
            return candidate
    raise SystemExit("data not found: set LEADBRIDGE_DATA to the folder holding SOURCES.md")


def plain_logreg_auc(rows: Sequence[dict[str, Any]], numeric: Sequence[str], categorical: Sequence[str],
                     labels: Sequence[bool], split: Split) -> float:
    """ROC-AUC on the held-out part of scikit-learn's LogisticRegression on the raw features: numbers standardized,
    text one-hot (unknown values ignored) — the plain model a data scientist would try first."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = [*numeric, *categorical]
    matrix = np.array([[row[c] for c in columns] for row in rows], dtype=object)
    prep = ColumnTransformer([
        ("num", StandardScaler(), list(range(len(numeric)))),
        ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(len(numeric), len(columns)))),
    ])
    model = make_pipeline(prep, LogisticRegression(max_iter=5000))
    y = np.array(labels, dtype=int)
    train, test = list(split.train), list(split.test)
    model.fit(matrix[train], y[train])
    return float(roc_auc_score(y[test], model.predict_proba(matrix[test])[:, 1]))


def run(name: str, examples: Sequence[Example], split: Split, config: PredictConfig, now: datetime,
        rows: Sequence[dict[str, Any]], numeric: Sequence[str], categorical: Sequence[str], threshold: float,
        extra: dict[str, Any] | None = None) -> Scorecard:
    started = time.perf_counter()
    card = fit_scorecard(examples, split, config, now, name=f"{name}-scorecard")
    fitted_s = time.perf_counter() - started
    logreg = plain_logreg_auc(rows, numeric, categorical, [e.label for e in examples], split)
    e = card.evaluation
    figures = {
        "dataset": name,
        "contacts": len(examples),
        "positives": sum(x.label for x in examples),
        "split": split.describe(),
        "roc_auc": e.roc_auc,
        "logreg_roc_auc": round(logreg, 4),
        "binned_logreg_roc_auc": round(card.regression_roc_auc or 0.0, 4),
        "lift_top10": e.lift_top10,
        "lift_top20": e.lift_top20,
        "lift_top30": e.lift_top30,
        "pr_auc": e.pr_auc,
        "brier": e.brier,
        "base_rate_test": round(e.base_rate, 4),
        "threshold_roc_auc": threshold,
        "meets_threshold": (e.roc_auc or 0) >= threshold,
        # The scorecard must not rank worse than the plain regression by more than 0.02 (better is fine).
        "within_0_02_of_logreg": (e.roc_auc or 0) >= logreg - 0.02,
        "roc_auc_minus_logreg": round((e.roc_auc or 0) - logreg, 4),
        "rules": sum(1 for f in card.fitted.families for b in f.buckets if card.fitted.points[b.name] > 0),
        "warnings": list(card.fitted.warnings),
        "fit_seconds": round(fitted_s, 1),
        **(extra or {}),
    }
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))
    return card
