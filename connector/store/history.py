"""Stage history: every stage change with from, to, when, why, the model version and the run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from connector.store.tables import stage_history


@dataclass(frozen=True, slots=True)
class StageChange:
    contact_key: str
    from_stage: str | None
    to_stage: str
    changed_at: datetime
    reason: str | None
    model_version: str | None
    run_id: int | None


def record(connection: Connection, changes: Sequence[StageChange]) -> None:
    if changes:
        connection.execute(insert(stage_history), [change_row(c) for c in changes])


def change_row(change: StageChange) -> dict[str, Any]:
    return {
        "contact_key": change.contact_key,
        "from_stage": change.from_stage,
        "to_stage": change.to_stage,
        "changed_at": change.changed_at,
        "reason": change.reason,
        "model_version": change.model_version,
        "run_id": change.run_id,
    }


def for_contact(connection: Connection, key: str) -> list[StageChange]:
    """A contact's stage changes, oldest first."""
    rows = connection.execute(
        select(
            stage_history.c.contact_key,
            stage_history.c.from_stage,
            stage_history.c.to_stage,
            stage_history.c.changed_at,
            stage_history.c.reason,
            stage_history.c.model_version,
            stage_history.c.run_id,
        )
        .where(stage_history.c.contact_key == key)
        .order_by(stage_history.c.id)
    )
    return [StageChange(*row) for row in rows]
