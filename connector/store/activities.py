"""Activities in the store: bulk upsert that reports which contacts gained or changed activities, and the
fast read paths the pipeline and rescore use (raw rows, shared detail decoding)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Connection

from connector.model import Activity
from connector.store.bulk import Raw, chunks, insert_for
from connector.store.codec import KINDS, DetailCache, encode_detail, make_activity
from connector.store.tables import activities

_SELECT = "SELECT contact_key, source_id, kind, occurred_at, detail FROM activities"


def _row(activity: Activity) -> dict[str, Any]:
    return {
        "contact_key": activity.contact_key,
        "source_id": activity.source_id,
        "kind": activity.kind.value,
        "occurred_at": activity.occurred_at,
        "detail": encode_detail(activity.detail),
    }


def upsert(connection: Connection, items: Iterable[Activity], batch: int = 5000) -> set[str]:
    """Insert new activities and update changed ones; returns the keys of contacts whose activities changed.

    Unchanged rows are not touched (the conflict update has a WHERE), so re-reading a whole export costs
    lookups, not writes, and only contacts with real news get re-qualified.
    """
    stmt = insert_for(connection, activities)
    stmt = stmt.on_conflict_do_update(
        index_elements=["contact_key", "source_id"],
        set_={"kind": stmt.excluded.kind, "occurred_at": stmt.excluded.occurred_at, "detail": stmt.excluded.detail},
        where=or_(
            activities.c.kind.is_distinct_from(stmt.excluded.kind),
            activities.c.occurred_at.is_distinct_from(stmt.excluded.occurred_at),
            activities.c.detail.is_distinct_from(stmt.excluded.detail),
        ),
    ).returning(activities.c.contact_key)
    changed: set[str] = set()
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for activity in items:
        # One statement cannot touch a row twice (PostgreSQL refuses): the last copy in a batch wins.
        ident = (activity.contact_key, activity.source_id)
        if ident in seen:
            rows = [r for r in rows if (r["contact_key"], r["source_id"]) != ident]
        seen.add(ident)
        rows.append(_row(activity))
        if len(rows) >= batch:
            changed.update(connection.execute(stmt, rows).scalars())
            rows, seen = [], set()
    if rows:
        changed.update(connection.execute(stmt, rows).scalars())
    return changed


class ActivityReader:
    """Reads activities grouped by contact: plain driver rows, shared detail decoding, fast construction."""

    def __init__(self, connection: Connection, details: DetailCache | None = None):
        self._raw = Raw(connection)
        self._details = details or DetailCache()

    def for_keys(self, keys: Sequence[str]) -> dict[str, list[Activity]]:
        """Activities of the given contacts, by key (contacts without any are left out)."""
        grouped: dict[str, list[Activity]] = {}
        for part in chunks(sorted(set(keys)), 500):
            rows = self._raw.fetch(f"{_SELECT} WHERE contact_key IN ({self._raw.marks(len(part))})", part)
            self._group(rows, grouped)
        return grouped

    def for_range(self, first: str, last: str) -> dict[str, list[Activity]]:
        """Activities of every contact with first <= key <= last: one range scan of the primary key."""
        return self._group(self._raw.fetch(f"{_SELECT} WHERE contact_key >= ? AND contact_key <= ?", (first, last)), {})

    def _group(self, rows: Sequence[Any], grouped: dict[str, list[Activity]]) -> dict[str, list[Activity]]:
        decode = self._details.decode
        timestamp = self._raw.read_timestamp
        kinds = KINDS
        for key, source_id, kind, occurred_at, detail in rows:
            activity = make_activity(key, kinds[kind], timestamp(occurred_at), source_id, decode(detail))
            bucket = grouped.get(key)
            if bucket is None:
                grouped[key] = [activity]
            else:
                bucket.append(activity)
        return grouped
