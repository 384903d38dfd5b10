"""Sync and rescore: drive the pipeline over a source's changed records, or over the whole store.

    report = run_sync(store, source, model, mapping, destination=UpdatesFile(...))
    report = run_rescore(store, model, mapping, source="files", destination=...)

A sync reads the records changed since the cursor (minus a lookback window, so that records committed late
in the CRM with an earlier timestamp are not missed; the fingerprint makes the re-read ones cost nothing),
up to the run's start. Each page goes through ``Pipeline.process`` in its own transaction, and the cursor
moves to the page's checkpoint in that same transaction: only once the page's writes are committed, and
never past the run's start. A run that dies resumes from there; an unfinished predecessor's updates file
is continued (see ``connector.crm.updates_file``).

After the pages: contacts whose activities changed although their record did not, then writes that failed
earlier and are due for a retry.

A run ends ``ok``, ``failed``, ``interrupted`` (Ctrl-C), or ``partial`` when it stops on purpose before
finishing (``RunStoppedEarly``, e.g. the API budget): its committed pages are kept and the next run resumes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from connector.crm.base import ContactPage, Destination, Source
from connector.errors import RunStoppedEarly
from connector.mapping.schema import Mapping as SourceMapping
from connector.parallel import auto_workers, rescore_chunks
from connector.pipeline import Pipeline, PipelineOptions
from connector.qualify import ScoringModel
from connector.runreport import RunReport
from connector.runs import Run, finish_run, start_run
from connector.store import Store, cursors, rejected
from connector.store import contacts as stored_contacts
from connector.store import runs as run_rows
from connector.store.tables import contacts as contacts_table

__all__ = ["Pipeline", "PipelineOptions", "SyncOptions", "SyncResult", "run_rescore", "run_sync"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Progress(Protocol):
    """Told what the run is doing: a phase name, how many items done, and the total when known."""

    def __call__(self, phase: str, done: int, total: int | None = None) -> None: ...


def _quiet(phase: str, done: int, total: int | None = None) -> None:
    return None


@dataclass(frozen=True)
class SyncOptions:
    full: bool = False  # read everything, not only what changed since the cursor
    dry_run: bool = False  # the same report, nothing stored, nothing written
    lookback: timedelta = timedelta(minutes=10)  # re-read this much before the cursor
    chunk_size: int = 1000  # contacts per transaction in rescore and the passes after the pages
    workers: int | None = None  # rescore: processes computing beside this one (None: by cores and size)
    pipeline: PipelineOptions = field(default_factory=PipelineOptions)


@dataclass(frozen=True)
class SyncResult:
    run_id: int
    report: RunReport
    since: datetime | None
    until: datetime
    resumed_from: int | None


def run_sync(
    store: Store,
    source: Source,
    model: ScoringModel,
    mapping: SourceMapping,
    *,
    destination: Destination | None = None,
    options: SyncOptions | None = None,
    clock: Clock = utc_now,
    progress: Progress = _quiet,
) -> SyncResult:
    """One sync of ``source``: read what changed, qualify, write what changed, record the run."""
    options = options or SyncOptions()
    until = clock()
    object_type = mapping.contacts.object
    with store.begin() as conn:
        checkpoint = cursors.checkpoint(conn, source.name, object_type)
    since = None if options.full or checkpoint is None else checkpoint - options.lookback
    run = start_run(store, "sync", source.name, now=until, dry_run=options.dry_run, full=options.full,
                    since=since, out_path=_out_path(destination))

    def body(pipeline: Pipeline) -> None:
        iter_activities = getattr(source, "iter_activities", None)
        if iter_activities is not None:
            # Sources that stream activities separately (files) are read up front, so that every contact
            # of the pages below is qualified with its latest activities.
            pipeline.ingest_activities(_counted(iter_activities(), "activities", progress))
        done = 0
        for page in source.read_changed(since, until):
            activities: Any = page.activities
            if not activities and iter_activities is None and page.contacts:
                activities = source.read_activities([c.key for c in page.contacts])
            pipeline.process(page.contacts, activities, deleted=page.deleted,
                             finalize=_cursor_mover(source.name, object_type, page, run))
            done += len(page.contacts)
            progress("contacts", done)
        _stored_pass(pipeline, store, source.name, options, progress)
        bad_rows = getattr(source, "bad_rows", None)
        if bad_rows is not None:
            pipeline.report.bad_rows = len(bad_rows)

    _execute(store, run, model, mapping, destination, options, clock, body, rescoring=False)
    return SyncResult(run.id, run.report, since, until, run.resumed_from)


def run_rescore(
    store: Store,
    model: ScoringModel,
    mapping: SourceMapping,
    *,
    source: str,
    destination: Destination | None = None,
    options: SyncOptions | None = None,
    clock: Clock = utc_now,
    progress: Progress = _quiet,
) -> SyncResult:
    """Re-qualify every contact of ``source`` in the store (after a model change, or daily for decay) and
    write only what changed."""
    options = options or SyncOptions()
    now = clock()
    run = start_run(store, "rescore", source, now=now, dry_run=options.dry_run, out_path=_out_path(destination))

    def body(pipeline: Pipeline) -> None:
        with pipeline.work.transaction() as conn:
            total = _count(conn, source)
        workers = auto_workers(total) if options.workers is None else options.workers
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            progress("contacts", done, total)

        chunks = _key_chunks(pipeline, source, options.chunk_size)
        if workers > 0:
            rescore_chunks(pipeline, chunks, workers, advance)
        else:
            for keys in chunks:
                pipeline.process_stored(keys)
                advance(len(keys))
        _stored_pass(pipeline, store, source, options, progress)

    _execute(store, run, model, mapping, destination, options, clock, body, rescoring=True)
    return SyncResult(run.id, run.report, None, now, run.resumed_from)


def _execute(store: Store, run: Run, model: ScoringModel, mapping: SourceMapping, destination: Destination | None,
             options: SyncOptions, clock: Clock, body: Callable[[Pipeline], None], *, rescoring: bool) -> None:
    """Run ``body`` with a pipeline for ``run``; record how the run ended, whatever happens."""
    opener = getattr(destination, "open", None)
    if opener is not None and not options.dry_run:
        opener(run.out_offset)
    pipeline = Pipeline(store, model, mapping, now=run.now, destination=destination, run_id=run.id,
                        report=run.report, dry_run=options.dry_run, rescoring=rescoring, options=options.pipeline)
    try:
        with pipeline:
            body(pipeline)
    except KeyboardInterrupt:
        finish_run(store, run, run_rows.INTERRUPTED, clock(), "interrupted (Ctrl-C)")
        raise
    except RunStoppedEarly as exc:
        # On purpose (e.g. the API budget): the committed pages stay, the cursor is at the last of them.
        exc.run_id = run.id
        finish_run(store, run, run_rows.PARTIAL, clock(), str(exc))
        raise
    except BaseException as exc:
        finish_run(store, run, run_rows.FAILED, clock(), f"{type(exc).__name__}: {exc}")
        raise
    finally:
        closer = getattr(destination, "close", None)
        if closer is not None:
            closer()
    finish_run(store, run, run_rows.OK, clock())


def _stored_pass(pipeline: Pipeline, store: Store, source: str, options: SyncOptions, progress: Progress) -> None:
    """Contacts flagged dirty (activities changed, record did not), then failed writes due for a retry."""
    done = 0
    after: str | None = None
    while True:
        with pipeline.work.transaction() as conn:
            keys = stored_contacts.dirty_after(conn, source, after, options.chunk_size)
        if not keys:
            break
        pipeline.process_stored(keys)
        after = keys[-1]
        done += len(keys)
        progress("activity changes", done)
    after = None
    while True:
        with pipeline.work.transaction() as conn:
            keys = rejected.due_keys(conn, source, pipeline.now, after, options.chunk_size)
        if not keys:
            break
        pipeline.process_stored(keys, retry=True)
        after = keys[-1]
        progress("retries", pipeline.report.retried)


# The rescore lists keys from the (source, key) index alone: deleted contacts are among them (the pipeline
# skips them, it reads every row anyway), because asking for live ones only means reading each contact's
# row here as well, just for its deletion mark: a second of a 200,000-contact rescore, before and beside
# the real work.

def _key_chunks(pipeline: Pipeline, source: str, size: int) -> Iterator[list[str]]:
    after: str | None = None
    while True:
        with pipeline.work.transaction() as conn:
            query = select(contacts_table.c.key).where(contacts_table.c.source == source)
            if after is not None:
                query = query.where(contacts_table.c.key > after)
            keys = list(conn.execute(query.order_by(contacts_table.c.key).limit(size)).scalars().all())
        if not keys:
            return
        yield keys
        after = keys[-1]


def _count(conn: Connection, source: str) -> int:
    """Contacts of ``source`` in the store, deleted ones included (see ``_key_chunks``)."""
    return int(conn.execute(select(func.count()).select_from(contacts_table).where(
        contacts_table.c.source == source)).scalar() or 0)


def _cursor_mover(source: str, object_type: str, page: ContactPage, run: Run) -> Callable[[Connection], None]:
    def move(conn: Connection) -> None:
        if page.checkpoint is not None:
            # Never past the run's start: a record changed after it is read by the next run.
            cursors.advance(conn, source, object_type, min(page.checkpoint, run.now), run.now, run.id)

    return move


def _out_path(destination: Destination | None) -> str | None:
    path = getattr(destination, "path", None)
    return str(path) if path is not None else None


def _counted(items: Iterator[Any], phase: str, progress: Progress, every: int = 10_000) -> Iterator[Any]:
    done = 0
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            progress(phase, done)
    progress(phase, done)
