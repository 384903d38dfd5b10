"""The worker: claim due inbox events, coalesce them per contact, re-read, run the pipeline, mark done.

One round (``Worker.run_once``):
1. Claim up to ``batch_size`` due events under a lease, with every other pending event of the same
   contacts (``connector.store.inbox.claim``): ten events about one contact cost one re-read.
2. Per source, re-read the contacts from the CRM (events are hints: order and duplicates do not matter,
   the current record does) with their activities. A contact the CRM no longer returns was deleted or
   merged away: the pipeline marks it deleted and nothing is written to it; a merge's survivor is re-read
   and re-qualified.
3. ``Pipeline.process`` stores, qualifies, plans and writes exactly as the sync does, and marks the events
   done in the same transaction that records the writes (its ``finalize``). A worker killed before that
   commit leaves the events leased; when the lease expires another worker redoes them, and since nothing
   was recorded the pipeline plans the same values again: processed once in effect.
4. A failure (CRM down, store locked) records the error on the events and schedules them again with
   exponential backoff and jitter; after ``max_attempts`` they are dead (``leadbridge inbox retry``).

Several workers (threads, processes, machines) never take the same event (claims) and never write one
contact concurrently (the pipeline's own contact claims).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Connection

from connector.errors import CrmError, LeadbridgeError
from connector.pipeline import Pipeline
from connector.qualify import ScoringModel
from connector.runreport import RunReport
from connector.store import Store, inbox
from webhooks.config import WorkerConfig
from webhooks.crms import CrmLink
from webhooks.metrics import WorkerMetrics

log = logging.getLogger("leadbridge.webhooks.worker")


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """A lease token unique to this worker thread: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class RoundResult:
    """What one round did: events claimed, done, rescheduled, dead."""

    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0


class Worker:
    """Processes inbox events for the sources it has links for."""

    def __init__(
        self,
        store: Store,
        model: ScoringModel,
        links: Mapping[str, CrmLink],
        *,
        config: WorkerConfig | None = None,
        name: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        metrics: WorkerMetrics | None = None,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.model = model
        self.links = links
        self.config = config or WorkerConfig()
        self.name = name or worker_name()
        self.clock = clock
        self.metrics = metrics or WorkerMetrics()
        self.rng = rng or random.Random()
        self.report = RunReport()
        self.backoff = inbox.Backoff(self.config.first_retry_s, self.config.max_retry_s, self.config.max_attempts)
        #: Monotonic time before which the next round must not start (pacing to the CRM's request rate).
        self.next_round_at = 0.0

    def run_once(self) -> RoundResult:
        """Claim one batch and process it; an empty result means nothing was due."""
        now = self.clock()
        with self.store.begin() as conn:
            events = inbox.claim(conn, self.name, now, self.config.lease, self.config.batch_size)
        result = RoundResult(claimed=len(events))
        by_source: dict[str, list[inbox.InboxEvent]] = defaultdict(list)
        for event in events:
            by_source[event.source].append(event)
        for source, group in sorted(by_source.items()):
            self._process(source, group, result)
        return result

    def run(self, stop: threading.Event) -> None:
        """Rounds until ``stop`` is set: at the pace the CRM's rate allows while there is work, gently when
        idle."""
        while not stop.is_set():
            pause = self.next_round_at - time.monotonic()
            if pause > 0 and stop.wait(pause):
                break
            try:
                result = self.run_once()
            except LeadbridgeError as exc:  # the store is down or locked: say so, wait, try again
                log.error("worker %s: %s", self.name, exc)
                stop.wait(self.config.idle_interval_s * 4)
                continue
            if result.claimed == 0:
                stop.wait(self.config.idle_interval_s)

    # -- one source's events ---------------------------------------------------------------------------

    def _process(self, source: str, events: list[inbox.InboxEvent], result: RoundResult) -> None:
        ids = [e.id for e in events]
        link = self.links.get(source)
        if link is None:
            self._fail(ids, events, f"this worker has no {source} connection configured", result)
            return
        started, made = time.monotonic(), link.requests_made() if link.requests_made else 0
        try:
            self._qualify(link, events, ids)
        except (CrmError, LeadbridgeError, OSError) as exc:
            self.metrics.crm_errors.inc(source=source, kind=type(exc).__name__)
            self._fail(ids, events, f"{type(exc).__name__}: {exc}", result)
            return
        except Exception as exc:  # a bug must not kill the worker or lose the events: retry, then dead
            log.exception("worker %s: unexpected error on %d %s events", self.name, len(ids), source)
            self._fail(ids, events, f"unexpected {type(exc).__name__}: {exc}", result)
            return
        finally:
            self._pace(link, started, made)
        done_at = self.clock()
        for event in events:
            self.metrics.latency.observe(max(0.0, (done_at - event.received_at).total_seconds()))
        self.metrics.processed.inc(len(ids), source=source, outcome="done")
        result.done += len(ids)

    def _pace(self, link: CrmLink, started: float, made: int) -> None:
        """The next round waits until this one's requests fit the CRM's sustainable rate: 14 requests at
        19 per second (HubSpot Professional) mean at most one round every 0.74 s, each carrying everything
        that arrived meanwhile, rather than a burst of small rounds and then a stall of several seconds."""
        if link.requests_per_s and link.requests_made:
            spent = link.requests_made() - made
            self.next_round_at = max(self.next_round_at, started + spent / link.requests_per_s)

    def _qualify(self, link: CrmLink, events: Sequence[inbox.InboxEvent], ids: list[int]) -> None:
        prefix = f"{link.mapping.source}:"
        keys = sorted({e.contact_key for e in events if e.contact_key.startswith(prefix)})
        merged = {k for e in events if e.kind == "merge" for k in e.payload.get("mergedKeys", ())}
        contacts = list(link.source.reread(keys)) if keys else []
        self.metrics.crm_calls.inc(source=link.mapping.source, call="reread")
        found = {c.key for c in contacts}
        # Not returned: deleted, archived, converted or merged away. Nothing is written to those again.
        deleted = sorted((set(keys) | merged) - found)
        activities = link.source.read_activities(sorted(found)) if found else {}
        if found:
            self.metrics.crm_calls.inc(source=link.mapping.source, call="read_activities")
        now = self.clock()

        def finish(conn: Connection) -> None:
            inbox.complete(conn, ids, self.name, now)

        with Pipeline(
            self.store, self.model, link.mapping, now=now, destination=link.destination, report=self.report
        ) as pipeline:
            pipeline.process(contacts, activities, deleted=deleted, finalize=finish)

    def _fail(self, ids: list[int], events: Sequence[inbox.InboxEvent], error: str, result: RoundResult) -> None:
        source = events[0].source if events else "?"
        log.warning("worker %s: %d %s events failed: %s", self.name, len(ids), source, error)
        with self.store.begin() as conn:
            retried, dead = inbox.fail(conn, ids, self.name, self.clock(), error, self.backoff, self.rng)
        self.metrics.processed.inc(retried, source=source, outcome="retry")
        self.metrics.processed.inc(dead, source=source, outcome="dead")
        result.retried += retried
        result.dead += dead


def run_workers(
    store: Store,
    model: ScoringModel,
    make_links: Callable[[], Mapping[str, CrmLink]],
    *,
    concurrency: int,
    config: WorkerConfig,
    stop: threading.Event,
    metrics: WorkerMetrics | None = None,
) -> list[Worker]:
    """Run ``concurrency`` workers in threads until ``stop`` is set; each has its own CRM links (adapters
    keep per-connection state) and lease token. Returns the workers once they have all stopped."""
    metrics = metrics or WorkerMetrics()
    workers: list[Worker] = []
    threads: list[threading.Thread] = []
    links: list[Mapping[str, CrmLink]] = []
    try:
        for index in range(max(1, concurrency)):
            made = make_links()
            links.append(made)
            worker = Worker(store, model, made, config=config, metrics=metrics)
            workers.append(worker)
            thread = threading.Thread(target=worker.run, args=(stop,), name=f"leadbridge-worker-{index}", daemon=True)
            threads.append(thread)
            thread.start()
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timedelta(seconds=30).total_seconds())
        for made in links:
            for link in made.values():
                link.close()
    return workers
