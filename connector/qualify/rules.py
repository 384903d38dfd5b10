"""Scoring rules and groups: points for what a contact is (fit) and does (engagement), after decay and caps."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial

from connector.model import Activity, Contact, Reason
from connector.qualify.conditions import MEMO_SIZE, ActivityFilter, Condition, fields_key
from connector.qualify.decay import Decay
from connector.qualify.facts import Facts

# Builds a Reason from a full tuple of its fields: a dozen per contact, and skipping NamedTuple's keyword
# handling makes each about twice as cheap. The result is an ordinary Reason.
new_reason = partial(tuple.__new__, Reason)


def round_tenth(x: float) -> float:
    """``round(x, 1)``, exactly, at a quarter of its cost (it goes through a decimal string).

    ``round(10x) / 10`` is the same number unless the exact 10x lies within rounding error of a half (the
    product 10x is inexact), where the two may disagree: those few fall back to ``round``. Zero keeps its
    sign, as ``round`` does (-0.0 for a small negative)."""
    tens = x * 10.0
    whole = round(tens)
    off = tens - whole
    if off < -0.4999999 or off > 0.4999999:
        return round(x, 1)
    if whole == 0:
        return 0.0 * x
    return whole / 10.0


# What a rule that fired gave before group caps: (rule, points, field evidence, activities, count).
Fired = tuple["Rule", float, tuple[str, ...], tuple[Activity, ...], float]


@dataclass(frozen=True, eq=False)
class Rule:
    """One scoring rule.

    A field rule (``activity`` is None) gives ``points`` once when ``condition`` holds. An activity rule
    gives ``points`` for each matching activity, times its decay factor (or once, for the most recent,
    when ``once``), only when at least ``at_least`` match and the optional ``condition`` holds.
    ``cap`` bounds the rule's total (its magnitude, for negative rules). A CRM's undated rollup counts
    (HubSpot's number of visits) count at ``rollup_factor`` each; they include the dated events we do see,
    so they act as a floor rather than adding up: this way one more event can never lower a score.

    Field rules are decided here, contact by contact; activity rules for a block of contacts at once
    (connector/qualify/columns.py).
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
    rollup_factor: float = 0.5
    # Whether the CRM's rollup counts can stand in for events: a filter on kinds alone, with no window.
    rollup_possible: bool = field(init=False, default=False)
    labels: dict[float, str | None] = field(init=False, default_factory=dict, repr=False)
    # A field rule's result depends only on the fields its condition reads: remembered by their values.
    field_key: Callable[[Contact], Hashable] | None = field(init=False, default=None)
    remembered: dict[Hashable, Fired | None] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        flt = self.activity
        names = self.condition.fields() if self.condition is not None else None
        if flt is None and names:
            object.__setattr__(self, "field_key", fields_key(names))
        if flt is not None:
            object.__setattr__(self, "rollup_possible", flt.simple and flt.within_days is None)

    def fire(self, facts: Facts) -> Fired | None:
        """What a field rule gives the contact (after its own cap), or None when it does not fire."""
        assert self.activity is None, "activity rules are scored by columns (connector/qualify/columns.py)"
        condition = self.condition
        if condition is not None and not condition.test(facts):
            return None
        evidence = condition.evidence(facts) if condition is not None else ()
        return (self, self._capped(self.points), evidence, (), 0.0)

    def fire_remembered(self, facts: Facts) -> Fired | None:
        """``fire`` for a field rule, remembered by the values of the fields it reads (titles, sizes and
        countries repeat across contacts). The same values give the very same result object."""
        assert self.field_key is not None
        key = self.field_key(facts.contact)
        try:
            return self.remembered[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (a list in attributes): decide without remembering
            return self.fire(facts)
        fired = self.fire(facts)
        if len(self.remembered) < MEMO_SIZE:
            self.remembered[key] = fired
        return fired

    def _capped(self, total: float) -> float:
        cap = self.cap
        if cap is not None:
            if total > cap:
                return cap
            if total < -cap:
                return -cap
        return total

    def label_for(self, count: float) -> str | None:
        """The label a reason shows: "Visited the site ×3". Remembered by count (they repeat: ×2, ×3...)."""
        label = self.label
        if label is not None and count > 1 and not self.once:
            label = f"{label} ×{count:g}"
        if len(self.labels) < 1000:
            self.labels[count] = label
        return label


@dataclass(frozen=True, eq=False)
class Group:
    """Rules whose sum is capped together (e.g. all web activity counts for at most 35 points)."""

    name: str
    rules: tuple[Rule, ...]
    cap: float | None = None
    # When every rule is a field rule, the group's reasons depend only on which rules fired with which
    # evidence: remembered by that, and shared between contacts (Reasons are immutable).
    by_fields: bool = field(init=False, default=False)
    remembered: dict[tuple[Fired, ...], tuple[Reason, ...]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_fields", all(rule.field_key is not None for rule in self.rules))

    def remembered_reasons(self, facts: Facts, axis: str) -> tuple[Reason, ...]:
        """The reasons of a group of field rules (``by_fields``)."""
        fired = tuple(result for rule in self.rules if (result := rule.fire_remembered(facts)) is not None)
        reasons = self.remembered.get(fired)
        if reasons is None:
            reasons = tuple(self.reasons(list(fired), axis))
            if len(self.remembered) < MEMO_SIZE:
                self.remembered[fired] = reasons
        return reasons

    def reasons(self, fired: list[Fired], axis: str) -> list[Reason]:
        """The reasons for the rules that fired: points scaled down to the group cap, rounded to 0.1."""
        factor = self.cap_factor(fired)
        name = self.name
        reasons = []
        for rule, points, field_values, activities, count in fired:
            if points > 0:
                points *= factor
            try:
                label = rule.labels[count]
            except KeyError:
                label = rule.label_for(count)
            reasons.append(new_reason((rule.name, axis, round_tenth(points), field_values, name, label,
                                       activities, count)))
        return reasons

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
    # With activity rules, the axis is scored for a block of contacts at once (columns.py).
    by_columns: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_columns", any(rule.activity is not None
                                                   for group in self.groups for rule in group.rules))

    def scaled(self, total: float) -> int:
        """A raw total as the axis's 0-100 score."""
        clamped = min(max(total, 0.0), self.max_points)
        return int(round(clamped * 100.0 / self.max_points))

    def score(self, facts: Facts) -> tuple[float, list[Reason]]:
        """One contact's raw total and reasons, for an axis of field rules only."""
        reasons: list[Reason] = []
        axis = self.name
        total = 0.0
        for group in self.groups:
            if group.by_fields:
                group_reasons: Sequence[Reason] = group.remembered_reasons(facts, axis)
            else:
                fired = [result for rule in group.rules if (result := rule.fire(facts)) is not None]
                if not fired:
                    continue
                group_reasons = group.reasons(fired, axis)
            for reason in group_reasons:
                total += reason[2]  # points, as rounded
            reasons += group_reasons
        return total, reasons
