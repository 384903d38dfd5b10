"""Claims keep two processes off the same contact; run locks keep two syncs of a source apart."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from connector.errors import StoreError
from connector.store import Store, open_store
from connector.store import runs as run_rows
from connector.store.claims import claim
from connector.store.tables import runs

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.postgres
def test_a_claimed_contact_is_not_claimed_again_until_commit(postgres_store: Store) -> None:
    other = open_store(postgres_store.url.render_as_string(hide_password=False))
    try:
        with postgres_store.begin() as first:
            assert claim(first, ["files:contact:2", "files:contact:1"]) == {"files:contact:1", "files:contact:2"}
            with other.begin() as second:
                assert claim(second, ["files:contact:1", "files:contact:3"]) == {"files:contact:3"}
        with other.begin() as second:
            assert claim(second, ["files:contact:1"]) == {"files:contact:1"}
    finally:
        other.close()


def test_a_second_run_under_the_same_lock_is_refused_while_the_first_lives(store: Store) -> None:
    with store.begin() as conn:
        first, previous = run_rows.start(conn, kind="sync", source="files", lock="sync:files", now=NOW)
    assert previous is None
    with pytest.raises(StoreError, match=f"another sync of source 'files' is running \\(run {first}"), \
            store.begin() as conn:
        run_rows.start(conn, kind="sync", source="files", lock="sync:files", now=NOW)
    with store.begin() as conn:  # other sources and dry runs (no lock) are not held up
        run_rows.start(conn, kind="sync", source="hubspot", lock="sync:hubspot", now=NOW)
        run_rows.start(conn, kind="sync", source="files", lock=None, now=NOW, dry_run=True)


def _dead_pid() -> int:
    pid = 2**22 - 7
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        pid -= 1


@pytest.mark.parametrize("how", ["process gone", "no heartbeat"])
def test_a_dead_run_is_taken_over_and_resumed(store: Store, how: str) -> None:
    with store.begin() as conn:
        dead, _ = run_rows.start(conn, kind="sync", source="files", lock="sync:files", now=NOW,
                                 out_path="/tmp/updates.csv")
        run_rows.heartbeat(conn, dead, NOW, {"written": 5}, out_offset=1234)
        holder = f"{socket.gethostname()}:{_dead_pid()}" if how == "process gone" else "elsewhere:1"
        conn.execute(update(runs).where(runs.c.id == dead).values(holder=holder))
    later = NOW + (timedelta(seconds=5) if how == "process gone" else run_rows.LEASE + timedelta(seconds=1))
    with store.begin() as conn:
        new, previous = run_rows.start(conn, kind="sync", source="files", lock="sync:files", now=later,
                                       out_path="/tmp/updates.csv")
        assert previous is not None and previous.id == dead and previous.out_offset == 1234
        assert run_rows.get(conn, dead).status == run_rows.INTERRUPTED  # type: ignore[union-attr]
        resumed = run_rows.get(conn, new)
    assert resumed is not None and resumed.resumed_from == dead and resumed.out_offset == 1234
