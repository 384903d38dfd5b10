"""Scoring rules and groups: points for what a contact is (fit) and does (engagement), after decay and caps."""

from __future__ import annotations

from dataclasses import dataclass, field

from connector.model import Activity, Reason
from connector.qualify.conditions import ActivityFilter, Condition
from connector.qualify.decay import Decay, DecayFn
from connector.qualify.facts import Facts

# What a rule that fired gave before group caps: (rule, points, field evidence, activities, count).
Fired = tuple["Rule", float, tuple[str, ...], tuple[Activity, ...], float]


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
    # Precomputed for Axis.score's fast path: most activity rules match nothing for most contacts.
    slot: int = field(init=False, default=-1)
    rollup_possible: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        flt = self.activity
        if flt is not None:
            object.__setattr__(self, "slot", flt.slot)
            object.__setattr__(self, "rollup_possible", flt.simple and flt.within_days is None)

    def fire(self, facts: Facts) -> Fired | None:
        """The points this rule gives the contact (after its own cap), or None when it does not fire."""
        condition = self.condition
        if condition is not None and not condition.test(facts):
            return None
        flt = self.activity
        if flt is None:
            evidence = condition.evidence(facts) if condition is not None else ()
            return (self, self._capped(self.points), evidence, (), 0.0)
        matched = facts.matched[self.slot]
        n = len(matched) if matched else 0
        rollup = flt.rollup(facts) if self.rollup_possible else 0.0
        count = n if n >= rollup else rollup
        if count < self.at_least or count == 0:
            return None
        # Rollups (HubSpot's number of visits) have no dates, so each counts at a fixed factor. They include
        # the dated events we do see, so they act as a floor rather than adding up: this way one more event
        # can never lower a score.
        floor = rollup * self.rollup_factor
        if self.once:
            decay = self.decay_fn
            assert decay is not None
            dated = decay(facts.newest_age(matched)) if matched else 0.0
            total = self.points * max(dated, self.rollup_factor if rollup else 0.0)
        else:
            total = self.points * max(facts.sums[self.slot], floor)
        return (self, self._capped(total), (), tuple(matched) if matched else (), count)

    def _capped(self, total: float) -> float:
        cap = self.cap
        if cap is not None:
            if total > cap:
                return cap
            if total < -cap:
                return -cap
        return total

    def label_for(self, count: float) -> str | None:
        label = self.label
        if label is not None and count > 1 and not self.once:
            return f"{label} ×{count:g}"
        return label


@dataclass(frozen=True, eq=False)
class Group:
    """Rules whose sum is capped together (e.g. all web activity counts for at most 35 points)."""

    name: str
    rules: tuple[Rule, ...]
    cap: float | None = None

    def cap_factor(self, fired: list[Fired]) -> float:
        """How much the positive rules shrink so the group total is the cap (1.0 when under it).

        Scaling each positive rule keeps every reason's points equal to what it really contributed, so the
        reasons add up to the score."""
        cap = self.cap
        if cap is None:
            return 1.0
        positive = negative = 0.0
        for f in fired:
            if f[1] > 0:
                positive += f[1]
            else:
                negative += f[1]
        if positive + negative <= cap or positive <= 0:
            return 1.0
        return max(0.0, cap - negative) / positive


@dataclass(frozen=True, eq=False)
class Axis:
    """Fit or engagement: groups of rules, scaled so ``max_points`` raw points make 100."""

    name: str
    groups: tuple[Group, ...]
    max_points: float = 100.0

    def score(self, facts: Facts) -> tuple[int, list[Reason]]:
        reasons: list[Reason] = []
        matched = facts.matched
        has_signals = bool(facts.contact.signals)
        axis = self.name
        total = 0.0
        for group in self.groups:
            fired: list[Fired] = []
            for rule in group.rules:
                # An activity rule with no matching activity (and no rollup to count) cannot fire.
                if rule.slot >= 0 and matched[rule.slot] is None and not (has_signals and rule.rollup_possible):
                    continue
                result = rule.fire(facts)
                if result is not None:
                    fired.append(result)
            if not fired:
                continue
            factor = group.cap_factor(fired)
            for rule, points, field_values, activities, count in fired:
                if points > 0:
                    points *= factor
                points = round(points, 1)
                total += points
                reasons.append(Reason(rule.name, axis, points, field_values, group.name, rule.label_for(count),
                                      activities, count))
        clamped = min(max(total, 0.0), self.max_points)
        return int(round(clamped * 100.0 / self.max_points)), reasons
