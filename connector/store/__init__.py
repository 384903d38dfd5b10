"""The local store: a replica of contacts and activities, cursors, what was read from and written to the
CRM, stage history, runs and rejected writes. SQLite by default, PostgreSQL for several processes/machines.

    store = open_store()                 # LEADBRIDGE_DATABASE_URL, default sqlite:///leadbridge.db
    with store.begin() as conn:          # one transaction; StoreError if the store is locked or gone
        ...

Modules: ``engine`` (open, errors), ``schema`` (migrations, version check), ``tables``, ``codec`` (rows <->
model, fingerprints) and one module per table family (``contacts``, ``activities``, ``cursors``,
``fields``, ``history``, ``runs``, ``rejected``, ``claims``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import OperationalError

from connector.errors import StoreError
from connector.store.engine import create_store_engine, describe, open_error, parse_url
from connector.store.schema import ensure_current


class Store:
    """An open store: the engine plus transactions that turn database trouble into StoreError."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def describe(self) -> str:
        """The store as messages name it (password masked)."""
        return describe(self.engine.url)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction, committed on success. On SQLite it holds the write lock (BEGIN IMMEDIATE)."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except OperationalError as exc:
            # Locked past the busy timeout, disk full, server gone: say so, do not dump a traceback.
            raise open_error(exc, self.engine.url) from None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection whose transactions the caller manages (dry runs hold one open and roll it back)."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except OperationalError as exc:
            raise open_error(exc, self.engine.url) from None

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, check_schema: bool = True) -> Store:
    """Open the store at ``url`` (default: LEADBRIDGE_DATABASE_URL).

    With ``check_schema`` (every command except ``db upgrade``) an out-of-date schema is a StoreError that
    says to run ``leadbridge db upgrade``; a brand-new embedded SQLite file is created on the spot.
    """
    if url is None:
        from connector.settings import get_settings

        url = get_settings().database_url
    engine = create_store_engine(parse_url(url))
    if check_schema:
        try:
            ensure_current(engine)
        except BaseException:
            engine.dispose()
            raise
    return Store(engine)


__all__ = ["Store", "StoreError", "open_store"]
