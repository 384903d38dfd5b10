"""The webhook inbox: every accepted event, stored before the receiver answers 2xx, until a worker is done.

    inbox_events     one row per event: dedupe key (unique), source, contact key, status, attempts, next
                     attempt, the lease of the worker holding it, last error

Statuses: ``pending`` (due at ``next_attempt_at``) -> ``processing`` (leased by ``claimed_by`` until
``claimed_until``) -> ``done`` | ``dead`` (after N failed attempts, with its last error). A worker that dies
leaves its lease to expire; the events become claimable again. Nothing here knows HubSpot or Salesforce:
``webhooks`` parses requests into ``NewEvent``s and the worker decides what an event means.

Claims: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets workers on several machines claim disjoint rows
without waiting on each other. On SQLite every store transaction holds the single write lock
(``BEGIN IMMEDIATE``), so the select-then-lease runs alone and several workers on one machine still
never lease the same row. Marking an event done checks the lease token, so a worker whose lease expired
while it was slow cannot finish an event another worker has taken over.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Column, Index, Integer, String, Table, Text, and_, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from connector.store.bulk import Raw
from connector.store.tables import KEY, metadata
from connector.store.types import UTCDateTime

PENDING, PROCESSING, DONE, DEAD = "pending", "processing", "done", "dead"
STATUSES = (PENDING, PROCESSING, DONE, DEAD)

inbox_events = Table(
    "inbox_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "dedupe_key",
        String(255),
        nullable=False,
        unique=True,
        comment="identifies the event across redeliveries (HubSpot: portal, subscription, event id, object, "
        "time; Salesforce: org and Notification Id)",
    ),
    Column("source", String(32), nullable=False),
    Column("contact_key", KEY, nullable=False, comment="the contact the event is about (the survivor of a merge)"),
    Column("kind", String(32), nullable=False, comment="change | deletion | merge"),
    Column("payload", Text, nullable=False, comment="the event as received, JSON"),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("occurred_at", UTCDateTime),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(128), comment="lease token of the worker holding the event"),
    Column("claimed_until", UTCDateTime),
    Column("processed_at", UTCDateTime),
    Column("last_error", Text),
    Index(None, "status", "next_attempt_at"),
    Index(None, "contact_key"),
)


class NewEvent(NamedTuple):
    """An event as the receiver accepts it (a tuple: the receiver makes 100 per request)."""

    dedupe_key: str
    source: str
    contact_key: str
    kind: str
    payload: dict[str, Any]
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """A stored event."""

    id: int
    dedupe_key: str
    source: str
    contact_key: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    received_at: datetime
    occurred_at: datetime | None
    next_attempt_at: datetime
    claimed_by: str | None
    processed_at: datetime | None
    last_error: str | None


_INSERT = (
    "INSERT INTO inbox_events (dedupe_key, source, contact_key, kind, payload, status, attempts, received_at, "
    "occurred_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING"
)


def add(connection: Connection, events: Sequence[NewEvent], now: datetime, delay: timedelta = timedelta()) -> int:
    """Store events whose dedupe key is new, due ``delay`` from now; returns how many were new.

    This is the receiver's hot path (100 events per HubSpot request, before the 2xx): one executemany on
    the driver, without SQLAlchemy's per-row type processing.
    """
    if not events:
        return 0
    raw = Raw(connection)
    received, due = raw.timestamp(now), raw.timestamp(now + delay)
    dumps = _dumps
    rows = [
        (
            e.dedupe_key,
            e.source,
            e.contact_key,
            e.kind,
            dumps(e.payload),
            PENDING,
            received,
            raw.timestamp(e.occurred_at),
            due,
        )
        for e in {e.dedupe_key: e for e in events}.values()  # a key twice in one request: once
    ]
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(raw.sql(_INSERT), rows)
        inserted = cursor.rowcount  # both drivers sum the rows an executemany inserted
    finally:
        cursor.close()
    return len(rows) if inserted is None or inserted < 0 else inserted


#: One encoder for every payload: json.dumps with options builds a new encoder per call.
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode


def claim(connection: Connection, worker: str, now: datetime, lease: timedelta, limit: int) -> list[InboxEvent]:
    """Lease up to ``limit`` due events, plus every other pending event of the same contacts (coalescing: one
    re-read serves them all). Expired leases (a worker that died) count as due."""
    due = or_(
        and_(inbox_events.c.status == PENDING, inbox_events.c.next_attempt_at <= now),
        and_(inbox_events.c.status == PROCESSING, inbox_events.c.claimed_until <= now),
    )
    query = (
        select(inbox_events.c.id, inbox_events.c.contact_key)
        .where(due)
        .order_by(inbox_events.c.next_attempt_at, inbox_events.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    picked = connection.execute(query).all()
    if not picked:
        return []
    ids = {row.id for row in picked}
    keys = sorted({row.contact_key for row in picked})
    siblings = select(inbox_events.c.id).where(inbox_events.c.contact_key.in_(keys), inbox_events.c.status == PENDING)
    if connection.dialect.name == "postgresql":
        siblings = siblings.with_for_update(skip_locked=True)
    ids.update(connection.execute(siblings).scalars())
    connection.execute(
        update(inbox_events)
        .where(inbox_events.c.id.in_(sorted(ids)))
        .values(status=PROCESSING, claimed_by=worker, claimed_until=now + lease)
    )
    return load(connection, sorted(ids))


def load(connection: Connection, ids: Iterable[int]) -> list[InboxEvent]:
    chosen = sorted(set(ids))
    if not chosen:
        return []
    rows = connection.execute(select(inbox_events).where(inbox_events.c.id.in_(chosen)).order_by(inbox_events.c.id))
    return [_event(row) for row in rows]


def complete(connection: Connection, ids: Sequence[int], worker: str, now: datetime) -> int:
    """Mark leased events done (only those this worker still holds); returns how many."""
    if not ids:
        return 0
    result = connection.execute(
        update(inbox_events)
        .where(
            inbox_events.c.id.in_(sorted(ids)), inbox_events.c.claimed_by == worker, inbox_events.c.status == PROCESSING
        )
        .values(status=DONE, processed_at=now, claimed_until=None, last_error=None)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, capped; dead after ``max_attempts``."""

    first_s: float = 5.0
    max_s: float = 3600.0
    max_attempts: int = 8

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        ceiling = min(self.max_s, self.first_s * 2 ** max(0, attempts - 1))
        # Jitter spreads retries of events that failed together (a CRM outage) instead of retrying in lockstep.
        return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def fail(
    connection: Connection,
    ids: Sequence[int],
    worker: str,
    now: datetime,
    error: str,
    backoff: Backoff,
    rng: random.Random | None = None,
) -> tuple[int, int]:
    """Record a failed attempt on leased events: retry later, or dead after the last attempt.
    Returns (rescheduled, dead)."""
    rescheduled = dead = 0
    rows = connection.execute(
        select(inbox_events.c.id, inbox_events.c.attempts).where(
            inbox_events.c.id.in_(sorted(ids)), inbox_events.c.claimed_by == worker, inbox_events.c.status == PROCESSING
        )
    ).all()
    for row in rows:
        attempts = row.attempts + 1
        if attempts >= backoff.max_attempts:
            values: dict[str, Any] = {"status": DEAD, "processed_at": now}
            dead += 1
        else:
            values = {"status": PENDING, "next_attempt_at": now + backoff.delay(attempts, rng)}
            rescheduled += 1
        connection.execute(
            update(inbox_events)
            .where(inbox_events.c.id == row.id)
            .values(attempts=attempts, last_error=error[:2000], claimed_until=None, **values)
        )
    return rescheduled, dead


def release(connection: Connection, ids: Sequence[int], worker: str) -> None:
    """Give leased events back untouched (a worker shutting down)."""
    if ids:
        connection.execute(
            update(inbox_events)
            .where(
                inbox_events.c.id.in_(sorted(ids)),
                inbox_events.c.claimed_by == worker,
                inbox_events.c.status == PROCESSING,
            )
            .values(status=PENDING, claimed_until=None)
        )


def requeue(
    connection: Connection,
    now: datetime,
    *,
    ids: Sequence[int] = (),
    statuses: Sequence[str] = (DEAD,),
    since: datetime | None = None,
) -> int:
    """Make events due now again with a fresh attempt count: dead ones (``inbox retry``) or everything
    received since a time (``inbox replay``). Returns how many."""
    conditions: list[ColumnElement[bool]] = [inbox_events.c.status.in_(list(statuses))]
    if ids:
        conditions.append(inbox_events.c.id.in_(sorted(ids)))
    if since is not None:
        conditions.append(inbox_events.c.received_at >= since)
    result = connection.execute(
        update(inbox_events)
        .where(*conditions)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
    )
    return result.rowcount or 0


def depth(connection: Connection) -> dict[str, int]:
    """Events per status (every status present, zero when none)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in connection.execute(
        select(inbox_events.c.status, func.count()).group_by(inbox_events.c.status)
    ):
        counts[status] = count
    return counts


def listing(connection: Connection, *, status: str | None = None, limit: int = 50) -> list[InboxEvent]:
    """The newest events first, optionally of one status."""
    query = select(inbox_events).order_by(inbox_events.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(inbox_events.c.status == status)
    return [_event(row) for row in connection.execute(query)]


def _event(row: Any) -> InboxEvent:
    return InboxEvent(
        id=row.id,
        dedupe_key=row.dedupe_key,
        source=row.source,
        contact_key=row.contact_key,
        kind=row.kind,
        payload=json.loads(row.payload),
        status=row.status,
        attempts=row.attempts,
        received_at=row.received_at,
        occurred_at=row.occurred_at,
        next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by,
        processed_at=row.processed_at,
        last_error=row.last_error,
    )
