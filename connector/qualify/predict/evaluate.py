"""How good a scoring model is on the held-out contacts: ROC-AUC, PR-AUC, lift in the top 10/20/30 %, Brier
score and a calibration table. Works for any scoring model YAML, hand-written or fitted, so the two can be
compared on the same contacts.

Scores (0-100 points) become probabilities through a Platt fit on the *training* part, so the Brier score and
the calibration table judge the score as a predictor without peeking at the held-out outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from connector.qualify import ScoringModel, qualify_batch
from connector.qualify.predict.dataset import Example, Split
from connector.reports.metrics import CalibrationBin, average_precision, brier, calibration, lift_at, platt, roc_auc


@dataclass(frozen=True)
class Evaluation:
    model: str
    version: str
    n_train: int
    n_test: int
    positives_test: int
    roc_auc: float | None
    pr_auc: float | None
    lift_top10: float | None
    lift_top20: float | None
    lift_top30: float | None
    brier: float | None
    base_rate: float
    calibration: tuple[CalibrationBin, ...]

    def figures(self) -> dict[str, Any]:
        """The headline numbers as a flat dict (for JSON), rounded for reading."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "calibration":
                continue
            out[key] = round(value, 4) if isinstance(value, float) else value
        return out


def model_scores(model: ScoringModel, examples: Sequence[Example], now: datetime) -> list[float]:
    """Each example's score under ``model`` as of ``now``."""
    return [float(q.score) for q in qualify_batch(((e.contact, e.activities) for e in examples), model, now)]


def evaluate_scores(name: str, version: str, scores: Sequence[float], examples: Sequence[Example],
                    split: Split) -> Evaluation:
    """Metrics of given scores on the held-out part of ``split``."""
    train_scores = [scores[i] for i in split.train]
    train_labels = [examples[i].label for i in split.train]
    to_probability = platt(train_scores, train_labels)
    test_scores = [scores[i] for i in split.test]
    test_labels = [examples[i].label for i in split.test]
    probabilities = [to_probability(s) for s in test_scores]
    positives = sum(test_labels)
    return Evaluation(
        model=name, version=version, n_train=len(split.train), n_test=len(split.test), positives_test=positives,
        roc_auc=roc_auc(test_scores, test_labels), pr_auc=average_precision(test_scores, test_labels),
        lift_top10=lift_at(test_scores, test_labels, 0.1), lift_top20=lift_at(test_scores, test_labels, 0.2),
        lift_top30=lift_at(test_scores, test_labels, 0.3), brier=brier(probabilities, test_labels),
        base_rate=positives / len(test_labels) if test_labels else 0.0,
        calibration=tuple(calibration(probabilities, test_labels)),
    )


def evaluate_model(model: ScoringModel, examples: Sequence[Example], split: Split, now: datetime) -> Evaluation:
    """Score every example with ``model`` (through the core, as in production) and evaluate on the held-out part."""
    return evaluate_scores(model.name, model.version, model_scores(model, examples, now), examples, split)
