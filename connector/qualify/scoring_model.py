"""The compiled scoring model: what mappings/scoring.yaml says, ready to run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from connector.qualify.conditions import Condition
from connector.qualify.facts import ActivityPlan
from connector.qualify.rules import Axis
from connector.qualify.stages import RecycleRule, StagePath


@dataclass(frozen=True, eq=False)
class Disqualifier:
    name: str
    reason: str
    condition: Condition


@dataclass(frozen=True)
class Grades:
    """Fit letter thresholds (A, B; below B is C) and engagement digit thresholds (1, 2; below 2 is 3)."""

    fit_a: float = 70
    fit_b: float = 40
    engagement_1: float = 60
    engagement_2: float = 30

    def grade_block(self, fit: np.ndarray, engagement: np.ndarray) -> list[str]:
        """Each contact's grade: fit letter (A, B, C) and engagement digit (1, 2, 3), e.g. ``A1``."""
        letter = np.where(fit >= self.fit_a, 0, np.where(fit >= self.fit_b, 1, 2))
        digit = np.where(engagement >= self.engagement_1, 0, np.where(engagement >= self.engagement_2, 1, 2))
        return [_GRADES[i] for i in (letter * 3 + digit).tolist()]


_GRADES = [letter + digit for letter in "ABC" for digit in "123"]


@dataclass(frozen=True, eq=False)
class ScoringModel:
    """A validated scoring model. ``version`` is a hash of its normalized content (comments do not count)."""

    name: str
    version: str
    fit: Axis
    engagement: Axis
    fit_weight: float
    engagement_weight: float
    grades: Grades
    disqualifiers: tuple[Disqualifier, ...]
    stage_paths: tuple[StagePath, ...]
    recycle: tuple[RecycleRule, ...]
    decays: bool
    source: str = ""
    lead_has_paths: bool = False
    plan: ActivityPlan = ActivityPlan(0)
