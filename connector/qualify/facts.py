"""What the rules look at for one contact: its fields, what its activities add up to, the clock, its scores.

The activities are read once per contact. Every activity filter in the model (in scoring rules, stage
paths, disqualifiers, recycle rules) has a slot; an ``ActivityPlan`` says which slots each activity kind
feeds, so one pass fills, per slot: the matching activities and the sum of their decay factors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.model import Activity, ActivityKind, Contact

DAYS_PER_SECOND = 1.0 / 86400.0
INFINITY = float("inf")

# (slot, within_days or inf, keep(activity) for url/detail filters or None, decay(age) or None)
PlanEntry = tuple[int, float, Callable[[Activity], bool] | None, Callable[[float], float] | None]


@dataclass(frozen=True, eq=False)
class ActivityPlan:
    """Which filter slots each activity kind feeds. Built once per scoring model."""

    slots: int
    dispatch: dict[ActivityKind, tuple[PlanEntry, ...]]


class Facts:
    """One contact's evaluation context. Scores are filled in as the core computes them."""

    __slots__ = ("contact", "activities", "now", "now_ts", "matched", "sums",
                 "fit", "engagement", "score", "disqualified")

    def __init__(self, contact: Contact, activities: Sequence[Activity], now: datetime, plan: ActivityPlan):
        self.contact = contact
        self.activities = activities
        self.now = now
        now_ts = now.timestamp()
        self.now_ts = now_ts
        slots = plan.slots
        matched: list[list[Activity] | None] = [None] * slots
        sums = [0.0] * slots
        dispatch = plan.dispatch
        for activity in activities:
            entries = dispatch.get(activity.kind)
            if entries is None:
                continue
            # Negative for activities stamped after `now` (clock skew): they count as fresh.
            age = (now_ts - activity.occurred_at.timestamp()) * DAYS_PER_SECOND
            for slot, within, keep, decay in entries:
                if age > within or (keep is not None and not keep(activity)):
                    continue
                found = matched[slot]
                if found is None:
                    matched[slot] = [activity]
                else:
                    found.append(activity)
                if decay is not None:
                    sums[slot] += decay(age)
        self.matched = matched
        self.sums = sums
        self.fit = 0
        self.engagement = 0
        self.score = 0
        self.disqualified = False

    def newest_age(self, activities: Sequence[Activity]) -> float:
        """Age in days of the most recent of ``activities`` (negative if in the future)."""
        latest = max(a.occurred_at.timestamp() for a in activities)
        return (self.now_ts - latest) * DAYS_PER_SECOND

    def value(self, field: str) -> Any:
        """A contact field by name, including the derived ``email_domain``."""
        if field == "email_domain":
            return email_domain(self.contact)
        return self.contact.value(field)


def email_domain(contact: Contact) -> str | None:
    email = contact.email
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower()
