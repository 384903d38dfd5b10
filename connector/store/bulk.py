"""Bulk statements that work the same on SQLite and PostgreSQL: upsert many rows in one executemany."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert


def insert_for(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT (with ``on_conflict_*``) for ``table``."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_statement(connection: Connection, table: Table, keys: Sequence[str], update: Sequence[str]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET col = excluded.col for each column in ``update``."""
    stmt = insert_for(connection, table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: stmt.excluded[name] for name in update}
    )


def upsert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str],
           update: Sequence[str] | None = None) -> None:
    """Insert ``rows`` or update the listed columns of the rows already there (all non-key columns by
    default). Every row must have the same columns: one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    if update is None:
        update = [name for name in columns if name not in keys]
    connection.execute(upsert_statement(connection, table, keys, update), list(rows))


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    """``items`` in slices of at most ``size``: IN lists stay under every backend's parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class Raw:
    """Plain DB-API access inside the connection's current transaction, for the hot paths of large runs.

    SQLAlchemy's Row objects and per-row type processing cost more than the query itself when a rescore
    reads millions of activity rows; here rows are plain tuples and timestamps are converted by hand.
    SQL is written with ``?`` placeholders and adapted to the driver (psycopg uses ``%s``).
    """

    def __init__(self, connection: Connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self._cache: dict[str, str] = {}
        self._last_stamp: tuple[datetime | None, str] = (None, "")

    def sql(self, text: str) -> str:
        if self.sqlite:
            return text
        adapted = self._cache.get(text)
        if adapted is None:
            adapted = self._cache[text] = text.replace("?", "%s")
        return adapted

    def marks(self, n: int) -> str:
        return ", ".join("?" * n)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.connection.connection.cursor()
        try:
            cursor.execute(self.sql(sql), tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cursor = self.connection.connection.cursor()
        try:
            cursor.executemany(self.sql(sql), rows)
        finally:
            cursor.close()

    def timestamp(self, value: datetime | None) -> Any:
        """A timestamp parameter as UTCDateTime stores it."""
        if value is None or not self.sqlite:
            return value
        if value is self._last_stamp[0]:  # a batch stamps thousands of rows with the same run time
            return self._last_stamp[1]
        text = value.astimezone(UTC).isoformat(timespec="microseconds")
        self._last_stamp = (value, text)
        return text

    def timestamps_at(self, rows: Sequence[list[Any]], positions: Sequence[int]) -> None:
        """Convert, in place, the timestamps at ``positions`` of each row into parameters (``timestamp``)."""
        stamp = self.timestamp
        for row in rows:
            for i in positions:
                row[i] = stamp(row[i])

    def read_timestamp(self, value: Any) -> Any:
        """A timestamp column value, aware UTC (None stays None)."""
        if value is None:
            return None
        if self.sqlite:
            return datetime.fromisoformat(value)
        return value if value.tzinfo is UTC else value.astimezone(UTC)
