"""Activity rules for a block of contacts at once: counts, decayed sums, caps and group caps as arrays.

Scored contact by contact, an activity rule spends most of its time in the interpreter's per-rule work
(look up the kind, call the decay, build the result, apply the caps), not in its arithmetic. Over a block,
each rule is instead a few array operations for every contact together: which activities match, how many
each contact has, their decayed sum, the rule's cap, then each group's cap and the rounding. Only the
reasons of the rules that fired are then built one by one, with the activities that counted as evidence.

The arithmetic is the per-contact one in the same order (a contact's activities are summed in their
order, a group's rules in theirs), so a contact scores the same in any block: ``qualify`` is a block of one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from connector.model import Activity, ActivityKind, Reason
from connector.qualify.decay import DAYS_PER_SECOND
from connector.qualify.facts import Facts
from connector.qualify.rules import Axis, Group, Rule, new_reason, round_tenth

KIND_CODES = {kind: code for code, kind in enumerate(ActivityKind)}

#: Exactly ``round(x, 1)`` unless ``10x`` is this close to a half (then ``round`` itself decides).
_NEAR_HALF = 0.4999999


class Block:
    """The activities of a block of contacts as flat arrays, in the contacts' order and each contact's own
    activity order: which contact (row), when (age in days as of the clock) and what kind (code)."""

    __slots__ = ("facts", "size", "now_ts", "rows", "ages", "codes", "has_rollups")

    def __init__(self, facts: Sequence[Facts], now_ts: float):
        self.facts = facts
        self.size = len(facts)
        self.now_ts = now_ts
        lengths = [len(f.activities) for f in facts]
        total = sum(lengths)
        self.rows = np.repeat(np.arange(self.size), lengths)
        timestamps = np.fromiter((a.timestamp for f in facts for a in f.activities), np.float64, total)
        self.ages = (now_ts - timestamps) * DAYS_PER_SECOND  # as Facts.age computes it, element by element
        codes = KIND_CODES
        self.codes = np.fromiter((codes[a.kind] for f in facts for a in f.activities), np.int16, total)
        self.has_rollups = any(f.contact.signals for f in facts)

    def matching(self, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
        """Rows and ages of the activities that pass the rule's filter, in order."""
        flt = rule.activity
        assert flt is not None
        if flt.simple:  # kinds and a window: masks over the whole block
            mask = None
            if flt.kinds is not None:
                codes = [KIND_CODES[k] for k in flt.kinds]
                mask = self.codes == codes[0] if len(codes) == 1 else np.isin(self.codes, codes)
            if flt.within_days is not None:
                recent = self.ages <= flt.within_days
                mask = recent if mask is None else mask & recent
            if mask is None:
                return self.rows, self.ages
            return self.rows[mask], self.ages[mask]
        # Url and detail filters: what each contact's Facts found (url filters were filed by its one pass).
        rows: list[int] = []
        found: list[Activity] = []
        if flt.url_only and flt.within_days is None:
            slot = flt.slot
            for row, facts in enumerate(self.facts):
                matched = facts.by_url.get(slot)
                if matched:
                    rows += [row] * len(matched)
                    found += matched
        else:
            for row, facts in enumerate(self.facts):
                matched = flt.matching(facts)
                if matched:
                    rows += [row] * len(matched)
                    found += matched
        ages = (self.now_ts - np.fromiter((a.timestamp for a in found), np.float64, len(found))) * DAYS_PER_SECOND
        return np.array(rows, dtype=np.intp), ages


def score_axis(axis: Axis, block: Block) -> list[tuple[float, list[Reason]]]:
    """Every contact's raw total and reasons on ``axis``: groups in order, rules in order within them."""
    n = block.size
    reasons: list[list[Reason]] = [[] for _ in range(n)]
    totals = np.zeros(n)
    name = axis.name
    for group in axis.groups:
        _score_group(group, name, block, reasons, totals)
    return list(zip(totals.tolist(), reasons, strict=True))


def _score_group(group: Group, axis: str, block: Block, reasons: list[list[Reason]], totals: np.ndarray) -> None:
    n = block.size
    fired_by_rule: list[np.ndarray] = []
    points_by_rule: list[np.ndarray] = []
    counts_by_rule: list[list[float]] = []
    evidence_by_rule: list[list[tuple[str, ...]] | None] = []
    for rule in group.rules:
        if rule.activity is None:
            fired, points, counts, evidence = _field_rule(rule, block)
        else:
            fired, points, counts = _activity_rule(rule, block)
            evidence = None
        fired_by_rule.append(fired)
        points_by_rule.append(points)
        counts_by_rule.append(counts)
        evidence_by_rule.append(evidence)
    factor = _cap_factor(group.cap, fired_by_rule, points_by_rule, n)
    rounded_by_rule = []
    for fired, points in zip(fired_by_rule, points_by_rule, strict=True):
        scaled = np.where(points > 0, points * factor, points) if factor is not None else points
        rounded = _round_tenth(scaled)
        totals += np.where(fired, rounded, 0.0)  # rule by rule: each contact's sum in its reasons' order
        rounded_by_rule.append(rounded)
    if not any(fired.any() for fired in fired_by_rule):
        return
    # Which (contact, rule) pairs fired, contact by contact and in rule order within each.
    stacked = np.stack(fired_by_rule, axis=1)
    rows, columns = np.nonzero(stacked)
    values = np.stack(rounded_by_rule, axis=1)[rows, columns].tolist()
    rules = group.rules
    group_name = group.name
    facts_of = block.facts
    for row, column, points in zip(rows.tolist(), columns.tolist(), values, strict=True):
        rule = rules[column]
        count = counts_by_rule[column][row]
        try:
            label = rule.labels[count]
        except KeyError:
            label = rule.label_for(count)
        evidence = evidence_by_rule[column]
        if evidence is not None:  # a field rule
            reasons[row].append(new_reason((rule.name, axis, points, evidence[row], group_name, label, (), count)))
            continue
        matched = rule.activity.matching(facts_of[row])  # type: ignore[union-attr]
        reasons[row].append(new_reason((rule.name, axis, points, (), group_name, label,
                                        tuple(matched) if matched else (), count)))


def _activity_rule(rule: Rule, block: Block) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Which contacts the rule fires for, its points for each (after its own cap) and the counts."""
    n = block.size
    flt = rule.activity
    assert flt is not None and rule.decay is not None
    rows, ages = block.matching(rule)
    found = np.bincount(rows, minlength=n)
    counts: list[float] = found.tolist()
    rollups = None
    if rule.rollup_possible and block.has_rollups:
        # The CRM's undated rollup counts (HubSpot's number of visits) count as a floor: see Rule.
        rollup_list = [flt.rollup(f) if f.contact.signals else 0.0 for f in block.facts]
        rollups = np.array(rollup_list)
        counts = [c if c >= r else r for c, r in zip(counts, rollup_list, strict=True)]
        count_array = np.maximum(found, rollups)
    else:
        count_array = found
    fired = (count_array >= rule.at_least) & (count_array != 0)
    if rule.condition is not None:
        fired &= np.fromiter((rule.condition.test(f) for f in block.facts), bool, n)
    if rule.once:  # the most recent activity's factor
        newest = np.full(n, np.inf)
        np.minimum.at(newest, rows, ages)
        has_any = found > 0
        dated = np.where(has_any, rule.decay.factors(np.where(has_any, newest, 0.0)), 0.0)
        if rollups is not None:
            dated = np.maximum(dated, np.where(rollups != 0, rule.rollup_factor, 0.0))
        total = rule.points * dated
    else:
        summed = np.bincount(rows, weights=rule.decay.factors(ages), minlength=n)
        if rollups is not None:
            summed = np.maximum(summed, rollups * rule.rollup_factor)
        total = rule.points * summed
    if rule.cap is not None:
        total = np.clip(total, -rule.cap, rule.cap)
    return fired, total, counts


def _field_rule(rule: Rule, block: Block) -> tuple[np.ndarray, np.ndarray, list[float],
                                                  list[tuple[str, ...]]]:
    """A field rule among activity rules: decided contact by contact (remembered by field values)."""
    fire = rule.fire_remembered if rule.field_key is not None else rule.fire
    results = [fire(f) for f in block.facts]
    fired = np.fromiter((r is not None for r in results), bool, len(results))
    points = np.array([r[1] if r is not None else 0.0 for r in results])
    evidence = [r[2] if r is not None else () for r in results]
    return fired, points, [0.0] * len(results), evidence


def _cap_factor(cap: float | None, fired_by_rule: list[np.ndarray], points_by_rule: list[np.ndarray],
                n: int) -> np.ndarray | None:
    """Group.cap_factor for every contact: how much the positive rules shrink so the group total is the cap."""
    if cap is None:
        return None
    positive = np.zeros(n)
    negative = np.zeros(n)
    for fired, points in zip(fired_by_rule, points_by_rule, strict=True):
        up = fired & (points > 0)
        positive += np.where(up, points, 0.0)
        negative += np.where(fired & ~up, points, 0.0)
    under = (positive + negative <= cap) | (positive <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = np.maximum(0.0, cap - negative) / positive
    return np.where(under, 1.0, shrunk)


def _round_tenth(values: np.ndarray) -> np.ndarray:
    """``round_tenth`` over an array: the same numbers (rint rounds half to even, as round does)."""
    tens = values * 10.0
    whole = np.rint(tens)
    off = tens - whole
    out = np.where(whole == 0, 0.0 * values, whole / 10.0)
    near = (off < -_NEAR_HALF) | (off > _NEAR_HALF)
    if near.any():
        for i in np.flatnonzero(near).tolist():
            out[i] = round_tenth(float(values[i]))
    return out
