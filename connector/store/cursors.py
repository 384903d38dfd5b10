"""Cursors: per source and object, the change time up to which everything has been processed and committed.

A checkpoint only ever moves forward here; the pipeline decides when it may move (after the page's writes
committed, never past the run's start).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from connector.store.bulk import upsert
from connector.store.tables import cursors


def checkpoint(connection: Connection, source: str, object_type: str = "contact") -> datetime | None:
    """The saved checkpoint, or None before the first committed run."""
    return connection.execute(
        select(cursors.c.checkpoint).where(cursors.c.source == source, cursors.c.object_type == object_type)
    ).scalar()


def advance(connection: Connection, source: str, object_type: str, to: datetime, now: datetime,
            run_id: int | None) -> datetime:
    """Move the checkpoint to ``to`` unless it is already later; returns the checkpoint now saved."""
    current = checkpoint(connection, source, object_type)
    if current is not None and current >= to:
        return current
    upsert(connection, cursors, [{"source": source, "object_type": object_type, "checkpoint": to,
                                  "updated_at": now, "run_id": run_id}], ["source", "object_type"])
    return to
