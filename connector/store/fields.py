"""Per contact and CRM property: the value last read, what the CRM holds as far as we know, the value the
latest qualification wants there, and the value we last wrote, with when and in which run.

The pipeline plans from the per-contact copy of the same values (``contacts.writeback``, one JSON value per
contact) and records here only the properties that changed, with targeted upserts that leave the other
columns of the row alone.

``crm_value`` is the one the write-back diffs against. It follows whichever happened last: a read that
brought a *different* value than the previous read (someone changed it in the CRM), or a write of ours
that the destination accepted. An export that still shows the old value after we wrote the new one (the
admin has not imported our updates yet) therefore does not make us write the same value again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from connector.store.bulk import Raw, chunks


@dataclass(slots=True)
class FieldState:
    """One row of field_values; values are JSON text (``types.to_json``), None when never set."""

    contact_key: str
    field: str
    read_value: str | None = None
    read_at: datetime | None = None
    crm_value: str | None = None
    desired_value: str | None = None
    written_value: str | None = None
    written_at: datetime | None = None
    written_run_id: int | None = None


_NAMES = tuple(f.name for f in fields(FieldState))
_SELECT = f"SELECT {', '.join(_NAMES)} FROM field_values"
_UPSERT = (
    f"INSERT INTO field_values ({', '.join(_NAMES)}) VALUES ({', '.join('?' * len(_NAMES))}) "
    "ON CONFLICT (contact_key, field) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _NAMES[2:])
)


def load(connection: Connection, keys: Sequence[str]) -> dict[str, dict[str, FieldState]]:
    """Field states of the given contacts: key -> property -> state."""
    raw = Raw(connection)
    stamp = raw.read_timestamp
    found: dict[str, dict[str, FieldState]] = {}
    for part in chunks(sorted(set(keys)), 500):
        for row in raw.fetch(f"{_SELECT} WHERE contact_key IN ({raw.marks(len(part))})", part):
            key, prop, read_value, read_at, crm_value, desired, written, written_at, run_id = row
            state = FieldState(key, prop, read_value, stamp(read_at), crm_value, desired, written, stamp(written_at),
                               run_id)
            held = found.get(key)
            if held is None:
                found[key] = {prop: state}
            else:
                held[prop] = state
    return found


def save(connection: Connection, states: Sequence[FieldState]) -> None:
    """Write the given states whole (insert or replace), one executemany."""
    raw = Raw(connection)
    stamp = raw.timestamp
    raw.execute_many(_UPSERT, [(s.contact_key, s.field, s.read_value, stamp(s.read_at), s.crm_value, s.desired_value,
                                s.written_value, stamp(s.written_at), s.written_run_id) for s in states])


def _upsert(columns: Sequence[str]) -> str:
    names = ("contact_key", "field", *columns)
    return (f"INSERT INTO field_values ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            "ON CONFLICT (contact_key, field) DO UPDATE SET "
            + ", ".join(f"{name} = excluded.{name}" for name in columns))


_TIMESTAMPS = frozenset({"read_at", "written_at"})


def record(connection: Connection, changes: Mapping[tuple[str, str], Mapping[str, Any]]) -> None:
    """Upsert the changed columns of each (contact key, property), leaving its other columns alone: one
    executemany per set of columns. Values are JSON text; ``read_at``/``written_at`` datetimes."""
    raw = Raw(connection)
    # Grouped by the columns in the order they were set: the callers set them in a few fixed orders, so
    # this makes as few groups as sorting would, without sorting for each of a rescore's changes.
    groups: dict[tuple[str, ...], list[list[Any]]] = {}
    for (key, prop), columns in changes.items():
        groups.setdefault(tuple(columns), []).append([key, prop, *columns.values()])
    for names, rows in groups.items():
        raw.timestamps_at(rows, [2 + i for i, name in enumerate(names) if name in _TIMESTAMPS])
        raw.execute_many(_upsert(names), rows)
