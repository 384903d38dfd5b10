"""Scoring rules and groups: points for what a contact is (fit) and does (engagement), after decay and caps."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from connector.model import Contact, Reason
from connector.qualify.conditions import MEMO_SIZE, ActivityFilter, Condition, fields_key
from connector.qualify.decay import Decay

if TYPE_CHECKING:
    from connector.qualify.block import Block

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


@dataclass(frozen=True, eq=False)
class Rule:
    """One scoring rule.

    A field rule (``activity`` is None) gives ``points`` once when ``condition`` holds. An activity rule
    gives ``points`` for each matching activity, times its decay factor (or once, for the most recent,
    when ``once``), only when at least ``at_least`` match and the optional ``condition`` holds.
    ``cap`` bounds the rule's total (its magnitude, for negative rules). A CRM's undated rollup counts
    (HubSpot's number of visits) count at ``rollup_factor`` each; they include the dated events we do see,
    so they act as a floor rather than adding up: this way one more event can never lower a score.

    Rules are decided for a block of contacts at once (connector/qualify/columns.py).
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
    remembered: dict[Hashable, tuple[str, ...]] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        flt = self.activity
        names = self.condition.fields() if self.condition is not None else None
        if flt is None and names:
            object.__setattr__(self, "field_key", fields_key(names))
        if flt is not None:
            object.__setattr__(self, "rollup_possible", flt.simple and flt.within_days is None)

    def evidence(self, block: Block, row: int) -> tuple[str, ...]:
        """The field values that made a field rule hold for a contact of the block (remembered by those
        values: titles, sizes and countries repeat across contacts)."""
        condition = self.condition
        if condition is None:
            return ()
        key_of = self.field_key
        if key_of is None:
            return condition.evidence(block.facts(row))
        key = key_of(block.contacts[row])
        try:
            return self.remembered[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (a list in attributes): without remembering
            return condition.evidence(block.facts(row))
        evidence = condition.evidence(block.facts(row))
        if len(self.remembered) < MEMO_SIZE:
            self.remembered[key] = evidence
        return evidence

    def capped(self, total: float) -> float:
        """``total`` within the rule's cap (its magnitude, for negative rules)."""
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
    """Rules whose sum is capped together (e.g. all web activity counts for at most 35 points).

    Over the cap, the positive rules shrink in proportion, so that each reason's points stay what it
    really contributed and the reasons add up to the score (columns.py)."""

    name: str
    rules: tuple[Rule, ...]
    cap: float | None = None


@dataclass(frozen=True, eq=False)
class Axis:
    """Fit or engagement: groups of rules, scaled so ``max_points`` raw points make 100."""

    name: str
    groups: tuple[Group, ...]
    max_points: float = 100.0

    def scaled_block(self, totals: np.ndarray) -> np.ndarray:
        """Raw totals as the axis's 0-100 scores (whole numbers; halves round to even, as ``round`` does)."""
        clamped = np.minimum(np.maximum(totals, 0.0), self.max_points)
        return np.rint(clamped * 100.0 / self.max_points).astype(np.int64)
