"""What the rules look at for one contact: its fields, its activities by kind, the clock, its scores.

Contacts are decided a block at a time (block.py), where activities are arrays; a contact's Facts serve
what is said about one contact: the evidence of the rules that held for it (which activities, which field
values). Its activities are grouped by kind only when something asks, and each activity filter caches what
it found in a slot of its own, so a condition explained twice does the work once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.model import Activity, ActivityKind, Contact
from connector.qualify.decay import DAYS_PER_SECOND

#: Marks a slot no filter has filled yet (None means "filled, nothing matched").
UNSET: Any = object()

#: A small number for each kind, for a block's arrays.
KIND_CODES: dict[ActivityKind, int] = {kind: code for code, kind in enumerate(ActivityKind)}


@dataclass(frozen=True, eq=False)
class ActivityPlan:
    """Built once per scoring model: how many filter slots a contact's Facts keeps (one per activity filter),
    and the kinds whose urls some url filter looks at (None: any kind; empty: no url filters)."""

    slots: int
    url_kinds: frozenset[ActivityKind] | None = frozenset()


class Facts:
    """One contact's evaluation context. Scores are filled in as the core computes them."""

    __slots__ = ("contact", "activities", "now", "now_ts", "_by_kind", "_found", "slots",
                 "fit", "engagement", "score", "disqualified")

    def __init__(self, contact: Contact, activities: Sequence[Activity], now: datetime, plan: ActivityPlan,
                 now_ts: float | None = None):
        self.contact = contact
        if not isinstance(activities, (list, tuple)):  # filters may read them again: no one-shot iterators
            activities = tuple(activities)
        self.activities = activities
        self.now = now
        self.now_ts = now.timestamp() if now_ts is None else now_ts
        self._by_kind: dict[ActivityKind, list[Activity]] | None = None
        self._found: list[Any] | None = None
        self.slots = plan.slots
        self.fit = 0
        self.engagement = 0
        self.score = 0
        self.disqualified = False

    @property
    def by_kind(self) -> dict[ActivityKind, list[Activity]]:
        """The activities of each kind, in their original order."""
        by_kind = self._by_kind
        if by_kind is None:
            by_kind = self._by_kind = {}
            for activity in self.activities:
                by_kind.setdefault(activity.kind, []).append(activity)
        return by_kind

    @property
    def found(self) -> list[Any]:
        """One slot per activity filter of the model: what it matched (UNSET until asked)."""
        found = self._found
        if found is None:
            found = self._found = [UNSET] * self.slots
        return found

    def age(self, activity: Activity) -> float:
        """Age in days of one activity (negative if stamped after ``now``: clock skew)."""
        return (self.now_ts - activity.timestamp) * DAYS_PER_SECOND

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
