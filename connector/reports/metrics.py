"""How well a score ranks and predicts an outcome: ROC-AUC, PR-AUC, lift in the top fraction, Brier score,
calibration, and a Platt fit that turns any score (0-100 points) into a probability.

Pure Python so that ``leadbridge model evaluate`` and the reports work without scikit-learn; tests check
these against scikit-learn where it is installed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from connector.reports.stats import Rate, wilson


def _check(scores: Sequence[float], labels: Sequence[bool]) -> None:
    if len(scores) != len(labels):
        raise ValueError(f"{len(scores)} scores but {len(labels)} labels")


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The probability that a random positive scores above a random negative (ties count half).

    None when there are no positives or no negatives: the question has no answer then.
    """
    _check(scores, labels)
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return None
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        average_rank = (i + j) / 2.0 + 1.0  # ties share the mean of their ranks
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if labels[order[k]])
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def average_precision(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """PR-AUC as average precision (the step-wise area scikit-learn reports); tied scores form one step."""
    _check(scores, labels)
    pos = sum(1 for y in labels if y)
    if pos == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    total = hits = 0
    ap = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        new_hits = sum(1 for k in range(i, j + 1) if labels[order[k]])
        total += j - i + 1
        hits += new_hits
        ap += (new_hits / pos) * (hits / total)
        i = j + 1
    return ap


def lift_at(scores: Sequence[float], labels: Sequence[bool], fraction: float) -> float | None:
    """The conversion rate of the top ``fraction`` by score over the overall rate (2.0: twice as likely).

    Ties at the cut are shared pro rata, so a coarse score gets neither credit nor blame for an arbitrary
    order inside a tie.
    """
    _check(scores, labels)
    n = len(scores)
    pos = sum(1 for y in labels if y)
    if n == 0 or pos == 0:
        return None
    want = fraction * n
    by_score: dict[float, list[int]] = {}
    for s, y in zip(scores, labels, strict=True):
        group = by_score.setdefault(s, [0, 0])
        group[0] += 1
        group[1] += 1 if y else 0
    taken = hits = 0.0
    for s in sorted(by_score, reverse=True):
        count, positives = by_score[s]
        if taken + count <= want:
            taken += count
            hits += positives
        else:
            share = (want - taken) / count
            taken += share * count
            hits += share * positives
            break
    if taken <= 0:
        return None
    return (hits / taken) / (pos / n)


def brier(probabilities: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Mean squared error of probabilities against outcomes (0 is perfect; the base rate alone scores p(1-p))."""
    _check(probabilities, labels)
    if not labels:
        return None
    return sum((p - (1.0 if y else 0.0)) ** 2 for p, y in zip(probabilities, labels, strict=True)) / len(labels)


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Contacts whose predicted probability fell in one bin: mean predicted vs observed rate (with interval)."""

    low: float
    high: float
    predicted: float
    observed: Rate


def calibration(probabilities: Sequence[float], labels: Sequence[bool], bins: int = 10) -> list[CalibrationBin]:
    """Predicted against observed in ``bins`` groups of equal size by predicted probability (ties kept together)."""
    _check(probabilities, labels)
    from connector.reports.stats import deciles

    groups: dict[int, list[int]] = {}
    for i, d in enumerate(deciles(probabilities, bins)):
        groups.setdefault(d, []).append(i)
    out = []
    for d in sorted(groups):
        members = groups[d]
        probs = [probabilities[i] for i in members]
        hits = sum(1 for i in members if labels[i])
        out.append(CalibrationBin(min(probs), max(probs), sum(probs) / len(probs), wilson(hits, len(members))))
    return out


@dataclass(frozen=True, slots=True)
class Platt:
    """probability = 1 / (1 + exp(-(a + b * score))): a score mapped to a probability by a logistic fit."""

    a: float
    b: float

    def __call__(self, score: float) -> float:
        z = self.a + self.b * score
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


def platt(scores: Sequence[float], labels: Sequence[bool], iterations: int = 50) -> Platt:
    """Fit ``Platt`` by Newton's method on the log-loss (with Platt's smoothed targets, so that a score that
    separates perfectly still gets finite coefficients)."""
    _check(scores, labels)
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if not labels:
        return Platt(0.0, 0.0)
    hi, lo = (pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0)
    targets = [hi if y else lo for y in labels]
    # Centre and scale the score so that Newton starts well conditioned.
    mean = sum(scores) / len(scores)
    spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores)) or 1.0
    xs = [(s - mean) / spread for s in scores]
    prior = (pos + 1.0) / (len(labels) + 2.0)
    a, b = math.log(prior / (1 - prior)), 0.0
    for _ in range(iterations):
        ga = gb = haa = hab = hbb = 0.0
        for x, t in zip(xs, targets, strict=True):
            p = Platt(a, b)(x)
            d = p - t
            w = max(p * (1 - p), 1e-12)
            ga += d
            gb += d * x
            haa += w
            hab += w * x
            hbb += w * x * x
        hbb += 1e-9
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        step_a = (hbb * ga - hab * gb) / det
        step_b = (haa * gb - hab * ga) / det
        a, b = a - step_a, b - step_b
        if abs(step_a) + abs(step_b) < 1e-10:
            break
    return Platt(a - b * mean / spread, b / spread)
