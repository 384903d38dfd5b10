"""Report math on numbers small enough to check by hand: Wilson intervals, lift, deciles, and the metrics."""

from __future__ import annotations

import random

import pytest

from connector.reports.metrics import average_precision, brier, calibration, lift_at, platt, roc_auc
from connector.reports.stats import deciles, lift, median, quantile, wilson


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (5, 10, 0.2366, 0.7634),   # textbook value for 5/10
    (0, 10, 0.0, 0.2775),      # zero successes still leave room above zero
    (10, 10, 0.7225, 1.0),
    (1, 3, 0.0615, 0.7923),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_matches_published_values(hits: int, n: int, low: float, high: float) -> None:
    rate = wilson(hits, n)
    assert rate.low == pytest.approx(low, abs=5e-4)
    assert rate.high == pytest.approx(high, abs=5e-4)
    assert rate.value == hits / n


def test_wilson_of_nothing_is_unknown_and_bad_counts_are_refused() -> None:
    assert wilson(0, 0).value is None and wilson(0, 0).text() == "-"
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_lift_is_rate_over_base_with_the_interval_scaled() -> None:
    rate = wilson(2, 10)
    result = lift(rate, 0.1)
    assert result.value == pytest.approx(2.0)
    assert result.low == pytest.approx(rate.low / 0.1)
    assert result.high == pytest.approx(rate.high / 0.1)
    assert lift(rate, 0.0).value is None and lift(wilson(0, 0), 0.1).value is None


def test_deciles_split_by_rank_and_keep_ties_together() -> None:
    assert deciles([float(x) for x in range(20)]) == [d for d in range(1, 11) for _ in range(2)]
    tied = deciles([1.0, 1.0, 1.0, 1.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert tied[:4] == [1, 1, 1, 1]
    assert tied[4:] == [5, 6, 7, 8, 9, 10]
    assert deciles([]) == []


def test_median_and_quantile() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert median([]) is None
    assert quantile([0.0, 10.0], 0.25) == 2.5


def test_auc_and_lift_on_a_hand_made_ranking() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    labels = [True, False, True, False, False, False, False, False, False, False]
    # Positives at ranks 1 and 3 of 10: 8 + 7 negatives below them out of 2 x 8 pairs.
    assert roc_auc(scores, labels) == pytest.approx(15 / 16)
    assert lift_at(scores, labels, 0.1) == pytest.approx(1.0 / 0.2)   # top 1 of 10 is a positive; base 20 %
    assert lift_at(scores, labels, 0.3) == pytest.approx((2 / 3) / 0.2)
    assert average_precision(scores, labels) == pytest.approx((1.0 + 2 / 3) / 2)
    assert roc_auc([1.0, 1.0], [True, False]) == 0.5  # a tie is a coin toss
    assert roc_auc([1.0, 2.0], [True, True]) is None


def test_lift_shares_a_tie_at_the_cut_pro_rata() -> None:
    # Everyone tied: the top 10 % converts at the base rate, whatever the order.
    assert lift_at([5.0] * 10, [True] + [False] * 9, 0.1) == pytest.approx(1.0)


def test_metrics_agree_with_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(3)
    labels = [rng.random() < 0.2 for _ in range(500)]
    scores = [float(rng.randint(0, 20) + (6 if y else 0)) for y in labels]  # coarse, with many ties
    assert roc_auc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores))
    assert average_precision(scores, labels) == pytest.approx(metrics.average_precision_score(labels, scores))
    probs = [s / 30 for s in scores]
    assert brier(probs, labels) == pytest.approx(metrics.brier_score_loss(labels, probs))


def test_platt_turns_a_score_into_probabilities_that_fit() -> None:
    rng = random.Random(5)
    scores = [float(rng.randint(0, 100)) for _ in range(3000)]
    labels = [rng.random() < 1 / (1 + 2.718281828 ** -(-4 + 0.06 * s)) for s in scores]
    fit = platt(scores, labels)
    assert fit.b == pytest.approx(0.06, abs=0.015)
    assert fit(100) > fit(50) > fit(0)
    bins = calibration([fit(s) for s in scores], labels)
    assert len(bins) == 10
    for b in bins:  # calibrated in-sample: each bin's observed rate covers its mean prediction
        assert b.observed.low - 0.03 <= b.predicted <= b.observed.high + 0.03
