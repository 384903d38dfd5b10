"""The contacts replica: what each contact looked like when last read, and its latest qualification."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Row

from connector.model import Qualification, Stage
from connector.store.bulk import chunks, upsert
from connector.store.tables import contacts
from connector.store.types import to_json

#: What a qualification shows a rep; when none of it changes, a re-qualification is not stored again.
Outcome = tuple[int, int, int, str, str, bool, str]

_COLUMNS = (
    contacts.c.key,
    contacts.c.data,
    contacts.c.inputs_fp,
    contacts.c.dirty,
    contacts.c.deleted_at,
    contacts.c.stage,
    contacts.c.score,
    contacts.c.fit,
    contacts.c.engagement,
    contacts.c.grade,
    contacts.c.disqualified,
    contacts.c.summary,
    contacts.c.model_version,
    contacts.c.qualified_at,
    contacts.c.qualified_fp,
    contacts.c.read_fp,
    contacts.c.desired_fp,
    contacts.c.synced_fp,
)


@dataclass(slots=True)
class StoredContact:
    """One contact as the store holds it (the Contact itself stays JSON until needed)."""

    key: str
    data: str
    inputs_fp: str
    dirty: bool
    deleted: bool
    stage: Stage | None
    outcome: Outcome | None
    model_version: str | None
    qualified_at: datetime | None
    qualified_fp: str | None
    read_fp: str | None
    desired_fp: str | None
    synced_fp: str | None


def outcome_of(q: Qualification) -> Outcome:
    return (q.score, q.fit, q.engagement, q.grade, q.stage.value, q.disqualified, q.summary)


def _stored(row: Row[Any]) -> StoredContact:
    (key, data, inputs_fp, dirty, deleted_at, stage, score, fit, engagement, grade, disqualified, summary,
     model_version, qualified_at, qualified_fp, read_fp, desired_fp, synced_fp) = row
    outcome = None if stage is None else (score, fit, engagement, grade, stage, bool(disqualified), summary)
    return StoredContact(key, data, inputs_fp, bool(dirty), deleted_at is not None,
                         Stage(stage) if stage else None, outcome, model_version, qualified_at, qualified_fp,
                         read_fp, desired_fp, synced_fp)


def load(connection: Connection, keys: Sequence[str]) -> dict[str, StoredContact]:
    """The stored contacts among ``keys``, by key."""
    found: dict[str, StoredContact] = {}
    for part in chunks(keys, 500):
        for row in connection.execute(select(*_COLUMNS).where(contacts.c.key.in_(part))):
            found[row[0]] = _stored(row)
    return found


def load_after(connection: Connection, source: str, after: str | None, limit: int) -> list[StoredContact]:
    """The next ``limit`` live contacts of ``source`` in key order after ``after`` (keyset paging)."""
    query = select(*_COLUMNS).where(contacts.c.source == source, contacts.c.deleted_at.is_(None))
    if after is not None:
        query = query.where(contacts.c.key > after)
    return [_stored(row) for row in connection.execute(query.order_by(contacts.c.key).limit(limit))]


def dirty_after(connection: Connection, source: str, after: str | None, limit: int) -> list[str]:
    """Keys of contacts whose activities changed since they were last processed, in key order."""
    query = select(contacts.c.key).where(
        contacts.c.source == source, contacts.c.dirty.is_(True), contacts.c.deleted_at.is_(None)
    )
    if after is not None:
        query = query.where(contacts.c.key > after)
    return list(connection.execute(query.order_by(contacts.c.key).limit(limit)).scalars())


def save_inputs(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or refresh contacts: key, source, object_type, updated_at, data, inputs_fp, first/last_seen_at.

    ``first_seen_at`` is kept from the first insert; the row is live again and no longer dirty.
    """
    if not rows:
        return
    full = [{**row, "dirty": False, "deleted_at": None} for row in rows]
    upsert(connection, contacts, full, ["key"], [name for name in full[0] if name not in ("key", "first_seen_at")])


_SAVE_QUALIFICATION = (
    update(contacts)
    .where(contacts.c.key == bindparam("b_key"))
    .values(
        stage=bindparam("stage"),
        score=bindparam("score"),
        fit=bindparam("fit"),
        engagement=bindparam("engagement"),
        grade=bindparam("grade"),
        disqualified=bindparam("disqualified"),
        summary=bindparam("summary"),
        qualification=bindparam("qualification"),
        model_version=bindparam("model_version"),
        qualified_at=bindparam("qualified_at"),
        qualified_fp=bindparam("qualified_fp"),
        dirty=False,
    )
)


def qualification_row(q: Qualification, inputs_fp: str) -> dict[str, Any]:
    return {
        "b_key": q.contact_key,
        "stage": q.stage.value,
        "score": q.score,
        "fit": q.fit,
        "engagement": q.engagement,
        "grade": q.grade,
        "disqualified": q.disqualified,
        "summary": q.summary,
        "qualification": to_json(q.as_row()),
        "model_version": q.model_version,
        "qualified_at": q.computed_at,
        "qualified_fp": inputs_fp,
    }


def save_qualifications(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store new qualifications (rows from ``qualification_row``) in one executemany."""
    if rows:
        connection.execute(_SAVE_QUALIFICATION, list(rows))


_TOUCH_QUALIFIED = (
    update(contacts).where(contacts.c.key == bindparam("b_key")).values(qualified_at=bindparam("qualified_at"))
)


def touch_qualified(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Re-qualified with the same outcome: only note when (rows: b_key, qualified_at)."""
    if rows:
        connection.execute(_TOUCH_QUALIFIED, list(rows))


_SAVE_SYNC = (
    update(contacts)
    .where(contacts.c.key == bindparam("b_key"))
    .values(read_fp=bindparam("read_fp"), desired_fp=bindparam("desired_fp"), synced_fp=bindparam("synced_fp"))
)


def save_sync_state(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write-back fingerprints (rows: b_key, read_fp, desired_fp, synced_fp)."""
    if rows:
        connection.execute(_SAVE_SYNC, list(rows))


def mark_dirty(connection: Connection, keys: Iterable[str]) -> None:
    """Flag contacts whose activities changed, so that the run re-qualifies them even if their record did not."""
    for part in chunks(sorted(set(keys)), 500):
        connection.execute(update(contacts).where(contacts.c.key.in_(part)).values(dirty=True))


def clear_dirty(connection: Connection, keys: Iterable[str]) -> None:
    for part in chunks(sorted(set(keys)), 500):
        connection.execute(update(contacts).where(contacts.c.key.in_(part)).values(dirty=False))


def mark_deleted(connection: Connection, keys: Iterable[str], now: datetime) -> int:
    """Flag contacts the source reports deleted or merged away: nothing is written to them any more."""
    count = 0
    for part in chunks(sorted(set(keys)), 500):
        result = connection.execute(
            update(contacts).where(contacts.c.key.in_(part), contacts.c.deleted_at.is_(None)).values(deleted_at=now)
        )
        count += result.rowcount or 0
    return count


def qualification_json(connection: Connection, key: str) -> str | None:
    """The stored Qualification.as_row() JSON of one contact (for `leadbridge history`)."""
    return connection.execute(select(contacts.c.qualification).where(contacts.c.key == key)).scalar()
