"""Bulk statements that work the same on SQLite and PostgreSQL: upsert many rows in one executemany."""

from __future__ import annotations

from collections.abc import Sequence
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
