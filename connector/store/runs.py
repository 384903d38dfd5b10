"""Runs: one row per sync or rescore, with its report, and a lock so that two runs that would fight over the
same cursor (two syncs of one source) never overlap.

A run holds its lock while its row is ``running`` (a unique partial index makes the database refuse a
second one). A run killed with SIGKILL leaves its row ``running``; the next run takes the lock over when
the holder is provably gone: same host and its process no longer exists, or no heartbeat for ``LEASE``
(another machine). The takeover marks the old row ``interrupted`` and hands it to the new run, which
resumes from the committed state (cursor, written values).

Runs also keep how many bytes of their updates file (``--out``) are committed with the store, so that the
next run writing to the same file continues it exactly there, whatever happened before.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from connector.errors import StoreError
from connector.store.tables import runs
from connector.store.types import to_json

#: A run on another machine that has not sent a heartbeat for this long is taken to be dead.
LEASE = timedelta(minutes=10)

RUNNING, OK, FAILED, INTERRUPTED = "running", "ok", "failed", "interrupted"
#: Stopped on purpose before finishing (``RunStoppedEarly``, e.g. the API budget): committed pages are kept,
#: the cursor is at the last of them, and the next run resumes it.
PARTIAL = "partial"


def this_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_alive(holder: str | None, heartbeat_at: datetime, now: datetime) -> bool:
    """Whether the process that holds a run may still be running it."""
    if now - heartbeat_at > LEASE:
        return False
    host, _, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine, heartbeat recent: assume alive
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    kind: str
    source: str
    status: str
    dry_run: bool
    full: bool
    lock: str | None
    holder: str | None
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    since: datetime | None
    until: datetime | None
    counts: dict[str, Any]
    error: str | None
    out_path: str | None
    out_offset: int | None
    resumed_from: int | None

    def effective_status(self, now: datetime) -> str:
        """``running`` rows whose process is gone show as interrupted."""
        if self.status == RUNNING and not holder_alive(self.holder, self.heartbeat_at, now):
            return INTERRUPTED
        return self.status


_COLUMNS = tuple(runs.c[name] for name in RunRow.__slots__)


def _run(row: Row[Any]) -> RunRow:
    values = dict(zip(RunRow.__slots__, row, strict=True))
    values["counts"] = json.loads(values["counts"]) if values["counts"] else {}
    values["dry_run"], values["full"] = bool(values["dry_run"]), bool(values["full"])
    return RunRow(**values)


def start(connection: Connection, *, kind: str, source: str, lock: str | None, now: datetime, dry_run: bool = False,
          full: bool = False, since: datetime | None = None, until: datetime | None = None,
          out_path: str | None = None) -> tuple[int, RunRow | None]:
    """Insert a running run; returns its id and the previous run under the same lock when that one did not
    finish (interrupted, failed or partial): the new run resumes its work. A run writing to ``out_path`` starts at
    the offset committed by the last run that wrote there (``committed_offset``)."""
    previous: RunRow | None = None
    if lock is not None:
        holding = connection.execute(select(*_COLUMNS).where(runs.c.lock == lock, runs.c.status == RUNNING)).first()
        if holding is not None:
            held = _run(holding)
            if holder_alive(held.holder, held.heartbeat_at, now):
                ago = (now - held.heartbeat_at).total_seconds()
                raise StoreError(
                    f"another {held.kind} of source '{held.source}' is running (run {held.id}, process "
                    f"{held.holder}, last heartbeat {ago:.0f} s ago): wait for it to finish, or stop it"
                )
            connection.execute(update(runs).where(runs.c.id == held.id).values(
                status=INTERRUPTED, error="the process stopped without finishing (killed or crashed)"))
        last = connection.execute(
            select(*_COLUMNS).where(runs.c.lock == lock, runs.c.dry_run.is_(False)).order_by(runs.c.id.desc()).limit(1)
        ).first()
        if last is not None and _run(last).status in (INTERRUPTED, FAILED, PARTIAL):
            previous = _run(last)
    out_offset = committed_offset(connection, out_path) if out_path is not None else 0
    try:
        inserted = connection.execute(insert(runs).values(
            kind=kind, source=source, status=RUNNING, dry_run=dry_run, full=full, lock=lock, holder=this_holder(),
            started_at=now, heartbeat_at=now, since=since, until=until, counts=to_json({}), out_path=out_path,
            out_offset=out_offset,
            resumed_from=previous.id if previous else None,
        ))
        primary_key = inserted.inserted_primary_key
        assert primary_key is not None
        run_id = primary_key[0]
    except IntegrityError:
        raise StoreError(f"another {kind} of source '{source}' started at the same moment: run again later") from None
    return int(run_id), previous


def committed_offset(connection: Connection, out_path: str) -> int:
    """How many bytes of an updates file runs have written and committed (0 for a file never written)."""
    offset = connection.execute(
        select(runs.c.out_offset).where(runs.c.out_path == out_path, runs.c.dry_run.is_(False))
        .order_by(runs.c.id.desc()).limit(1)
    ).scalar()
    return int(offset or 0)


def heartbeat(connection: Connection, run_id: int, now: datetime, counts: dict[str, Any] | None = None,
              out_offset: int | None = None) -> None:
    """Record progress; called in the same transaction as the work it reports, so both commit together."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if counts is not None:
        values["counts"] = to_json(counts)
    if out_offset is not None:
        values["out_offset"] = out_offset
    connection.execute(update(runs).where(runs.c.id == run_id).values(**values))


def finish(connection: Connection, run_id: int, status: str, now: datetime, counts: dict[str, Any],
           error: str | None = None) -> None:
    connection.execute(update(runs).where(runs.c.id == run_id).values(
        status=status, finished_at=now, heartbeat_at=now, counts=to_json(counts), error=error))


def recent(connection: Connection, limit: int = 20, source: str | None = None) -> list[RunRow]:
    query = select(*_COLUMNS).order_by(runs.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(runs.c.source == source)
    return [_run(row) for row in connection.execute(query)]


def last_completed(connection: Connection, kind: str) -> dict[str, datetime]:
    """Per source, when the last run of ``kind`` that finished ``ok`` (not a dry run) started."""
    query = (select(runs.c.source, func.max(runs.c.started_at))
             .where(runs.c.kind == kind, runs.c.status == OK, runs.c.dry_run.is_(False))
             .group_by(runs.c.source))
    return {source: started for source, started in connection.execute(query)}


def get(connection: Connection, run_id: int) -> RunRow | None:
    row = connection.execute(select(*_COLUMNS).where(runs.c.id == run_id)).first()
    return _run(row) if row is not None else None
