"""Activities in the store: bulk upsert that reports which contacts gained or changed activities, and the
fast read paths the pipeline and rescore use (raw rows, shared detail decoding)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from connector.model import Activity
from connector.store.bulk import Raw, chunks
from connector.store.codec import KINDS, DetailCache, encode_detail, make_activity

_SELECT = "SELECT contact_key, source_id, kind, occurred_at, detail FROM activities"


_UPSERT = (
    "INSERT INTO activities (contact_key, source_id, kind, occurred_at, detail) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (contact_key, source_id) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at, "
    "detail = excluded.detail"
)


def upsert(connection: Connection, items: Iterable[Activity]) -> set[str]:
    """Insert new activities and update changed ones; returns the keys of contacts whose activities changed.

    The batch's contacts' stored activities are read first and only rows that differ are written, so
    re-reading a whole export costs a lookup per contact, not a write per activity, and only contacts with
    real news get re-qualified. (Callers hold the claims on these contacts.)
    """
    raw = Raw(connection)
    stamp = raw.timestamp
    wanted: dict[tuple[str, str], tuple[str, Any, str | None]] = {}
    for a in items:  # a row twice in a batch: the last copy wins
        wanted[(a.contact_key, a.source_id)] = (a.kind.value, stamp(a.occurred_at), encode_detail(a.detail))
    if not wanted:
        return set()
    held: dict[tuple[str, str], tuple[str, Any, str | None]] = {}
    for part in chunks(sorted({key for key, _ in wanted}), 500):
        for key, source_id, kind, occurred_at, detail in raw.fetch(
                f"{_SELECT} WHERE contact_key IN ({raw.marks(len(part))})", part):
            held[(key, source_id)] = (kind, occurred_at, detail)
    changed = [(key, source_id, *row) for (key, source_id), row in wanted.items() if held.get((key, source_id)) != row]
    raw.execute_many(_UPSERT, changed)
    return {row[0] for row in changed}


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
