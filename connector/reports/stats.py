"""Small statistics the reports need: Wilson intervals, lift against a base rate, medians, score deciles.

Pure Python on purpose: the reports run wherever leadbridge runs, without the predictive extra.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

#: z for a two-sided 95 % interval.
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Rate:
    """``hits`` out of ``n`` with its Wilson score interval (``low``..``high``); 0/0 has rate None."""

    hits: int
    n: int
    low: float
    high: float

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    def text(self) -> str:
        """``12.5 % (8.1-18.7)``: the rate and its interval, in percent."""
        if not self.n:
            return "-"
        return f"{100 * self.hits / self.n:.1f}% ({100 * self.low:.1f}-{100 * self.high:.1f})"


def wilson(hits: int, n: int, z: float = Z95) -> Rate:
    """The rate ``hits/n`` with its Wilson score interval.

    Wilson rather than the normal approximation because small counts are the point: 2 of 3 must not read
    as "67 % +- 53 %" reaching past 100 %, and 0 of 5 must still leave room above zero.
    """
    if n < 0 or hits < 0 or hits > n:
        raise ValueError(f"need 0 <= hits <= n, got {hits} of {n}")
    if n == 0:
        return Rate(0, 0, 0.0, 1.0)
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Clamp away float dust (1e-17 below zero) so that 0 of n starts exactly at 0.
    return Rate(hits, n, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class Lift:
    """How many times the base rate a group converts at, with the Wilson interval divided by the base."""

    value: float | None
    low: float | None
    high: float | None

    def text(self) -> str:
        if self.value is None or self.low is None or self.high is None:
            return "-"
        return f"{self.value:.2f}x ({self.low:.2f}-{self.high:.2f})"


def lift(rate: Rate, base_rate: float | None) -> Lift:
    """``rate`` against ``base_rate`` (the whole population's rate): 2.0 means twice as likely to convert."""
    if not base_rate or rate.value is None:
        return Lift(None, None, None)
    return Lift(rate.value / base_rate, rate.low / base_rate, rate.high / base_rate)


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation between order statistics, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def deciles(scores: Sequence[float], groups: int = 10) -> list[int]:
    """Each score's decile, 1 (lowest scores) .. ``groups`` (highest), by rank.

    Equal scores always share a decile (a decile boundary never splits a tie), so with coarse scores some
    deciles are larger than a tenth and some are empty: that is the honest picture of a coarse score.
    """
    n = len(scores)
    if n == 0:
        return []
    ordered = sorted(scores)
    below: dict[float, int] = {}
    for i, value in enumerate(ordered):
        below.setdefault(value, i)
    return [min(groups - 1, below[s] * groups // n) + 1 for s in scores]
