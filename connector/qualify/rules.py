"""Scoring rules and groups: points for what a contact is (fit) and does (engagement), after decay and caps."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial

from connector.model import Activity, ActivityKind, Contact, Reason
from connector.qualify.conditions import MEMO_SIZE, ActivityFilter, Condition, fields_key
from connector.qualify.decay import Decay, DecayFn, DecaySum
from connector.qualify.facts import Facts

# Builds a Reason from a full tuple of its fields: a dozen per contact, and skipping NamedTuple's keyword
# handling makes each about twice as cheap. The result is an ordinary Reason.
new_reason = partial(tuple.__new__, Reason)

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
    decay_sum: DecaySum | None = field(init=False, default=None)
    # Precomputed for Axis.score's fast paths: most activity rules match nothing for most contacts, and
    # most that match count one kind's activities and nothing else.
    only_kind: ActivityKind | None = field(init=False, default=None)
    counts_each: bool = field(init=False, default=False)
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
            object.__setattr__(self, "only_kind", flt.only_kind)
            object.__setattr__(self, "counts_each", self.condition is None and not self.once)
            object.__setattr__(self, "rollup_possible", flt.simple and flt.within_days is None)
        if self.decay is not None:
            object.__setattr__(self, "decay_sum", self.decay.summer())

    def fire(self, facts: Facts) -> Fired | None:
        """The points this rule gives the contact (after its own cap), or None when it does not fire."""
        condition = self.condition
        if condition is not None and not condition.test(facts):
            return None
        flt = self.activity
        if flt is None:
            evidence = condition.evidence(facts) if condition is not None else ()
            return (self, self._capped(self.points), evidence, (), 0.0)
        matched = flt.matching(facts)
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
            decay_sum = self.decay_sum
            assert decay_sum is not None
            total = self.points * max(decay_sum(matched, facts.now_ts) if matched else 0.0, floor)
        return (self, self._capped(total), (), tuple(matched) if matched else (), count)

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

    # When every rule counts activities of named kinds: those kinds. A contact with none of them (and no
    # rollup counts) gets nothing from the group, which is then skipped whole.
    kinds: frozenset[ActivityKind] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_fields", all(rule.field_key is not None for rule in self.rules))
        filters = [rule.activity for rule in self.rules]
        if all(flt is not None and flt.kinds is not None for flt in filters):
            object.__setattr__(self, "kinds", frozenset(k for flt in filters for k in flt.kinds))  # type: ignore[union-attr]

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
            reasons.append(new_reason((rule.name, axis, round(points, 1), field_values, name, label,
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

    def score(self, facts: Facts) -> tuple[int, list[Reason]]:
        reasons: list[Reason] = []
        by_kind = facts.by_kind
        now_ts = facts.now_ts
        # Without the CRM's rollup counts, a rule on one kind of activity needs only that kind's activities.
        no_rollups = not facts.contact.signals
        axis = self.name
        total = 0.0
        for group in self.groups:
            if group.by_fields:
                shared = group.remembered_reasons(facts, axis)
                for reason in shared:
                    total += reason[2]  # points
                reasons += shared
                continue
            if no_rollups and group.kinds is not None and group.kinds.isdisjoint(by_kind):
                continue
            fired: list[Fired] = []
            for rule in group.rules:
                if rule.counts_each and (no_rollups or not rule.rollup_possible):
                    # Rule.fire's arithmetic for the most common case: each matching activity gives points
                    # times its decay factor, with no condition and no rollup floor.
                    kind = rule.only_kind
                    matched = by_kind.get(kind) if kind is not None else rule.activity.matching(facts)  # type: ignore[union-attr]
                    if matched is None:
                        continue
                    n = len(matched)
                    if n < rule.at_least:
                        continue
                    points = rule.points * rule.decay_sum(matched, now_ts)  # type: ignore[misc]
                    cap = rule.cap
                    if cap is not None:
                        points = cap if points > cap else -cap if points < -cap else points
                    fired.append((rule, points, (), tuple(matched), n))
                    continue
                kind = rule.only_kind
                if kind is not None and kind not in by_kind and (no_rollups or not rule.rollup_possible):
                    continue  # nothing to count
                result = rule.fire(facts)
                if result is not None:
                    fired.append(result)
            if fired:
                group_reasons = group.reasons(fired, axis)
                for reason in group_reasons:
                    total += reason[2]  # points, as rounded
                reasons += group_reasons
        clamped = min(max(total, 0.0), self.max_points)
        return int(round(clamped * 100.0 / self.max_points)), reasons
