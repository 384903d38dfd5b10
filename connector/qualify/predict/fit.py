"""Fit a scorecard: logistic regression on the feature buckets, then integer points per bucket.

Within a family exactly one bucket holds, so adding a constant to all of a family's weights changes no
ranking: each family's weights are shifted so that its lowest bucket is 0 and every point is >= 0 (the
core clamps an axis at 0, which negative points would run into). Points are the shifted weights times a
scale, rounded; the score then orders contacts as the fitted log-odds do, up to that rounding.
"""

from __future__ import annotations

import math
import warnings as warnings_module
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.errors import UserError
from connector.qualify.predict.config import PredictConfig
from connector.qualify.predict.dataset import Example, Split
from connector.qualify.predict.features import Family, build_families, design, univariate_auc

#: The most points the strongest family's best bucket gets: fine enough that rounding costs little.
TOP_POINTS = 100


class MissingExtra(UserError):
    """scikit-learn is not installed."""


def sklearn_logistic() -> Any:
    """scikit-learn's LogisticRegressionCV, or a message saying how to install the extra."""
    try:
        from sklearn.linear_model import LogisticRegressionCV
    except ImportError:
        raise MissingExtra("predictive fitting needs scikit-learn: pip install 'leadbridge[predict]' "
                           "(evaluating a model with `leadbridge model evaluate` does not)") from None
    return LogisticRegressionCV


@dataclass(frozen=True)
class FittedPoints:
    """The fit: families, points per bucket, the scale (points per unit of log-odds) and the warnings."""

    families: tuple[Family, ...]
    points: dict[str, int]
    weights: dict[str, float]
    intercept: float
    scale: float
    warnings: tuple[str, ...]
    #: The unrounded logistic regression's probability for every example (for comparison with the scorecard).
    probabilities: tuple[float, ...] = field(repr=False, default=())


def check_outcomes(examples: Sequence[Example], split: Split, config: PredictConfig) -> None:
    """Refuse to fit on too few converted contacts, saying why and what to do."""
    positives = sum(1 for e in examples if e.label)
    if positives < config.min_positives:
        raise UserError(
            f"only {positives:,} of {len(examples):,} contacts reached the outcome '{config.outcome}'; fitting needs "
            f"at least {config.min_positives:,} (min_positives) because with fewer, the weights and the held-out "
            "evaluation are mostly noise. Wait for more outcomes, choose an earlier outcome (--outcome sql), or "
            "lower --min-positives knowing the figures will be unreliable.")
    for part, indices in (("fitting", split.train), ("held-out", split.test)):
        if not any(examples[i].label for i in indices):
            raise UserError(f"the {part} part ({split.describe()}) has no contact that reached '{config.outcome}': "
                            "try --split random, or a larger test fraction")


def fit_points(examples: Sequence[Example], split: Split, config: PredictConfig, base: dict[str, Any],
               now: datetime) -> FittedPoints:
    """Choose buckets on the fitting part, fit, and turn the weights into integer points."""
    check_outcomes(examples, split, config)  # before the slow import: a refusal should be quick
    logistic = sklearn_logistic()
    import numpy as np  # installed with scikit-learn
    families = build_families(examples, split.train, config, base, now)
    if not families:
        raise UserError("no field or activity has enough variety to learn from (each value needs "
                        f"{config.min_bucket} contacts); check the excluded fields and the mapping")
    columns, rows = design(examples, families, now)
    matrix = np.zeros((len(examples), len(columns)), dtype=np.float64)
    for i, row in enumerate(rows):
        matrix[i, list(row)] = 1.0
    labels = np.array([e.label for e in examples], dtype=np.int8)
    train = np.array(split.train)
    # Newton-Cholesky: a few hundred 0/1 columns and many rows is its case, and it is several times faster
    # than lbfgs here (which also stalls on a near-perfect leaky feature).
    model = logistic(Cs=[0.01, 0.03, 0.1, 0.3, 1.0], cv=4, scoring="roc_auc", max_iter=2000,
                     solver="newton-cholesky", random_state=config.seed)
    with warnings_module.catch_warnings():
        # scikit-learn announces API changes of LogisticRegressionCV that do not change this fit.
        warnings_module.simplefilter("ignore", FutureWarning)
        model.fit(matrix[train], labels[train])
    weights = dict(zip(columns, (float(w) for w in model.coef_[0]), strict=True))
    warnings = _near_perfect(families, columns, [rows[i] for i in split.train],
                             [examples[i].label for i in split.train], config)
    shifted = {}
    for family in families:
        low = min(weights[b.name] for b in family.buckets)
        shifted.update({b.name: weights[b.name] - low for b in family.buckets})
    widest = max((max(shifted[b.name] for b in f.buckets) for f in families), default=0.0)
    scale = TOP_POINTS / widest if widest > 0 else 1.0
    points = {name: int(round(value * scale)) for name, value in shifted.items()}
    probabilities = tuple(float(p) for p in model.predict_proba(matrix)[:, 1])
    return FittedPoints(tuple(families), points, weights, float(model.intercept_[0]), scale, tuple(warnings),
                        probabilities)


def _near_perfect(families: Sequence[Family], columns: Sequence[str], rows: Sequence[set[int]],
                  labels: Sequence[bool], config: PredictConfig) -> list[str]:
    index = {name: i for i, name in enumerate(columns)}
    warnings = []
    for family in families:
        auc = univariate_auc(rows, labels, [index[b.name] for b in family.buckets])
        if auc is not None and max(auc, 1 - auc) >= config.near_perfect_auc:
            warnings.append(
                f"{family.source} alone predicts the outcome almost perfectly (ROC-AUC {max(auc, 1 - auc):.3f} on "
                "the fitting part): is it filled in after the outcome is known (leaky)? If so, exclude it "
                f"(--exclude {family.source}) and fit again")
    return warnings


def logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))
