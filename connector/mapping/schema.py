"""A mapping as typed, frozen objects: how one source's records become Contacts and Activities, and how
each qualification output is written back.

The same shape serves every source: for files a "column" is a CSV column or a JSONL key, for HubSpot and
Salesforce it is a CRM property or field. ``connector.mapping.load`` builds these from YAML; everything here
is plain data plus the value readers compiled at load time (so nothing is re-parsed per record).
"""

from __future__ import annotations

import enum
from collections import abc
from dataclasses import dataclass, field
from typing import Any

from connector.model import ActivityKind, Stage

SOURCES: tuple[str, ...] = ("files", "hubspot", "salesforce")

# Value types a column can be read as (``type:`` in YAML).
VALUE_TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "datetime", "range", "stage")

# What each common field accepts and what it defaults to; fields not listed hold text.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "company_size": ("int", "range"),
    "annual_revenue": ("float", "int", "range"),
    "created_at": ("datetime",),
    "updated_at": ("datetime",),
    "crm_stage": ("stage",),
    "sales_accepted": ("bool",),
    "do_not_contact": ("bool",),
    "has_open_deal": ("bool",),
    "has_won_deal": ("bool",),
}
TEXT_TYPES: tuple[str, ...] = ("str",)
SIGNAL_TYPES: tuple[str, ...] = ("float", "int", "range")

# Keys of Activity.detail a mapping may fill; the scoring rules filter on these.
DETAIL_KEYS: tuple[str, ...] = (
    "url",
    "content_id",
    "content_type",
    "title",
    "campaign",
    "form",
    "subject",
    "direction",
    "channel",
    "outcome",
    "duration",
)

# What a Qualification offers for write-back (``output:`` in YAML).
OUTPUTS: tuple[str, ...] = (
    "score",
    "fit",
    "engagement",
    "grade",
    "stage",
    "disqualified",
    "disqualified_reason",
    "summary",
    "stage_reason",
    "model_version",
    "computed_at",
    "mql_date",
    "sql_date",
)

# Outputs that record when something first happened: written once, then kept (policy if_empty by default).
FIRST_REACHED_OUTPUTS: tuple[str, ...] = ("mql_date", "sql_date")

ACTIVITY_KINDS: tuple[str, ...] = tuple(kind.value for kind in ActivityKind)


class WritePolicy(enum.Enum):
    """When a rendered value may replace what the CRM holds."""

    OVERWRITE = "overwrite"  # whenever it differs
    IF_EMPTY = "if_empty"  # only when the CRM holds nothing
    FORWARD_ONLY = "forward_only"  # stages only: only to a later stage than the CRM's
    NEVER = "never"  # read for reports and diffs, never written


ValueReader = abc.Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Column:
    """One value read from a record: which column, as what type, through which value map.

    ``read`` turns a raw value (CSV text, a JSON value, a CRM property) into the typed value and raises
    ValueError with a message an admin can act on. ``line`` is where the YAML defines it.
    """

    name: str
    type: str
    read: ValueReader = field(repr=False, compare=False)
    value_map: abc.Mapping[str, Any] | None = None
    optional: bool = False
    line: int | None = None


@dataclass(frozen=True, slots=True)
class FieldMap:
    """A common field (``email``), a custom one (``attributes.plan``) or a rollup (``signals.visit``)."""

    target: str
    column: Column

    @property
    def group(self) -> str | None:
        """``attributes``, ``signals`` or None for a common field."""
        head, dot, _ = self.target.partition(".")
        return head if dot else None

    @property
    def name(self) -> str:
        """The name inside its group: ``plan`` for ``attributes.plan``; the field itself otherwise."""
        return self.target.partition(".")[2] or self.target


@dataclass(frozen=True, slots=True)
class ContactsMap:
    """How records become Contacts: key ``<source>:<object>:<id>``, change time, fields."""

    object: str
    id: Column
    updated_at: Column | None
    fields: tuple[FieldMap, ...]


@dataclass(frozen=True, slots=True)
class ActivitiesMap:
    """How records become Activities. Without an ``id`` column the id is a stable hash of the record."""

    contact_id: Column
    kind: Column
    occurred_at: Column
    id: Column | None = None
    detail: tuple[tuple[str, Column], ...] = ()
    object: str | None = None  # the CRM object read (Task, Event, ...) when a mapping lists several


@dataclass(frozen=True, slots=True)
class WriteField:
    """One qualification output written to one CRM property/column.

    ``value_map`` renders values the CRM's way (``mql`` -> ``marketingqualifiedlead``); keys are the
    output's text form, case-folded (``true``/``false`` for booleans, stage names for stages).
    ``held_stages`` (stage outputs) reads the CRM's current value back as a Stage: the inverse of
    ``value_map``, plus the read side's map when the same property feeds ``crm_stage``.
    """

    output: str
    to: str
    policy: WritePolicy = WritePolicy.OVERWRITE
    value_map: abc.Mapping[str, Any] | None = None
    line: int | None = None
    held_stages: abc.Mapping[str, Stage] | None = None


@dataclass(frozen=True, slots=True)
class Mapping:
    """A validated mapping for one source (``files``, ``hubspot``, ``salesforce``)."""

    source: str
    file: str
    contacts: ContactsMap
    activities: ActivitiesMap | None = None
    write: tuple[WriteField, ...] = ()
    # Every contacts/activities section when the YAML lists several (Salesforce: Lead and Contact; Task,
    # Event, CampaignMember); ``contacts``/``activities`` are the first of each.
    contact_maps: tuple[ContactsMap, ...] = ()
    activity_maps: tuple[ActivitiesMap, ...] = ()

    @property
    def write_targets(self) -> tuple[str, ...]:
        """The CRM properties/columns the write side names, in order, without repeats."""
        return tuple(dict.fromkeys(w.to for w in self.write))

    def key(self, object_id: str) -> str:
        """The contact key for an id read from a record."""
        return f"{self.source}:{self.contacts.object}:{object_id}"
