"""What the rules look at for one contact: its fields, its activities by kind, the clock, its scores.

The activities are read once per contact, into one list per activity kind (in their original order). Each
activity filter in the model (in scoring rules, stage paths, disqualifiers, recycle rules) then looks only
at the kinds it names, and only when something asks: most filters name one kind and nothing else, so their
matches are that kind's list as is, and a stage path or recycle rule that is never reached costs nothing.

Url filters (``url_contains: /pricing``) are the exception: the kinds they name are the most frequent ones
(page views, visits), so testing each activity against each of them costs more than all the rest. The
same pass looks each such activity's url up once, in a per-model memo of which url filters pass it
(usually none), and files the activity under those filters' slots.

Filters that need more work (several kinds, detail filters, a window) cache what they found in a slot of
their own, so a condition tested twice (``ref`` definitions, evidence) does the work once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.model import Activity, ActivityKind, Contact
from connector.qualify.decay import DAYS_PER_SECOND

#: Marks a slot no filter has filled yet (None means "filled, nothing matched").
UNSET: Any = object()


URL_MEMO_SIZE = 100_000


@dataclass(frozen=True, eq=False)
class ActivityPlan:
    """Built once per scoring model: how many filter slots a contact's Facts keeps (one per activity filter),
    and the url filters the Facts pass files activities for: (slot, kinds or None for any, url test)."""

    slots: int
    url_filters: tuple[tuple[int, frozenset[ActivityKind] | None, Callable[[str], bool]], ...] = ()
    # kind -> url -> the slots of the url filters that take that kind and pass that url (usually none).
    # Only kinds that some url filter names have an entry. Sites have few distinct urls.
    url_memo: dict[ActivityKind, dict[str, tuple[int, ...]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for _, kinds, _ in self.url_filters:
            for kind in kinds if kinds is not None else ActivityKind:
                self.url_memo.setdefault(kind, {})

    def url_slots(self, kind: ActivityKind, url: str) -> tuple[int, ...]:
        """The slots of the url filters that take an activity of ``kind`` at ``url``."""
        memo = self.url_memo[kind]
        slots = memo.get(url)
        if slots is None:
            slots = tuple(slot for slot, kinds, test in self.url_filters
                          if (kinds is None or kind in kinds) and test(url))
            if len(memo) < URL_MEMO_SIZE:
                memo[url] = slots
        return slots


class Facts:
    """One contact's evaluation context. Scores are filled in as the core computes them."""

    __slots__ = ("contact", "activities", "now", "now_ts", "by_kind", "by_url", "found",
                 "fit", "engagement", "score", "disqualified")

    def __init__(self, contact: Contact, activities: Sequence[Activity], now: datetime, plan: ActivityPlan,
                 now_ts: float | None = None):
        self.contact = contact
        if not isinstance(activities, (list, tuple)):  # filters may read them again: no one-shot iterators
            activities = tuple(activities)
        self.activities = activities
        self.now = now
        self.now_ts = now.timestamp() if now_ts is None else now_ts
        by_kind: dict[ActivityKind, list[Activity]] = {}
        by_url: dict[int, list[Activity]] = {}
        url_memo = plan.url_memo
        for activity in activities:
            kind = activity.kind
            by_kind.setdefault(kind, []).append(activity)
            urls = url_memo.get(kind)
            if urls is not None:  # a kind some url filter takes
                url = activity.detail.get("url")
                if url:
                    slots = urls.get(url)
                    if slots is None:
                        slots = plan.url_slots(kind, url)
                    for slot in slots:
                        by_url.setdefault(slot, []).append(activity)
        self.by_kind = by_kind
        self.by_url = by_url
        self.found: list[Any] = [UNSET] * plan.slots
        self.fit = 0
        self.engagement = 0
        self.score = 0
        self.disqualified = False

    def age(self, activity: Activity) -> float:
        """Age in days of one activity (negative if stamped after ``now``: clock skew)."""
        return (self.now_ts - activity.timestamp) * DAYS_PER_SECOND

    def newest_age(self, activities: Sequence[Activity]) -> float:
        """Age in days of the most recent of ``activities`` (negative if in the future)."""
        latest = max(a.timestamp for a in activities)
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
