"""Store backends for tests: a SQLite file always, PostgreSQL when one is reachable.

PostgreSQL comes from LEADBRIDGE_TEST_DATABASE_URL, else 127.0.0.1:5432 (database ``test``, user postgres or
root, trust auth). Each test gets its own schema (``lbt_<pid>_<random>``, selected with the URL's
``search_path`` option, so subprocesses given the URL land in it too), dropped afterwards: parallel xdist
workers and repeated runs never see each other's tables. When no server answers the tests skip, except
under CI=true, where they fail: CI has a PostgreSQL and must test it.

Conftests re-export the fixtures: ``from support.stores import store_url, store  # noqa: F401``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector.store import Store, open_store
from connector.store.engine import create_store_engine
from connector.store.schema import upgrade

DEFAULT_CANDIDATES = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)


@lru_cache(maxsize=1)
def postgres_url() -> tuple[str | None, str]:
    """(a URL that connects, or None; why not)."""
    given = os.environ.get("LEADBRIDGE_TEST_DATABASE_URL")
    candidates = (given,) if given else DEFAULT_CANDIDATES
    reasons = []
    for candidate in candidates:
        url = make_url(candidate)
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return url.render_as_string(hide_password=False), ""
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            reasons.append(f"{url.render_as_string(hide_password=True)}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
    return None, "; ".join(reasons)


def require_postgres() -> str:
    url, why = postgres_url()
    if url is None:
        message = f"no PostgreSQL reachable (set LEADBRIDGE_TEST_DATABASE_URL): {why}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: PostgreSQL tests must not skip; {message}")
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL selecting a fresh, empty schema of its own (dropped after the test)."""
    base = require_postgres()
    schema = f"lbt_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'leadbridge.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL, once per backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("postgres_schema_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store with the current schema, once per backend."""
    engine = create_store_engine(store_url)
    upgrade(engine)
    engine.dispose()
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def postgres_store(postgres_schema_url: str) -> Iterator[Store]:
    """An open PostgreSQL store with the current schema (for tests about PostgreSQL only)."""
    engine = create_store_engine(postgres_schema_url)
    upgrade(engine)
    engine.dispose()
    opened = open_store(postgres_schema_url)
    try:
        yield opened
    finally:
        opened.close()
