"""A store that cannot be opened says why and what to do, and never shows a password."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from support.stores import sqlite_url

from connector.errors import StoreError
from connector.store import engine, open_store

SECRET = "s3cr3t-pa55"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("garbage", "not a database URL"),
        (f"mysql://admin:{SECRET}@db.example.com/crm", "unsupported store"),
        (f"postgresql://admin:{SECRET}@127.0.0.1:1/crm", "reachable at that host and port"),
        (f"postgres://admin:{SECRET}@127.0.0.1:1/crm", "reachable at that host and port"),
    ],
)
def test_bad_urls_are_named_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as caught:
        open_store(url)
    assert SECRET not in str(caught.value)
    assert caught.value.exit_code == 3


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="the folder .*nowhere does not exist"):
        open_store(f"sqlite:///{tmp_path}/nowhere/leadbridge.db")


def test_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "leadbridge.db").mkdir()
    with pytest.raises(StoreError, match="it is a folder"):
        open_store(sqlite_url(tmp_path))


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    (tmp_path / "leadbridge.db").write_text("name,email\nann,ann@example.com\n" * 200)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(sqlite_url(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="no permission"):
            open_store(sqlite_url(folder))
    finally:
        folder.chmod(0o700)


def test_a_store_locked_by_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path)
    open_store(url).close()
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    store = open_store(url)
    holder = sqlite3.connect(tmp_path / "leadbridge.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked.*another process held the write lock"), store.begin():
            pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        store.close()
    with store.begin():  # free again
        pass
