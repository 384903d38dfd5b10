"""A run's life: its row in the store (lock, heartbeat, report) and the transactions its work runs in.

A normal run commits each batch on its own, so a crash loses at most the batch in flight. A dry run does
the very same work inside one outer transaction that it rolls back at the end (each batch is a savepoint):
the report is real, the store is untouched. (On SQLite that outer transaction holds the write lock for the
whole dry run: other writers wait, up to the busy timeout.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from connector.runreport import RunReport
from connector.store import Store
from connector.store import runs as run_rows
from connector.store.engine import open_error


@dataclass
class Run:
    """A started run: its id, its window, its report as it grows, and what it resumes."""

    id: int
    kind: str
    source: str
    now: datetime
    dry_run: bool = False
    full: bool = False
    since: datetime | None = None
    out_offset: int = 0
    resumed_from: int | None = None
    report: RunReport = field(default_factory=RunReport)


def start_run(store: Store, kind: str, source: str, *, now: datetime, dry_run: bool = False, full: bool = False,
              since: datetime | None = None, out_path: str | None = None, exclusive: bool = True) -> Run:
    """Record a new running run. ``exclusive`` runs of the same kind and source never overlap (dry runs
    change nothing and take no lock); an unfinished predecessor is taken over and resumed."""
    lock = f"{kind}:{source}" if exclusive and not dry_run else None
    with store.begin() as conn:
        run_id, previous = run_rows.start(conn, kind=kind, source=source, lock=lock, now=now, dry_run=dry_run,
                                          full=full, since=since, until=now, out_path=out_path)
        out_offset = run_rows.committed_offset(conn, out_path) if out_path is not None else 0
    return Run(run_id, kind, source, now, dry_run, full, since, out_offset=out_offset,
               resumed_from=previous.id if previous else None)


def finish_run(store: Store, run: Run, status: str, now: datetime, error: str | None = None) -> None:
    with store.begin() as conn:
        run_rows.finish(conn, run.id, status, now, run.report.as_dict(), error)


class Work:
    """Where a run's transactions come from (see the module docstring)."""

    def __init__(self, store: Store, dry_run: bool = False):
        self.store = store
        self.dry_run = dry_run
        self._connection: Connection | None = None

    def __enter__(self) -> Work:
        if self.dry_run:
            try:
                self._connection = self.store.engine.connect()
                self._connection.begin()
            except OperationalError as exc:
                raise open_error(exc, self.store.url) from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One batch's transaction: committed on success (a savepoint released, in a dry run)."""
        if self._connection is None:
            with self.store.begin() as conn:
                yield conn
            return
        try:
            with self._connection.begin_nested():
                yield self._connection
        except OperationalError as exc:
            raise open_error(exc, self.store.url) from None
