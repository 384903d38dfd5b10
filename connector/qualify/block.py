"""A block of contacts decided together: their activities as flat arrays, their field values as columns.

Decided contact by contact, a rule or a stage criterion spends most of its time in the interpreter's work
per test (a call, a lookup, a result object), not in deciding. Over a block, each test is instead done once
for every contact of the block: an activity filter is a mask over the block's activities, a count is one
``bincount``, a field test looks each contact's value up in what it decided for that value before, and
``all_of``/``any_of`` combine whole columns of verdicts (conditions.py, ``test_block``).

All activities of the block are in one array in the contacts' order and, for each contact, in its own
order, so sums over a contact's activities add up in the order a loop over them would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from connector.model import Activity, Contact
from connector.qualify.decay import DAYS_PER_SECOND
from connector.qualify.facts import KIND_CODES, ActivityPlan, Facts

if TYPE_CHECKING:
    from connector.qualify.conditions import ActivityFilter


class Block:
    """Contacts, their Facts (for what is said about one of them), and the block's columns.

    ``rows``, ``ages`` (days before the clock, as a window filter computes them) and ``codes`` (kind) have an
    entry per activity; ``fit``, ``engagement``, ``score`` and ``disqualified`` one per contact, filled in
    as the core decides them (zero until then, as in a contact's Facts)."""

    def __init__(self, items: Sequence[tuple[Contact, Sequence[Activity]]], plan: ActivityPlan, now: datetime,
                 now_ts: float):
        self.contacts = [contact for contact, _ in items]
        # A contact's activities may come as any iterable: rules read them more than once.
        self.activities_by_row = [acts if isinstance(acts, (list, tuple)) else tuple(acts) for _, acts in items]
        self.size = n = len(self.contacts)
        self._facts: list[Facts | None] = [None] * n
        self._plan, self._now, self.now_ts = plan, now, now_ts
        self.url_kinds = plan.url_kinds
        activities: list[Activity] = []
        for acts in self.activities_by_row:
            activities += acts
        self.activities = activities
        self.rows = np.repeat(np.arange(n), [len(acts) for acts in self.activities_by_row])
        self.ages = (now_ts - np.array([a.timestamp for a in activities], dtype=np.float64)) * DAYS_PER_SECOND
        self.codes = np.array([KIND_CODES[a.kind] for a in activities], dtype=np.int16)
        self.has_rollups = any(c.signals for c in self.contacts)
        self.fit = np.zeros(n, dtype=np.int64)
        self.engagement = np.zeros(n, dtype=np.int64)
        self.score = np.zeros(n, dtype=np.int64)
        self.disqualified = np.zeros(n, dtype=bool)
        self._values: dict[str, list[Any]] = {}
        self._matched: dict[int, np.ndarray] = {}
        self._counts: dict[int, np.ndarray] = {}
        self._segments: dict[int, tuple[tuple[Activity, ...], list[int]]] = {}
        self._urls: tuple[np.ndarray, list[str]] | None = None

    def facts(self, row: int) -> Facts:
        """One contact's Facts, for what is said about it alone (evidence): made when first asked."""
        facts = self._facts[row]
        if facts is None:
            facts = self._facts[row] = Facts(self.contacts[row], self.activities_by_row[row], self._now, self._plan,
                                             self.now_ts, self, row)
        return facts

    def release(self) -> None:
        """Drop the Facts made for evidence: they point back at the block, and a block left in a cycle would
        wait for a collection with its contacts, activities and arrays (a batch makes no cyclic garbage)."""
        self._facts = []

    def values(self, field: str, getter: Callable[[Contact], Any]) -> list[Any]:
        """Each contact's value of one field (read once per block, however many tests look at it)."""
        values = self._values.get(field)
        if values is None:
            values = self._values[field] = [getter(c) for c in self.contacts]
        return values

    def matched(self, flt: ActivityFilter) -> np.ndarray:
        """Indices (into the block's activities) of those that pass ``flt``, in order."""
        found = self._matched.get(flt.slot)
        if found is None:
            found = self._matched[flt.slot] = flt.select(self)
        return found

    def counts(self, flt: ActivityFilter) -> np.ndarray:
        """How many activities pass ``flt``, per contact."""
        counts = self._counts.get(flt.slot)
        if counts is None:
            counts = self._counts[flt.slot] = np.bincount(self.rows[self.matched(flt)], minlength=self.size)
        return counts

    def rollups(self, flt: ActivityFilter) -> np.ndarray | None:
        """The CRM's rollup counts for ``flt``'s kinds, per contact; None when no contact has any."""
        if not self.has_rollups:
            return None
        return np.array([flt.rollup_of(c) if c.signals else 0.0 for c in self.contacts])

    def urls(self) -> tuple[np.ndarray, list[str]]:
        """Each activity's url as a number (-1 when it has none), and the block's urls by number."""
        if self._urls is None:
            activities = self.activities
            if self.url_kinds is None:
                at = np.arange(len(activities))
            else:  # only the kinds url filters look at
                table = np.zeros(len(KIND_CODES), dtype=bool)
                table[[KIND_CODES[k] for k in self.url_kinds]] = True
                at = table[self.codes].nonzero()[0]
            urls = [activities[i].detail.get("url") for i in at.tolist()]
            numbers: dict[str | None, int] = dict.fromkeys(urls, -1)  # distinct urls, in C
            numbers.pop(None, None)
            numbers.pop("", None)
            for number, url in enumerate(numbers):
                numbers[url] = number
            distinct = [url for url in numbers if url is not None]
            numbers[None] = numbers[""] = -1
            ids = np.full(len(activities), -1, dtype=np.intp)
            ids[at] = [numbers[url] for url in urls]
            self._urls = (ids, distinct)
            return ids, distinct
        return self._urls

    def segments(self, flt: ActivityFilter) -> tuple[tuple[Activity, ...], list[int]]:
        """The activities that pass ``flt`` and where each contact's run of them starts: contact ``row``'s
        are ``activities[bounds[row]:bounds[row + 1]]``, in order (a reason's evidence)."""
        segments = self._segments.get(flt.slot)
        if segments is None:
            found = self.matched(flt)
            bounds = np.searchsorted(self.rows[found], np.arange(self.size + 1)).tolist()
            # A tuple, so each contact's run is one slice. Not through an object array: numpy asks every
            # activity whether it is a sequence, which costs more than the rest of the core's work on it.
            picked = found.tolist()
            chosen: tuple[Activity, ...] = (
                itemgetter(*picked)(self.activities) if len(picked) > 1 else tuple(self.activities[i] for i in picked))
            segments = self._segments[flt.slot] = (chosen, bounds)
        return segments
