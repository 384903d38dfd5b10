"""Opening the store: a SQLAlchemy engine for SQLite (embedded, WAL) or PostgreSQL (psycopg 3).

Every failure to open becomes a ``StoreError`` that names the store without its password and says what
to do. SQLite runs in WAL mode (readers never block the writer) with a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE``: taking the write lock up front means a transaction never fails half-way
when it tries to upgrade a read lock while another process writes (SQLITE_BUSY_SNAPSHOT ignores the busy
timeout, BEGIN IMMEDIATE waits for it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from connector.errors import StoreError

#: How long a SQLite connection waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30.0
#: How long connecting to PostgreSQL may take.
POSTGRES_CONNECT_TIMEOUT_S = 10


def parse_url(url: str) -> URL:
    """The store URL, normalized: ``postgres://`` and ``postgresql://`` use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"LEADBRIDGE_DATABASE_URL is not a database URL: {redact_text(url)!r}; expected "
            "sqlite:///path/to/leadbridge.db or postgresql+psycopg://user:password@host:5432/database"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported store {redact(parsed)}: leadbridge stores in SQLite (sqlite:///file.db) or "
            "PostgreSQL (postgresql+psycopg://...)"
        )
    return parsed


def redact(url: URL) -> str:
    """The URL as text with the password masked: safe for messages and logs."""
    return url.render_as_string(hide_password=True)


def redact_text(text: str) -> str:
    """Mask a password in URL-looking text that could not even be parsed (``user:secret@`` -> ``user:***@``)."""
    scheme, sep, rest = text.partition("://")
    if not sep or "@" not in rest:
        return text
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else text


def describe(url: URL) -> str:
    """How a message names the store: the SQLite file path, or the redacted PostgreSQL URL."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite store {sqlite_path(url) or ':memory:'}"
    return f"PostgreSQL store {redact(url)}"


def sqlite_path(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser().resolve()


def create_store_engine(url: str | URL, *, read_only: bool = False) -> Engine:
    """An engine for the store at ``url``, connected once so that a store that cannot be opened says so now.

    ``read_only`` engines (rescore workers) never take SQLite's write lock: their transactions are plain
    snapshots that run beside the writer.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, read_only)
    else:
        engine = _postgres_engine(parsed)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        raise open_error(exc, parsed) from None
    return engine


def _sqlite_engine(url: URL, read_only: bool = False) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_path(path, url)
    try:
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    except NoSuchModuleError as exc:
        raise StoreError(f"cannot use {describe(url)}: {exc}") from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN: pysqlite's own transaction handling defers it
        # and breaks SAVEPOINT.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL is durable across process crashes (kill -9); only a power cut can lose the
        # last commits, and the pipeline re-plans anything not recorded as written.
        cursor.execute("PRAGMA synchronous = NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _check_sqlite_path(path: Path, url: URL) -> None:
    """SQLite's own message for these is 'unable to open database file': say which and why instead."""
    folder = path.parent
    if not folder.is_dir():
        raise StoreError(f"cannot open {describe(url)}: the folder {folder} does not exist")
    if path.exists():
        if path.is_dir():
            raise StoreError(f"cannot open {describe(url)}: it is a folder, not a database file")
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"cannot open {describe(url)}: no permission to read and write it")
    # WAL mode keeps -wal and -shm files next to the database: the folder must be writable too.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"cannot open {describe(url)}: no permission to write in the folder {folder}")


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    try:
        return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise StoreError(f"cannot use {describe(url)}: {exc}") from None


def open_error(exc: BaseException, url: URL) -> StoreError:
    """A StoreError for a failure to open or use the store, with a hint and never the password."""
    detail = _scrub(_driver_message(exc), url)
    lowered = detail.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        hint = (
            f"another process held the write lock for more than {SQLITE_BUSY_TIMEOUT_S:.0f} s; "
            "wait for it to finish (or stop it) and run again"
        )
    elif "not a database" in lowered:
        hint = "the file exists but is not a SQLite database; point LEADBRIDGE_DATABASE_URL elsewhere"
    elif "readonly" in lowered or "read-only" in lowered or "permission denied" in lowered:
        hint = "no permission to write it; fix the permissions or use another file"
    elif "unable to open" in lowered:
        hint = "check that the folder exists and is writable"
    elif "password authentication failed" in lowered or "no password supplied" in lowered:
        hint = "check the user and password in LEADBRIDGE_DATABASE_URL"
    elif "does not exist" in lowered and "database" in lowered:
        hint = "create the database first (createdb), then run `leadbridge db upgrade`"
    elif "connection refused" in lowered or "could not translate host" in lowered or "timeout" in lowered:
        hint = "check that PostgreSQL is running and reachable at that host and port"
    else:
        hint = "check LEADBRIDGE_DATABASE_URL"
    return StoreError(f"cannot open {describe(url)}: {detail} ({hint})")


def _driver_message(exc: BaseException) -> str:
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(original).strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) or type(original).__name__


def _scrub(text: str, url: URL) -> str:
    """Drivers may echo connection strings: never let the password through."""
    if url.password:
        text = text.replace(str(url.password), "***")
    return text
