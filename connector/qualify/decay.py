"""How much an activity of a given age still counts: half-life, linear, a window, or no decay."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAYS_PER_SECOND = 1.0 / 86400.0


@dataclass(frozen=True)
class Decay:
    """A decay curve. ``kind`` is "half_life", "linear", "window" or "none"; ``days`` its parameter."""

    kind: str = "none"
    days: float = 0.0

    def factors(self, ages: np.ndarray) -> np.ndarray:
        """The factor (0..1) for each age in days. Activities from the future (clock skew) count fully."""
        days = self.days
        if self.kind == "half_life":
            return np.where(ages <= 0, 1.0, np.power(0.5, ages / days))
        if self.kind == "linear":
            return np.where(ages <= 0, 1.0, np.maximum(0.0, 1.0 - ages / days))
        if self.kind == "window":
            return np.where(ages <= days, 1.0, 0.0)
        return np.ones(len(ages))

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


NO_DECAY = Decay()
