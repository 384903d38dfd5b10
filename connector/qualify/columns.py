"""Scoring rules for a block of contacts at once: counts, decayed sums, caps and group caps as arrays.

Each rule is a few array operations for every contact of the block (block.py): whether it fires, what it
gives (a field rule its points; an activity rule its points per matching activity times the decay factor),
its own cap, then each group's cap and the rounding to 0.1. Only the reasons of the rules that fired are
then built one by one, with their evidence: the field values, or the activities that counted.

The arithmetic is what a loop over one contact would do, in the same order (a contact's activities are
summed in their order, a group's rules in theirs), so a contact scores the same in any block:
``qualify`` is a block of one.
"""

from __future__ import annotations

import numpy as np

from connector.model import Reason
from connector.qualify.block import Block
from connector.qualify.rules import Axis, Group, Rule, new_reason, round_tenth

#: Exactly ``round(x, 1)`` unless ``10x`` is this close to a half (then ``round`` itself decides).
_NEAR_HALF = 0.4999999


def score_axis(axis: Axis, block: Block) -> tuple[np.ndarray, list[list[Reason]]]:
    """Every contact's raw total and reasons on ``axis``: groups in order, rules in order within them."""
    reasons: list[list[Reason]] = [[] for _ in range(block.size)]
    totals = np.zeros(block.size)
    for group in axis.groups:
        _score_group(group, axis.name, block, reasons, totals)
    return totals, reasons


def _score_group(group: Group, axis: str, block: Block, reasons: list[list[Reason]], totals: np.ndarray) -> None:
    decided = [_field_rule(rule, block) if rule.activity is None else _activity_rule(rule, block)
               for rule in group.rules]
    fired = np.array([d[0] for d in decided])  # rules x contacts
    points = np.array([d[1] for d in decided])
    if group.cap is not None:
        points = np.where(points > 0, points * _cap_factor(group.cap, fired, points), points)
    rounded = _round_tenth(points)
    # Each contact's total, adding its reasons' points one at a time in their order (cumsum is sequential).
    totals[:] = np.concatenate((totals[None], np.where(fired, rounded, 0.0))).cumsum(axis=0)[-1]
    # Rule by rule, so each contact's reasons come in the group's rule order.
    group_name = group.name
    for rule, rule_fired, rule_rounded, (_, _, counts) in zip(group.rules, fired, rounded, decided, strict=True):
        rows = rule_fired.nonzero()[0]
        if len(rows):
            _add_reasons(rule, axis, group_name, block, rows.tolist(), rule_rounded[rows].tolist(), counts, reasons)


def _add_reasons(rule: Rule, axis: str, group: str, block: Block, rows: list[int], points: list[float],
                 counts: list[float], reasons: list[list[Reason]]) -> None:
    """The reasons of one rule for the contacts (``rows``) it fired for, with their evidence."""
    name, labels = rule.name, rule.labels
    flt = rule.activity
    if flt is None:  # a field rule: the values that matched
        label = labels[0.0] if 0.0 in labels else rule.label_for(0.0)
        for row, value in zip(rows, points, strict=True):
            reasons[row].append(new_reason((name, axis, value, rule.evidence(block, row), group, label, (), 0.0)))
        return
    found, bounds = block.segments(flt)  # the activities that counted
    for row, value in zip(rows, points, strict=True):
        count = counts[row]
        try:
            label = labels[count]
        except KeyError:
            label = rule.label_for(count)
        reasons[row].append(new_reason((name, axis, value, (), group, label,
                                        found[bounds[row]:bounds[row + 1]], count)))


def _field_rule(rule: Rule, block: Block) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Which contacts a field rule fires for, and its points (the same for all)."""
    assert rule.condition is not None
    fired = rule.condition.test_block(block)
    return fired, np.full(block.size, rule.capped(rule.points)), [0.0] * block.size


def _activity_rule(rule: Rule, block: Block) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Which contacts an activity rule fires for, its points for each (after its own cap) and the counts."""
    n = block.size
    flt = rule.activity
    assert flt is not None and rule.decay is not None
    matched = block.matched(flt)
    rows = block.rows[matched]
    ages = block.ages[matched]
    found = block.counts(flt)
    counts: list[float] = found.tolist()
    rollups = block.rollups(flt) if rule.rollup_possible else None
    count_array: np.ndarray = found
    if rollups is not None:
        # The CRM's undated rollup counts (HubSpot's number of visits) count as a floor: see Rule.
        rollup_list = rollups.tolist()
        counts = [c if c >= r else r for c, r in zip(counts, rollup_list, strict=True)]
        count_array = np.maximum(found, rollups)
    fired = (count_array >= rule.at_least) & (count_array != 0)
    if rule.condition is not None:
        fired &= rule.condition.test_block(block)
    total: np.ndarray
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
        total = np.minimum(np.maximum(total, -rule.cap), rule.cap)
    return fired, total, counts


def _cap_factor(cap: float, fired: np.ndarray, points: np.ndarray) -> np.ndarray:
    """How much each contact's positive rules in a group shrink so the group total is the cap (1.0 when
    under it). ``fired`` and ``points`` are rules x contacts; sums go rule by rule, from 0.0."""
    up = fired & (points > 0)
    zero = np.zeros((1, points.shape[1]))
    positive = np.concatenate((zero, np.where(up, points, 0.0))).cumsum(axis=0)[-1]
    negative = np.concatenate((zero, np.where(fired & ~up, points, 0.0))).cumsum(axis=0)[-1]
    over = (positive + negative > cap) & (positive > 0)
    return np.divide(np.maximum(0.0, cap - negative), positive, out=np.ones_like(positive), where=over)


def _round_tenth(values: np.ndarray) -> np.ndarray:
    """``round_tenth`` over an array: the same numbers (rint rounds half to even, as round does)."""
    tens = values * 10.0
    whole = np.rint(tens)
    off = tens - whole
    out = np.where(whole == 0, 0.0 * values, whole / 10.0)
    near = (off < -_NEAR_HALF) | (off > _NEAR_HALF)
    if near.any():
        flat_out, flat_values = out.reshape(-1), values.reshape(-1)
        for i in near.reshape(-1).nonzero()[0].tolist():
            flat_out[i] = round_tenth(float(flat_values[i]))
    return out
