"""The receiver's SQLite WAL is checkpointed from a background thread, not by the requests' commits."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from connector.sandbox.waiting import wait_until
from connector.store import Store, inbox
from webhooks.checkpoint import checkpoint_in_background


def test_background_checkpoints_copy_the_log_into_the_database(sqlite_store: Store, tmp_path: Path) -> None:
    stop = checkpoint_in_background(sqlite_store, interval_s=0.05)
    assert stop is not None
    try:
        with sqlite_store.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        database = tmp_path / "leadbridge.db"
        before = os.path.getsize(database)
        now = datetime.now(UTC)
        for batch in range(20):
            with sqlite_store.begin() as conn:
                inbox.add(conn, [inbox.NewEvent(f"k{batch}-{i}", "hubspot", f"hubspot:contact:{i}", "change",
                                                {"pad": "x" * 500}) for i in range(100)], now)
        # Only the background thread copies pages from the log into the database file.
        assert wait_until(lambda: os.path.getsize(database) > before + 500_000, 5, 0.02)
    finally:
        stop.set()
