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
from typing import TYPE_CHECKING, Any

from connector.model import Activity, ActivityKind, Contact

if TYPE_CHECKING:
    from connector.qualify.block import Block

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
    """One contact of a block (``row``), for what is said about it alone: evidence."""

    __slots__ = ("contact", "activities", "now", "now_ts", "_by_kind", "_found", "slots", "block", "row")

    def __init__(self, contact: Contact, activities: Sequence[Activity], now: datetime, plan: ActivityPlan,
                 now_ts: float, block: Block, row: int):
        self.contact = contact
        if not isinstance(activities, (list, tuple)):  # filters may read them again: no one-shot iterators
            activities = tuple(activities)
        self.activities = activities
        self.now = now
        self.now_ts = now_ts
        self._by_kind: dict[ActivityKind, list[Activity]] | None = None
        self._found: list[Any] | None = None
        self.slots = plan.slots
        self.block = block
        self.row = row

    # Scores and the disqualified flag as the block has them so far (zero and False until decided).
    @property
    def fit(self) -> int:
        return int(self.block.fit[self.row])

    @property
    def engagement(self) -> int:
        return int(self.block.engagement[self.row])

    @property
    def score(self) -> int:
        return int(self.block.score[self.row])

    @property
    def disqualified(self) -> bool:
        return bool(self.block.disqualified[self.row])

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


def email_domain(contact: Contact) -> str | None:
    email = contact.email
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower()
