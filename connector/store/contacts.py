"""The contacts replica: what each contact looked like when last read, and its latest qualification."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from connector.model import Qualification, Stage
from connector.store.bulk import Raw, chunks
from connector.store.tables import contacts

#: What a qualification shows a rep; when none of it changes, a re-qualification is not stored again.
Outcome = tuple[int, int, int, str, str, bool, str]

_COLUMNS = ("key, data, inputs_fp, dirty, deleted_at, stage, score, fit, engagement, grade, disqualified, summary, "
            "model_version, qualified_at, qualified_fp, read_fp, desired_fp, synced_fp, writeback, p.pack")
_FROM = "contacts LEFT JOIN activity_packs p ON p.contact_key = contacts.key"
# The same columns without the big ones (the contact's data and its activities), for callers that only
# need the state.
_STATE_COLUMNS = _COLUMNS.replace("key, data,", "key, NULL,").replace("p.pack", "NULL")


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
    writeback: str | None  # the write-back book (JSON), read with the rest: the planner needs it for many
    activity_pack: str | None


def outcome_of(q: Qualification) -> Outcome:
    return (q.score, q.fit, q.engagement, q.grade, q.stage.value, q.disqualified, q.summary)


def _stored(row: tuple[Any, ...], raw: Raw) -> StoredContact:
    (key, data, inputs_fp, dirty, deleted_at, stage, score, fit, engagement, grade, disqualified, summary,
     model_version, qualified_at, qualified_fp, read_fp, desired_fp, synced_fp, writeback, activity_pack) = row
    outcome = None if stage is None else (score, fit, engagement, grade, stage, bool(disqualified), summary)
    return StoredContact(key, data, inputs_fp, bool(dirty), deleted_at is not None,
                         _STAGES[stage] if stage else None, outcome, model_version,
                         raw.read_timestamp(qualified_at), qualified_fp, read_fp, desired_fp, synced_fp,
                         writeback, activity_pack)


_STAGES = {stage.value: stage for stage in Stage}


def load(connection: Connection, keys: Sequence[str], *, state_only: bool = False) -> dict[str, StoredContact]:
    """The stored contacts among ``keys``, by key (``state_only``: without data and activity pack)."""
    raw = Raw(connection)
    columns, source = (_STATE_COLUMNS, "contacts") if state_only else (_COLUMNS, _FROM)
    found: dict[str, StoredContact] = {}
    for part in chunks(keys, 500):
        for row in raw.fetch(f"SELECT {columns} FROM {source} WHERE key IN ({raw.marks(len(part))})", part):
            found[row[0]] = _stored(row, raw)
    return found


def load_after(connection: Connection, source: str, after: str | None, limit: int) -> list[StoredContact]:
    """The next ``limit`` live contacts of ``source`` in key order after ``after`` (keyset paging)."""
    raw = Raw(connection)
    rows = raw.fetch(f"SELECT {_COLUMNS} FROM {_FROM} WHERE source = ? AND deleted_at IS NULL AND key > ? "
                     "ORDER BY key LIMIT ?", (source, after or "", limit))
    return [_stored(row, raw) for row in rows]


def dirty_after(connection: Connection, source: str, after: str | None, limit: int) -> list[str]:
    """Keys of contacts whose activities changed since they were last processed, in key order."""
    query = select(contacts.c.key).where(
        contacts.c.source == source, contacts.c.dirty.is_(True), contacts.c.deleted_at.is_(None)
    )
    if after is not None:
        query = query.where(contacts.c.key > after)
    return list(connection.execute(query.order_by(contacts.c.key).limit(limit)).scalars())


_INPUT_COLUMNS = ("key", "source", "object_type", "updated_at", "data", "inputs_fp", "first_seen_at", "last_seen_at")
_SAVE_INPUTS = (
    f"INSERT INTO contacts ({', '.join(_INPUT_COLUMNS)}, dirty) VALUES ({', '.join('?' * len(_INPUT_COLUMNS))}, ?) "
    "ON CONFLICT (key) DO UPDATE SET source = excluded.source, object_type = excluded.object_type, "
    "updated_at = excluded.updated_at, data = excluded.data, inputs_fp = excluded.inputs_fp, "
    "last_seen_at = excluded.last_seen_at, dirty = excluded.dirty, deleted_at = NULL"
)


def save_inputs(connection: Connection, rows: Sequence[dict[str, Any]], packs: Sequence[tuple[str, str]]) -> None:
    """Insert or refresh contacts (key, source, object_type, updated_at, data, inputs_fp, first_seen_at,
    last_seen_at) and their activity packs (key, pack). ``first_seen_at`` is kept from the first insert; the
    row is live again and no longer dirty."""
    raw = Raw(connection)
    stamp = raw.timestamp
    raw.execute_many(_SAVE_INPUTS, [
        (r["key"], r["source"], r["object_type"], stamp(r["updated_at"]), r["data"], r["inputs_fp"],
         stamp(r["first_seen_at"]), stamp(r["last_seen_at"]), False) for r in rows])
    raw.execute_many(
        "INSERT INTO activity_packs (contact_key, pack) VALUES (?, ?) "
        "ON CONFLICT (contact_key) DO UPDATE SET pack = excluded.pack", packs)


def qualification_json(q: Qualification) -> str:
    """The explanation kept in the store: every reason with its points and field evidence, and how many
    activities counted. Activity evidence is not rendered here (it is most of the cost of a large rescore);
    `leadbridge explain` renders it from the stored activities when someone asks."""
    reasons = [(r.rule, r.axis, r.group, round(r.points, 2), r.field_values, len(r.activities) or r.count)
               for r in q.reasons]  # tuples: JSON lists all the same
    return _ENCODER.encode({
        "score": q.score, "fit": q.fit, "engagement": q.engagement, "grade": q.grade, "stage": q.stage.value,
        "disqualified": q.disqualified, "disqualified_reason": q.disqualified_reason, "summary": q.summary,
        "stage_reason": q.stage_reason, "model_version": q.model_version,
        "computed_at": _isoformat(q.computed_at), "reasons": reasons,
    })


def _isoformat(moment: datetime) -> str:
    # A run computes every contact at the same moment. Keyed with the UTC offset too: the same moment at
    # another offset is an equal datetime, but its text differs.
    return _isoformat_at(moment, moment.utcoffset())


@lru_cache(maxsize=64)
def _isoformat_at(moment: datetime, offset: timedelta | None) -> str:
    return moment.isoformat()


# json.dumps with options builds an encoder per call; this runs once per contact of a rescore.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


#: The contact columns that hold a qualification, in the order of ``qualification_columns``.
QUALIFICATION_COLUMNS = ("stage", "score", "fit", "engagement", "grade", "disqualified", "summary", "qualification",
                         "model_version", "qualified_at", "qualified_fp", "dirty")


def qualification_columns(q: Qualification, inputs_fp: str) -> dict[str, Any]:
    """The contact columns that hold a qualification, for ``update_many`` (keys: ``QUALIFICATION_COLUMNS``)."""
    return dict(zip(QUALIFICATION_COLUMNS, (
        q.stage.value, q.score, q.fit, q.engagement, q.grade, q.disqualified, q.summary, qualification_json(q),
        q.model_version, q.computed_at, inputs_fp, False), strict=True))


_TIMESTAMPS = frozenset({"qualified_at", "updated_at", "first_seen_at", "last_seen_at", "deleted_at"})


def update_many(connection: Connection, updates: dict[str, dict[str, Any]]) -> None:
    """Update contacts by key, each with its own columns: one UPDATE per contact (a row is rewritten once
    however many things changed), one executemany per set of columns."""
    raw = Raw(connection)
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for key, values in updates.items():
        groups.setdefault(tuple(values), []).append([*values.values(), key])
    for names, rows in groups.items():
        raw.timestamps_at(rows, [i for i, name in enumerate(names) if name in _TIMESTAMPS])
        raw.execute_many(f"UPDATE contacts SET {', '.join(f'{n} = ?' for n in names)} WHERE key = ?", rows)


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


def stored_qualification(connection: Connection, key: str) -> str | None:
    """The stored Qualification.as_row() JSON of one contact (for `leadbridge history`)."""
    return connection.execute(select(contacts.c.qualification).where(contacts.c.key == key)).scalar()
