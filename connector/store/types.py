"""Column types shared by the store's tables: UTC timestamps that read back aware on every backend.

SQLite has no timestamp type: SQLAlchemy stores text there and hands back naive datetimes, while
PostgreSQL's ``timestamptz`` hands back aware ones. ``UTCDateTime`` makes both behave the same: aware UTC in,
aware UTC out, and a naive value is refused (it would be ambiguous).

On SQLite the text is fixed-width ISO-8601 in UTC (``2026-11-01T12:00:00.000000+00:00``): it sorts in time
order, and ``datetime.fromisoformat`` parses it on its fast path, which the bulk readers rely on (the
default ``2026-11-01 12:00:00.000000`` layout takes ten times longer to parse).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

SQLITE_TIMESTAMP = sqlite.DATETIME(
    storage_format="%(year)04d-%(month)02d-%(day)02dT%(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d+00:00",
    regexp=r"(\d+)-(\d+)-(\d+)[T ](\d+):(\d+):(\d+)(?:\.(\d+))?",
)


def parse_sqlite_timestamp(text: str) -> datetime:
    """A timestamp as UTCDateTime stores it on SQLite, aware (fast path for bulk reads)."""
    return datetime.fromisoformat(text)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; naive values are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(SQLITE_TIMESTAMP)
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store: use timezone-aware UTC times")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset; store UTC wall time so text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_json(value: Any) -> str:
    """Compact, key-sorted JSON: equal values give equal text, so text comparison is value comparison."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def value_json(value: Any) -> str:
    """``to_json`` for the scalars CRM properties hold, with the common cases done without json.dumps (this
    runs for every property of every contact written)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float and math.isfinite(value):
        return repr(value)
    return to_json(value)


_encode_str = json.encoder.encode_basestring  # the C encoder json.dumps(..., ensure_ascii=False) uses


def from_json(text: str | None) -> Any:
    """The value of a JSON column (None stays None)."""
    return None if text is None else json.loads(text)
