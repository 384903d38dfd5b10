"""How much an activity of a given age still counts: half-life, linear, a window, or no decay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

DecayFn = Callable[[float], float]


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


NO_DECAY = Decay()
