"""From examples to an exported, evaluated scorecard: the steps `leadbridge model fit` runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.mapping.shipped import shipped_mapping
from connector.mapping.yamlfile import load_yaml
from connector.qualify import ScoringModel, load_model
from connector.qualify.predict.config import PredictConfig
from connector.qualify.predict.dataset import Example, Split
from connector.qualify.predict.evaluate import Evaluation, evaluate_scores, model_scores
from connector.qualify.predict.export import scorecard_document, scorecard_yaml
from connector.qualify.predict.fit import FittedPoints, fit_points
from connector.reports.metrics import platt, roc_auc


@dataclass(frozen=True)
class Scorecard:
    """The exported model (YAML text and compiled), its evaluation, and the unrounded regression's for comparison."""

    yaml_text: str
    model: ScoringModel
    fitted: FittedPoints
    evaluation: Evaluation
    #: ROC-AUC of the logistic regression's own probabilities on the held-out part (before rounding to points).
    regression_roc_auc: float | None


def base_document(path: Path | None) -> dict[str, Any]:
    """The hand-written model's YAML as data (its activity rules become features, its stages are kept)."""
    data = load_yaml(path if path is not None else shipped_mapping("scoring.yaml")).data
    return data if isinstance(data, dict) else {}


def fit_scorecard(examples: Sequence[Example], split: Split, config: PredictConfig, now: datetime,
                  base_model: Path | None = None, name: str = "fitted-scorecard") -> Scorecard:
    base = base_document(base_model)
    fitted = fit_points(examples, split, config, base, now)
    summary = (f"Outcome: {config.outcome}. {split.describe()}. Excluded: "
               f"{', '.join(sorted({*config.leaky_fields, *config.exclude}))}.")
    doc = scorecard_document(fitted, base, name, summary)
    model = load_model(f"<{name}>", text=scorecard_yaml(doc, summary))
    scores = model_scores(model, examples, now)
    to_probability = platt([scores[i] for i in split.train], [examples[i].label for i in split.train])
    doc["description"] = (f"{summary} Probability of the outcome ~ 1 / (1 + exp(-({to_probability.a:.4f} + "
                          f"{to_probability.b:.5f} x score))), fitted on the training part.")
    text = scorecard_yaml(doc, summary)
    model = load_model(f"<{name}>", text=text)
    evaluation = evaluate_scores(model.name, model.version, scores, examples, split)
    regression = roc_auc([fitted.probabilities[i] for i in split.test], [examples[i].label for i in split.test])
    return Scorecard(text, model, fitted, evaluation, regression)
