"""Rejected writes: values the destination refused (with its reason) or could not take right now.

They are retried on the following runs: the first few at once, then with a growing pause so that a value a
CRM keeps refusing does not cost a call on every run. A write that goes through clears its row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.engine import Connection

from connector.store.bulk import Raw, chunks, upsert
from connector.store.tables import contacts, rejected_writes

#: Attempts retried on the very next run; after that the pause doubles from one hour up to a day.
IMMEDIATE_RETRIES = 3
MAX_PAUSE = timedelta(days=1)


def next_retry(attempts: int, now: datetime) -> datetime:
    if attempts <= IMMEDIATE_RETRIES:
        return now
    return now + min(timedelta(hours=2 ** (attempts - IMMEDIATE_RETRIES - 1)), MAX_PAUSE)


@dataclass(frozen=True, slots=True)
class Rejection:
    contact_key: str
    field: str
    value: str | None  # JSON text
    status: str  # "rejected" | "retryable"
    reason: str | None
    attempts: int = 0
    next_retry_at: datetime | None = None


def load(connection: Connection, keys: Sequence[str]) -> dict[tuple[str, str], Rejection]:
    """The failed writes of the given contacts. Plain driver access (``Raw``): the planner asks for every
    contact it plans, and SQLAlchemy's expanding IN costs more than the lookup of an empty table."""
    raw = Raw(connection)
    found: dict[tuple[str, str], Rejection] = {}
    for part in chunks(sorted(set(keys)), 500):
        for key, field, value, status, reason, attempts, next_retry_at in raw.fetch(
                "SELECT contact_key, field, value, status, reason, attempts, next_retry_at FROM rejected_writes "
                f"WHERE contact_key IN ({raw.marks(len(part))})", part):
            found[(key, field)] = Rejection(key, field, value, status, reason, attempts,
                                            raw.read_timestamp(next_retry_at))
    return found


def record(connection: Connection, failures: Sequence[Rejection], previous: dict[tuple[str, str], Rejection],
           now: datetime, run_id: int | None) -> None:
    """Record failed writes, counting attempts on top of earlier failures of the same field."""
    rows = []
    for failure in failures:
        before = previous.get((failure.contact_key, failure.field))
        attempts = (before.attempts if before else 0) + 1
        rows.append({
            "contact_key": failure.contact_key,
            "field": failure.field,
            "value": failure.value,
            "status": failure.status,
            "reason": failure.reason,
            "attempts": attempts,
            "first_failed_at": now,
            "last_attempt_at": now,
            "next_retry_at": next_retry(attempts, now),
            "run_id": run_id,
        })
    # first_failed_at is kept from the first failure.
    upsert(connection, rejected_writes, rows, ["contact_key", "field"],
           [name for name in (rows[0] if rows else {}) if name not in ("contact_key", "field", "first_failed_at")])


def clear(connection: Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Forget failures of fields that have now been written (or no longer need writing)."""
    for part in chunks(sorted(set(pairs)), 400):
        connection.execute(delete(rejected_writes).where(
            tuple_(rejected_writes.c.contact_key, rejected_writes.c.field).in_(part)))


def due_keys(connection: Connection, source: str, now: datetime, after: str | None, limit: int) -> list[str]:
    """Keys of live contacts of ``source`` with a failed write due for retry, in key order; writes already
    attempted at ``now`` (earlier in the same run) are not due again."""
    # Driven by the failed writes (few) with a lookup of each one's contact, rather than by the contacts of
    # the source (all of them: a scan of the whole replica after every rescore, even with nothing to retry).
    live = (select(contacts.c.key)
            .where(contacts.c.key == rejected_writes.c.contact_key, contacts.c.source == source,
                   contacts.c.deleted_at.is_(None))
            .exists())
    query = (
        select(rejected_writes.c.contact_key)
        .where(rejected_writes.c.next_retry_at <= now, rejected_writes.c.last_attempt_at < now, live)
        .group_by(rejected_writes.c.contact_key)
        .order_by(rejected_writes.c.contact_key)
        .limit(limit)
    )
    if after is not None:
        query = query.where(rejected_writes.c.contact_key > after)
    return list(connection.execute(query).scalars())


def summary(connection: Connection, source: str | None = None) -> list[tuple[str, str, int]]:
    """(status, reason, count) of the failed writes waiting, most frequent first."""
    query = select(rejected_writes.c.status, rejected_writes.c.reason, func.count())
    if source is not None:
        query = query.where(rejected_writes.c.contact_key.like(f"{source}:%"))
    query = query.group_by(rejected_writes.c.status, rejected_writes.c.reason).order_by(func.count().desc())
    return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
