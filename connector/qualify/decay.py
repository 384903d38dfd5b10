"""How much an activity of a given age still counts: half-life, linear, a window, or no decay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connector.model import Activity

DecayFn = Callable[[float], float]
# The sum of the factors of some activities, given the clock as a POSIX timestamp.
DecaySum = Callable[[Sequence[Activity], float], float]

DAYS_PER_SECOND = 1.0 / 86400.0


@dataclass(frozen=True)
class Decay:
    """A decay curve. ``kind`` is "half_life", "linear", "window" or "none"; ``days`` its parameter."""

    kind: str = "none"
    days: float = 0.0

    def function(self) -> DecayFn:
        """The factor (0..1) for an age in days. Activities from the future (clock skew) count fully."""
        days = self.days
        if self.kind == "half_life":

            def half_life(age: float) -> float:
                return 1.0 if age <= 0 else 0.5 ** (age / days)

            return half_life
        if self.kind == "linear":

            def linear(age: float) -> float:
                return 1.0 if age <= 0 else max(0.0, 1.0 - age / days)

            return linear
        if self.kind == "window":

            def window(age: float) -> float:
                return 1.0 if age <= days else 0.0

            return window
        return _no_decay

    def summer(self) -> DecaySum:
        """The sum of ``function()`` over activities' ages, added in order from 0.0.

        It is what a rule gives per matching activity, so it runs for every activity of every contact: each
        curve gets its own loop (no call per activity), with exactly the arithmetic of ``function()``.
        """
        days = self.days
        if self.kind == "half_life":

            def half_life(activities: Sequence[Activity], now_ts: float, per_second: float = DAYS_PER_SECOND
                          ) -> float:
                total = 0.0
                for activity in activities:
                    age = (now_ts - activity.timestamp) * per_second
                    total += 1.0 if age <= 0 else 0.5 ** (age / days)
                return total

            return half_life
        if self.kind in ("linear", "window"):
            factor = self.function()

            def any_curve(activities: Sequence[Activity], now_ts: float) -> float:
                total = 0.0
                for activity in activities:
                    total += factor((now_ts - activity.timestamp) * DAYS_PER_SECOND)
                return total

            return any_curve
        return _count

    @property
    def changes_with_time(self) -> bool:
        return self.kind != "none"

    def describe(self) -> str:
        if self.kind == "half_life":
            return f"half-life {self.days:g} days"
        if self.kind == "linear":
            return f"linear to zero over {self.days:g} days"
        if self.kind == "window":
            return f"counts only the last {self.days:g} days"
        return "no decay"


def _no_decay(age: float) -> float:
    return 1.0


def _count(activities: Sequence[Activity], now_ts: float) -> float:
    return float(len(activities))  # adding 1.0 at a time is exact: the same number


NO_DECAY = Decay()
