"""Per contact and CRM property: the value last read, what the CRM holds as far as we know, the value the
latest qualification wants there, and the value we last wrote.

``crm_value`` is the one the write-back diffs against. It follows whichever happened last: a read that
brought a *different* value than the previous read (someone changed it in the CRM), or a write of ours
that the destination accepted. An export that still shows the old value after we wrote the new one (the
admin has not imported our updates yet) therefore does not make us write the same value again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from connector.store.bulk import chunks, upsert
from connector.store.tables import field_values


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
_COLUMNS = tuple(field_values.c[name] for name in _NAMES)


def load(connection: Connection, keys: Sequence[str]) -> dict[str, dict[str, FieldState]]:
    """Field states of the given contacts: key -> property -> state."""
    found: dict[str, dict[str, FieldState]] = {}
    for part in chunks(sorted(set(keys)), 500):
        for row in connection.execute(select(*_COLUMNS).where(field_values.c.contact_key.in_(part))):
            state = FieldState(*row)
            found.setdefault(state.contact_key, {})[state.field] = state
    return found


def save(connection: Connection, states: Sequence[FieldState]) -> None:
    """Write the given states whole (insert or replace), one executemany."""
    rows: list[dict[str, Any]] = [{name: getattr(s, name) for name in _NAMES} for s in states]
    upsert(connection, field_values, rows, ["contact_key", "field"])
