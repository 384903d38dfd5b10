"""Scoring rules and groups: points for what a contact is (fit) and does (engagement), after decay and caps."""

from __future__ import annotations

from dataclasses import dataclass

from connector.model import Reason
from connector.qualify.conditions import ActivityFilter, Condition, describe_activity
from connector.qualify.decay import Decay, DecayFn
from connector.qualify.facts import Facts

EVIDENCE_SHOWN = 3


@dataclass(frozen=True, eq=False)
class Rule:
    """One scoring rule.

    A field rule (``activity`` is None) gives ``points`` once when ``condition`` holds. An activity rule
    gives ``points`` for each matching activity, times its decay factor (or once, for the most recent,
    when ``once``), only when at least ``at_least`` match and the optional ``condition`` holds.
    ``cap`` bounds the rule's total (its magnitude, for negative rules).
    """

    name: str
    label: str | None
    points: float
    condition: Condition | None = None
    activity: ActivityFilter | None = None
    at_least: float = 1
    once: bool = False
    cap: float | None = None
    decay: Decay | None = None
    decay_fn: DecayFn | None = None
    rollup_factor: float = 0.5

    def score(self, facts: Facts, axis: str, group: str) -> Reason | None:
        """The points this rule gives the contact, with evidence, or None when it does not fire."""
        if self.condition is not None and not self.condition.test(facts):
            return None
        if self.activity is None:
            evidence = self.condition.evidence(facts) if self.condition is not None else ()
            return Reason(self.name, axis, self._capped(self.points), evidence, group, self.label)
        matched = self.activity.select(facts)
        rollup = self.activity.rollup(facts)
        count = max(float(len(matched)), rollup)
        if count < self.at_least or count == 0:
            return None
        decay = self.decay_fn
        assert decay is not None
        if self.once:
            newest = min(age for age, _ in matched) if matched else None
            total = self.points * (decay(newest) if newest is not None else self.rollup_factor)
        else:
            factors = 0.0
            for age, _ in matched:
                factors += decay(age)
            # Rollups (HubSpot's number of visits) have no dates: the extra ones count at a fixed factor.
            undated = rollup - len(matched)
            if undated > 0:
                factors += undated * self.rollup_factor
            total = self.points * factors
        matched.sort(key=_by_age)
        evidence = tuple(describe_activity(a) for _, a in matched[:EVIDENCE_SHOWN])
        if rollup > len(matched):
            evidence += (f"{rollup:g} counted by the CRM's rollups",)
        elif len(matched) > EVIDENCE_SHOWN:
            evidence += (f"and {len(matched) - EVIDENCE_SHOWN} more",)
        label = self.label
        if label is not None and count > 1 and not self.once:
            label = f"{label} ×{count:g}"
        return Reason(self.name, axis, self._capped(total), evidence, group, label)

    def _capped(self, total: float) -> float:
        cap = self.cap
        if cap is not None:
            if total > cap:
                total = cap
            elif total < -cap:
                total = -cap
        return round(total, 1)


def _by_age(dated: tuple[float, object]) -> float:
    return dated[0]


@dataclass(frozen=True, eq=False)
class Group:
    """Rules whose sum is capped together (e.g. all web activity counts for at most 40 points)."""

    name: str
    rules: tuple[Rule, ...]
    cap: float | None = None

    def score(self, facts: Facts, axis: str) -> list[Reason]:
        reasons = [r for rule in self.rules if (r := rule.score(facts, axis, self.name)) is not None]
        cap = self.cap
        if cap is None or not reasons:
            return reasons
        positive = sum(r.points for r in reasons if r.points > 0)
        negative = sum(r.points for r in reasons if r.points < 0)
        if positive + negative <= cap or positive <= 0:
            return reasons
        # Scale the positive rules down so the group total is the cap: each reason then shows the points
        # it really contributed, and the reasons add up to the score.
        factor = max(0.0, cap - negative) / positive
        return [
            Reason(r.rule, r.axis, round(r.points * factor, 1), r.evidence, r.group, r.label) if r.points > 0 else r
            for r in reasons
        ]


@dataclass(frozen=True, eq=False)
class Axis:
    """Fit or engagement: groups of rules, scaled so ``max_points`` raw points make 100."""

    name: str
    groups: tuple[Group, ...]
    max_points: float = 100.0

    def score(self, facts: Facts) -> tuple[int, list[Reason]]:
        reasons: list[Reason] = []
        for group in self.groups:
            reasons.extend(group.score(facts, self.name))
        total = sum(r.points for r in reasons)
        clamped = min(max(total, 0.0), self.max_points)
        return int(round(clamped * 100.0 / self.max_points)), reasons
