"""Claims: two processes never work on the same contact at the same time.

PostgreSQL: transaction-scoped advisory locks, taken with ``pg_try_advisory_xact_lock`` (never waiting,
so two claimers cannot deadlock) and released by the database at commit, rollback, or when a killed
process's connection drops. The lock id hashes the schema name with the key, so stores in different
schemas of one database do not contend. A key another process holds is simply not claimed: the caller
processes what it got and comes back for the rest.

SQLite: one writer at a time. Every store transaction starts with BEGIN IMMEDIATE, so the transaction
that processes a batch already excludes every other process until it commits: everything is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.types import Text

_TRY_LOCK = text(
    "SELECT k FROM unnest(:keys) AS k "
    "WHERE pg_try_advisory_xact_lock(hashtextextended(current_schema() || ':' || k, 0))"
).bindparams(bindparam("keys", type_=ARRAY(Text)))


def claim(connection: Connection, keys: Sequence[str]) -> set[str]:
    """Claim ``keys`` for the current transaction; returns those claimed (the others are busy elsewhere)."""
    if not keys:
        return set()
    if connection.dialect.name != "postgresql":
        return set(keys)
    # Sorted, so that two claimers walking overlapping key sets take locks in the same order.
    return set(connection.execute(_TRY_LOCK, {"keys": sorted(set(keys))}).scalars())
