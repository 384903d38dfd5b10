"""The common model: what every adapter reads into and what the qualification core returns.

Small immutable types. A ``Contact`` is one person in one CRM object (a HubSpot contact, a Salesforce lead
or contact, a row of a CSV export), keyed ``source:object:id``. An ``Activity`` is one thing the person did
or that was done with them. A ``Qualification`` is the core's verdict with its explanation.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


class Stage(enum.Enum):
    """Lifecycle stages, in order. Compare with <, >, max(): the order is the funnel's."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"

    # Members are singletons: identity hashing is exact and much faster than Enum's name hashing.
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        return _STAGE_RANK[self]

    @property
    def label(self) -> str:
        return _STAGE_LABEL[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return _STAGE_RANK[self] < _STAGE_RANK[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return _STAGE_RANK[self] <= _STAGE_RANK[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return _STAGE_RANK[self] > _STAGE_RANK[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Stage):
            return NotImplemented
        return _STAGE_RANK[self] >= _STAGE_RANK[other]

    @classmethod
    def parse(cls, value: str) -> Stage:
        """Read a stage from its name, case-insensitively ("MQL", "mql", " Sql ")."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown stage {value!r}; expected one of: {names}") from None


_STAGE_RANK = {stage: rank for rank, stage in enumerate(Stage)}
_STAGE_LABEL = {
    Stage.SUBSCRIBER: "Subscriber",
    Stage.LEAD: "Lead",
    Stage.MQL: "MQL",
    Stage.SQL: "SQL",
    Stage.OPPORTUNITY: "Opportunity",
    Stage.CUSTOMER: "Customer",
    Stage.EVANGELIST: "Evangelist",
}


class ActivityKind(enum.Enum):
    """What happened. Adapters map their CRM's engagement types onto these."""

    VISIT = "visit"
    PAGE_VIEW = "page_view"
    PRICING_PAGE_VIEW = "pricing_page_view"
    CONTENT_VIEW = "content_view"
    CONTENT_DOWNLOAD = "content_download"
    FORM_SUBMISSION = "form_submission"
    NEWSLETTER_SIGNUP = "newsletter_signup"
    WEBINAR_REGISTERED = "webinar_registered"
    WEBINAR_ATTENDED = "webinar_attended"
    EVENT_ATTENDED = "event_attended"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_REPLY = "email_reply"
    EMAIL_BOUNCE = "email_bounce"
    UNSUBSCRIBE = "unsubscribe"
    MEETING = "meeting"
    CALL = "call"
    DEMO_REQUEST = "demo_request"
    CHAT = "chat"
    NOTE = "note"
    TASK = "task"
    OTHER = "other"

    # Members are singletons: identity hashing is exact and much faster than Enum's name hashing,
    # and the core looks kinds up in dicts for every activity.
    __hash__ = object.__hash__

    @classmethod
    def parse(cls, value: str) -> ActivityKind:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(k.value for k in cls)
            raise ValueError(f"unknown activity kind {value!r}; expected one of: {names}") from None


# Fields of Contact that scoring rules and mappings may name directly (anything else lives in attributes).
CONTACT_FIELDS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "job_title",
    "seniority",
    "department",
    "company",
    "company_domain",
    "company_size",
    "annual_revenue",
    "industry",
    "country",
    "state",
    "lead_source",
    "owner",
    "phone",
    "website",
    "created_at",
    "updated_at",
    "crm_stage",
    "lead_status",
    "budget",
    "authority",
    "need",
    "timeline",
    "pain_points",
    "use_case",
    "sales_accepted",
    "do_not_contact",
    "has_open_deal",
    "has_won_deal",
)


@dataclass(frozen=True, slots=True)
class Contact:
    """One person in one CRM object, as read.

    ``crm_stage`` is the CRM's current lifecycle stage; ``has_open_deal``/``has_won_deal`` are CRM facts
    (deals, opportunities, closed-won) — the only way to opportunity and customer. ``signals`` holds
    rollups a CRM gives instead of events (HubSpot ``hs_analytics_num_visits`` -> ``{"visit": 7}``),
    keyed by ActivityKind value. ``crm_values`` are the qualification properties as the CRM holds them
    now, for the write-back diff.
    """

    key: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    seniority: str | None = None
    department: str | None = None
    company: str | None = None
    company_domain: str | None = None
    company_size: int | None = None
    annual_revenue: float | None = None
    industry: str | None = None
    country: str | None = None
    state: str | None = None
    lead_source: str | None = None
    owner: str | None = None
    phone: str | None = None
    website: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    crm_stage: Stage | None = None
    lead_status: str | None = None
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    pain_points: str | None = None
    use_case: str | None = None
    sales_accepted: bool | None = None
    do_not_contact: bool | None = None
    has_open_deal: bool = False
    has_won_deal: bool = False
    signals: Mapping[str, float] = field(default_factory=_empty)
    attributes: Mapping[str, Any] = field(default_factory=_empty)
    crm_values: Mapping[str, Any] = field(default_factory=_empty)

    @property
    def source(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def object_type(self) -> str:
        return self.key.split(":", 2)[1]

    @property
    def object_id(self) -> str:
        return self.key.split(":", 2)[2]

    def value(self, name: str) -> Any:
        """A field by name: a common field, ``attributes.X`` (or a bare custom name), or ``signals.X``."""
        if name in _CONTACT_FIELD_SET:
            return getattr(self, name)
        if name.startswith("attributes."):
            return self.attributes.get(name[11:])
        if name.startswith("signals."):
            return self.signals.get(name[8:])
        return self.attributes.get(name)


_CONTACT_FIELD_SET = frozenset(CONTACT_FIELDS)


def contact_key(source: str, object_type: str, object_id: str | int) -> str:
    """The stable key of a contact: ``source:object:id`` (``hubspot:contact:123``)."""
    return f"{source}:{object_type}:{object_id}"


@dataclass(frozen=True, slots=True)
class Activity:
    """One thing that happened with a contact, at a UTC time.

    ``detail`` carries what the rules filter on: url, content_id, campaign, form, subject, direction, ...
    ``timestamp`` is ``occurred_at`` as POSIX seconds, computed once here: the core's decay and recency
    windows read it for every activity of every contact, and ``datetime.timestamp()`` costs more than the
    rest of that arithmetic together.
    """

    contact_key: str
    kind: ActivityKind
    occurred_at: datetime
    source_id: str
    detail: Mapping[str, str] = field(default_factory=_empty)
    timestamp: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "timestamp", self.occurred_at.timestamp())


class Reason(NamedTuple):
    """One rule that fired: its points after decay and caps, and the evidence.

    ``axis`` is "fit", "engagement", "disqualifier" or "stage". The evidence is the field values that
    matched (``field_values``: ``job_title='VP Sales'``) and the activities that counted (``activities``,
    kept as references and rendered on demand by ``evidence``: ``a-123 page_view 2026-10-01 /pricing``).
    """

    rule: str
    axis: str
    points: float
    field_values: tuple[str, ...] = ()
    group: str | None = None
    label: str | None = None
    activities: tuple[Activity, ...] = ()
    count: float = 0

    # A NamedTuple rather than a frozen dataclass: the core builds a dozen per contact, and a tuple is
    # several times cheaper to construct while just as immutable.

    @property
    def text(self) -> str:
        return self.label or self.rule.replace("_", " ")

    @property
    def evidence(self) -> tuple[str, ...]:
        """Field values, then the newest activities that counted (three, and how many more)."""
        if not self.activities and not (self.count > 0):
            return self.field_values
        newest = sorted(self.activities, key=_newest_first)[:EVIDENCE_SHOWN]
        shown = self.field_values + tuple(describe_activity(a) for a in newest)
        if self.count > len(self.activities):
            shown += (f"{self.count - len(self.activities):g} more from the CRM's rollup counts",)
        elif len(self.activities) > EVIDENCE_SHOWN:
            shown += (f"and {len(self.activities) - EVIDENCE_SHOWN} more",)
        return shown


EVIDENCE_SHOWN = 3


def _newest_first(activity: Activity) -> float:
    return -activity.timestamp


def describe_activity(activity: Activity) -> str:
    """``a-12 page_view 2026-10-01 /pricing``: id, kind, date and the most telling detail."""
    detail = activity.detail
    what = (detail.get("url") or detail.get("content_id") or detail.get("form") or detail.get("campaign")
            or detail.get("subject") or "")
    text = f"{activity.source_id} {activity.kind.value} {activity.occurred_at.date().isoformat()}"
    return f"{text} {what}" if what else text


@dataclass(frozen=True, slots=True)
class Qualification:
    """The core's verdict for one contact, with its explanation."""

    contact_key: str
    score: int
    fit: int
    engagement: int
    grade: str
    stage: Stage
    disqualified: bool
    disqualified_reason: str | None
    reasons: tuple[Reason, ...]
    summary: str
    model_version: str
    computed_at: datetime
    stage_reason: str = ""
    previous_stage: Stage | None = None

    @property
    def stage_changed(self) -> bool:
        return self.previous_stage is not None and self.previous_stage != self.stage

    def as_row(self) -> dict[str, Any]:
        """A flat dict for CSV/JSONL output (reasons as a list of dicts)."""
        return {
            "key": self.contact_key,
            "score": self.score,
            "fit": self.fit,
            "engagement": self.engagement,
            "grade": self.grade,
            "stage": self.stage.value,
            "previous_stage": self.previous_stage.value if self.previous_stage else None,
            "disqualified": self.disqualified,
            "disqualified_reason": self.disqualified_reason,
            "summary": self.summary,
            "stage_reason": self.stage_reason,
            "model_version": self.model_version,
            "computed_at": self.computed_at.isoformat(),
            "reasons": [
                {
                    "rule": r.rule,
                    "axis": r.axis,
                    "group": r.group,
                    "points": r.points,
                    "evidence": list(r.evidence),
                }
                for r in self.reasons
            ],
        }
