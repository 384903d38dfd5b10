"""The adapter protocol every source implements (HubSpot, Salesforce, files).

An adapter reads pages of contacts changed since a cursor, the activities of a set of contacts, re-reads
given contacts (webhook worker), and writes batches of updates with a per-record result. Everything it
returns is in the common model (connector.model); CRM-specific shapes stay inside the adapter.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from connector.model import Activity, Contact


@dataclass(frozen=True, slots=True)
class ContactPage:
    """One page of contacts read from a source.

    ``checkpoint`` is the highest change time in the page: once the page is committed the cursor may
    move to it (never past the run's start). ``activities`` holds activities the source read together with
    the page (files do; CRMs may leave it empty and answer ``read_activities`` instead).
    ``deleted`` lists keys the source reports as deleted or merged away.
    """

    contacts: tuple[Contact, ...]
    checkpoint: datetime | None = None
    activities: tuple[Activity, ...] = ()
    deleted: tuple[str, ...] = ()


class WriteStatus(enum.Enum):
    OK = "ok"
    REJECTED = "rejected"  # the CRM refused the values: record the reason, do not retry blindly
    RETRYABLE = "retryable"  # transient (lock, 5xx, limit): retry next run


@dataclass(frozen=True, slots=True)
class FieldUpdate:
    """New values for one contact: CRM property name -> value, as the mapping's write side renders them."""

    contact_key: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WriteResult:
    contact_key: str
    status: WriteStatus
    reason: str | None = None
    fields: tuple[str, ...] = field(default=())


@runtime_checkable
class Source(Protocol):
    """What the pipeline needs from a source."""

    name: str

    def read_changed(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        """Contacts whose change time is in [since, until) (all of them when since is None), in pages."""
        ...

    def read_activities(self, keys: Sequence[str]) -> Mapping[str, Sequence[Activity]]:
        """Activities of the given contacts, by contact key."""
        ...

    def reread(self, keys: Sequence[str]) -> Sequence[Contact]:
        """The current state of the given contacts (missing ones are left out)."""
        ...


@runtime_checkable
class Destination(Protocol):
    """What the write-back needs: write batches, get one result per record."""

    def write(self, updates: Sequence[FieldUpdate]) -> Sequence[WriteResult]:
        ...
