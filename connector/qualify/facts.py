"""What the rules look at for one contact: its fields, its activities indexed by kind, the clock, scores.

Built once per contact so that each rule touches only the activities of its own kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connector.model import Activity, ActivityKind, Contact

SECONDS_PER_DAY = 86400.0

# (age in days, activity); age is negative for activities stamped after `now` (clock skew).
Dated = tuple[float, Activity]


class Facts:
    """One contact's evaluation context. Scores are filled in as the core computes them."""

    __slots__ = ("contact", "by_kind", "now", "now_ts", "fit", "engagement", "score", "disqualified", "_all")

    def __init__(self, contact: Contact, activities: Sequence[Activity], now: datetime):
        self.contact = contact
        self.now = now
        now_ts = now.timestamp()
        self.now_ts = now_ts
        by_kind: dict[ActivityKind, list[Dated]] = {}
        for activity in activities:
            dated = ((now_ts - activity.occurred_at.timestamp()) / SECONDS_PER_DAY, activity)
            bucket = by_kind.get(activity.kind)
            if bucket is None:
                by_kind[activity.kind] = [dated]
            else:
                bucket.append(dated)
        self.by_kind = by_kind
        self.fit = 0
        self.engagement = 0
        self.score = 0
        self.disqualified = False
        self._all: list[Dated] | None = None

    def all_activities(self) -> list[Dated]:
        if self._all is None:
            self._all = [dated for bucket in self.by_kind.values() for dated in bucket]
        return self._all

    def value(self, field: str) -> Any:
        """A contact field by name, including the derived ``email_domain``."""
        if field == "email_domain":
            email = self.contact.email
            if not email or "@" not in email:
                return None
            return email.rsplit("@", 1)[1].strip().lower()
        return self.contact.value(field)
