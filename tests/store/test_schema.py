"""Migrations create exactly the tables the code uses; out-of-date stores are refused with what to do."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from support.stores import sqlite_url
from support.syncing import run_cli

import connector.store
from connector.errors import StoreError
from connector.store import Store, open_store, schema
from connector.store.engine import create_store_engine
from connector.store.tables import metadata


def test_migrations_create_exactly_the_tables_of_the_code(store: Store) -> None:
    # Every module of the store may define tables on the shared metadata (the inbox does): load them all.
    for module in pkgutil.iter_modules(connector.store.__path__):
        importlib.import_module(f"connector.store.{module.name}")
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert differences == []


def test_a_new_sqlite_store_is_created_on_first_use(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path))
    try:
        state = schema.schema_state(store.engine)
        assert state.up_to_date and state.current == schema.head_revision()
        assert "contacts" in inspect(store.engine).get_table_names()
    finally:
        store.close()


@pytest.mark.postgres
def test_an_empty_postgres_store_is_refused_until_upgraded(postgres_schema_url: str) -> None:
    with pytest.raises(StoreError, match="run `leadbridge db upgrade`"):
        open_store(postgres_schema_url)
    engine = create_store_engine(postgres_schema_url)
    assert schema.upgrade(engine) == (None, schema.head_revision())
    engine.dispose()
    open_store(postgres_schema_url).close()


def test_an_older_schema_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend this leadbridge brings a migration the store has not had yet.
    known = schema.known_revisions() | {"9999"}
    monkeypatch.setattr(schema, "head_revision", lambda: "9999")
    monkeypatch.setattr(schema, "known_revisions", lambda: known)
    with pytest.raises(StoreError, match=r"older than this leadbridge needs \(9999\): run `leadbridge db upgrade`"):
        open_store(str(store.url.render_as_string(hide_password=False)))


def test_a_newer_schema_is_refused(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(StoreError, match="newer than this leadbridge knows .*: upgrade leadbridge"):
        open_store(store.url.render_as_string(hide_password=False))


def test_upgrade_twice_changes_nothing(store: Store) -> None:
    head = schema.head_revision()
    assert schema.upgrade(store.engine) == (head, head)


def test_db_upgrade_command_then_commands_run(store_url: str, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # A fresh store: PostgreSQL refuses commands until `db upgrade`; SQLite creates itself.
    if store_url.startswith("postgresql"):
        refused = run_cli(monkeypatch, capsys, store_url, "runs")
        assert refused.code == 3, refused.stderr
        assert "leadbridge db upgrade" in refused.stderr
    done = run_cli(monkeypatch, capsys, store_url, "db", "upgrade")
    assert done.code == 0, done.stderr
    assert schema.head_revision() in done.stdout
    status = run_cli(monkeypatch, capsys, store_url, "db", "status")
    assert status.code == 0 and "up to date" in status.stdout
    runs = run_cli(monkeypatch, capsys, store_url, "runs")
    assert runs.code == 0, runs.stderr
    assert "no runs yet" in runs.stdout
