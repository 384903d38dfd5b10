"""SQLite WAL checkpoints off the receiver's request path.

In WAL mode SQLite copies the log back into the database ("checkpoint") when it passes 1000 pages, in the
connection whose commit crossed the line, and with ``synchronous=NORMAL`` that checkpoint is where the
fsync happens: one acknowledgement in a few hundred would wait for the disk. The receiver turns automatic
checkpoints off on its own connections and runs passive ones from a background thread instead (source:
https://www.sqlite.org/wal.html, "Automatic Checkpoint" and "Application-Initiated Checkpoints").
A passive checkpoint never blocks writers; other processes on the store (the worker) keep their own
automatic checkpoints, so the log stays bounded even if this thread stops.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event

from connector.store import Store

log = logging.getLogger("leadbridge.webhooks")

#: Seconds between background checkpoints.
INTERVAL_S = 0.5


def checkpoint_in_background(store: Store, interval_s: float = INTERVAL_S) -> threading.Event | None:
    """On a SQLite store: no automatic checkpoints on this engine's connections, a passive one every
    ``interval_s`` from a daemon thread. Returns the event that stops it (None on PostgreSQL)."""
    engine = store.engine
    if engine.dialect.name != "sqlite":
        return None

    @event.listens_for(engine, "connect")
    def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
        cursor.close()

    engine.dispose()  # connections opened before the listener keep autocheckpoint on: start afresh
    stop = threading.Event()

    def run() -> None:
        raw = engine.raw_connection()
        try:
            while not stop.wait(interval_s):
                try:
                    raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
                except Exception as exc:  # a locked or vanished store: say so, keep trying
                    log.warning("background WAL checkpoint failed: %s", exc)
        finally:
            raw.close()

    threading.Thread(target=run, name="sqlite-checkpoint", daemon=True).start()
    return stop
