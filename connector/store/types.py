"""Column types shared by the store's tables: UTC timestamps that read back aware on every backend.

SQLite has no timezone-aware timestamp: SQLAlchemy stores naive text there and hands back naive datetimes,
while PostgreSQL's ``timestamptz`` hands back aware ones. ``UTCDateTime`` makes both behave the same:
aware UTC in, aware UTC out, and a naive value is refused (it would be ambiguous).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; naive values are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

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


def from_json(text: str | None) -> Any:
    """The value of a JSON column (None stays None)."""
    return None if text is None else json.loads(text)
