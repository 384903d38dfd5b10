"""Predictive scoring: the exported scorecard loads with load_model and ranks as the fit does; too few positives
are refused with the reason; a leaky field is excluded by configuration, and warned about when it is not."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from connector.errors import UserError
from connector.qualify import load_model, qualify_batch
from connector.qualify.predict import PredictConfig, make_examples, split_examples
from connector.qualify.predict.config import load_config
from connector.reports.metrics import roc_auc
from connector.sandbox.synthetic import people, to_common

pytest.importorskip("sklearn")

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def pairs() -> list:
    return [to_common(p) for p in people(1100, seed=21, now=NOW)]


@pytest.fixture(scope="module")
def card(pairs: list):  # type: ignore[no-untyped-def]
    from connector.qualify.predict.scorecard import fit_scorecard

    examples = make_examples(pairs, "opportunity")
    split = split_examples(examples, "time")
    config = PredictConfig(outcome="opportunity", min_positives=50)
    return examples, split, fit_scorecard(examples, split, config, NOW)


def test_export_loads_with_load_model_unchanged(card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, fitted = card
    path = tmp_path / "fitted.yaml"
    path.write_text(fitted.yaml_text, encoding="utf-8")
    model = load_model(path)
    assert model.version == fitted.model.version
    assert not {"budget", "authority", "need", "timeline", "crm_stage", "has_open_deal"} & features(fitted.yaml_text)
    for group in (*model.fit.groups, *model.engagement.groups):
        for rule in group.rules:
            assert rule.points == int(rule.points) and rule.points > 0  # integer points, all positive


def test_scorecard_reproduces_the_fitted_ranking(card) -> None:  # type: ignore[no-untyped-def]
    examples, split, fitted = card
    scores = [q.score for q in qualify_batch(((e.contact, e.activities) for e in examples), fitted.model, NOW)]
    log_odds = [math.log(p / (1 - p)) for p in fitted.fitted.probabilities]
    # The integer score is the fitted log-odds on a 0-100 scale, up to rounding: near-perfectly correlated.
    n = len(scores)
    ms, ml = sum(scores) / n, sum(log_odds) / n
    cov = sum((s - ms) * (v - ml) for s, v in zip(scores, log_odds, strict=True))
    corr = cov / math.sqrt(sum((s - ms) ** 2 for s in scores) * sum((v - ml) ** 2 for v in log_odds))
    assert corr > 0.99
    held_out = [examples[i].label for i in split.test]
    fitted_auc = roc_auc([fitted.fitted.probabilities[i] for i in split.test], held_out)
    assert fitted.evaluation.roc_auc == pytest.approx(fitted_auc, abs=0.02)
    assert fitted.evaluation.roc_auc > 0.6  # the synthetic outcomes carry signal


def test_evaluation_reports_every_figure(card) -> None:  # type: ignore[no-untyped-def]
    _, split, fitted = card
    figures = fitted.evaluation.figures()
    for key in ("roc_auc", "pr_auc", "lift_top10", "lift_top20", "lift_top30", "brier"):
        assert isinstance(figures[key], float)
    assert figures["n_test"] == len(split.test)
    assert sum(b.observed.n for b in fitted.evaluation.calibration) == len(split.test)


def test_time_split_holds_out_the_newest(pairs: list) -> None:
    examples = make_examples(pairs, "opportunity")
    split = split_examples(examples, "time", 0.3)
    newest_train = max(examples[i].when for i in split.train)  # type: ignore[type-var]
    oldest_test = min(examples[i].when for i in split.test)  # type: ignore[type-var]
    assert newest_train < oldest_test
    assert len(split.test) == pytest.approx(0.3 * len(examples), abs=5)


def test_refuses_with_too_few_positives_and_says_why(pairs: list) -> None:
    from connector.qualify.predict.scorecard import fit_scorecard

    examples = make_examples(pairs[:400], "customer")
    positives = sum(e.label for e in examples)
    assert positives < 100
    with pytest.raises(UserError) as caught:
        fit_scorecard(examples, split_examples(examples), PredictConfig(outcome="customer"), NOW)
    message = str(caught.value)
    assert f"only {positives}" in message and "at least 100" in message and "--min-positives" in message


def test_leaky_field_is_warned_about_unless_excluded(pairs: list) -> None:
    from connector.qualify.predict.scorecard import fit_scorecard

    # A field sales fill in once the deal exists: it predicts the outcome perfectly, and that is the problem.
    leaky = [(replace(c, attributes={"deal_stage": "open" if c.has_open_deal or c.has_won_deal else "none"}), a)
             for c, a in pairs[:500]]
    examples = make_examples(leaky, "opportunity")
    split = split_examples(examples)
    warned = fit_scorecard(examples, split, PredictConfig(outcome="opportunity", min_positives=30), NOW)
    assert any("attributes.deal_stage" in w and "leaky" in w for w in warned.fitted.warnings)
    config = load_config(None, outcome="opportunity", min_positives=30, exclude=("attributes.deal_stage",))
    clean = fit_scorecard(examples, split, config, NOW)
    assert not clean.fitted.warnings
    assert "attributes.deal_stage" in features(warned.yaml_text)
    assert "attributes.deal_stage" not in features(clean.yaml_text)


def features(text: str) -> set[str]:
    """The fields the scoring rules of an exported model read."""
    doc = yaml.safe_load(text)
    return {rule["field"] for axis in ("fit", "engagement") for group in doc[axis]["groups"]
            for rule in group["rules"] if "field" in rule}


def test_outcome_can_be_a_field(pairs: list) -> None:
    from connector.qualify.predict.dataset import label_of

    contact = pairs[0][0]
    assert label_of(replace(contact, attributes={"Revenue": "TRUE"}), "attributes.Revenue")
    assert not label_of(replace(contact, attributes={"Revenue": "FALSE"}), "attributes.Revenue")
    assert label_of(replace(contact, has_won_deal=True), "opportunity")  # a won deal went through opportunity


def test_missing_scikit_learn_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from connector.qualify.predict.fit import MissingExtra, sklearn_logistic

    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)  # as if not installed
    with pytest.raises(MissingExtra, match=r"pip install 'leadbridge\[predict\]'"):
        sklearn_logistic()
