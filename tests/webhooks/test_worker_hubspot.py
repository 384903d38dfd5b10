"""The worker against the HubSpot sandbox: events from real signed webhooks, re-reads and writes over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from connector.crm.base import Source
from connector.errors import RetriableCrmError
from connector.sandbox.hubspot import HubSpotSandbox
from connector.store import Store, inbox
from connector.store.tables import contacts as contacts_table
from tests.crm.hubspot_support import model
from tests.webhooks.worker_support import hubspot_rig
from webhooks.config import WorkerConfig
from webhooks.crms import CrmLink
from webhooks.worker import Worker

Factory = Callable[..., HubSpotSandbox]


def _stored_contact(store: Store, key: str) -> dict[str, object] | None:
    with store.connect() as conn:
        row = conn.execute(select(contacts_table).where(contacts_table.c.key == key)).mappings().first()
    return dict(row) if row else None


def test_events_requalify_and_write_back_once_despite_redelivery(store: Store,
                                                                 hubspot_sandbox_factory: Factory) -> None:
    with hubspot_rig(store, hubspot_sandbox_factory, duplicate_rate=1.0, shuffle=True) as rig:
        ids = rig.sandbox.contact_ids(15)
        rig.sandbox.touch(ids, {"jobtitle": "VP Marketing (webhook test)"})
        # A second change to some of them: coalesced into the same re-read.
        rig.sandbox.touch(ids[:5], {"phone": "+33 4 00 00 00 00"})
        assert rig.delivered()
        worker = rig.worker()
        rig.drain(worker)
        keys = {f"hubspot:contact:{i}" for i in ids}
        assert set(rig.destination.writes) == keys
        assert all(count == 1 for count in rig.destination.writes.values()), rig.destination.writes
        for cid in ids:
            view = rig.sandbox.contact(cid)
            assert view is not None and view.properties.get("lb_score") is not None
            stored = _stored_contact(store, f"hubspot:contact:{cid}")
            assert stored is not None and str(stored["score"]) == view.properties["lb_score"]
        # Our writes came back as webhooks: echoes, not stored; every stored event is done.
        events = rig.events()
        assert len(events) == len(ids) + 5
        assert {e.status for e in events} == {"done"}
        assert worker.metrics.latency.count == len(events)


def test_merge_requalifies_the_survivor_and_deletion_writes_nothing(store: Store,
                                                                    hubspot_sandbox_factory: Factory) -> None:
    with hubspot_rig(store, hubspot_sandbox_factory) as rig:
        primary, secondary, doomed = rig.sandbox.contact_ids(3)
        rig.sandbox.touch([primary, secondary, doomed], {"jobtitle": "Director of Sales (webhook test)"})
        worker = rig.worker()
        rig.drain(worker)
        rig.destination.writes.clear()
        rig.sandbox.merge_contacts(primary, secondary)
        rig.sandbox.archive_contact(doomed)
        rig.drain(worker)
        assert _stored_contact(store, f"hubspot:contact:{secondary}")["deleted_at"] is not None  # type: ignore[index]
        assert _stored_contact(store, f"hubspot:contact:{doomed}")["deleted_at"] is not None  # type: ignore[index]
        assert _stored_contact(store, f"hubspot:contact:{primary}")["deleted_at"] is None  # type: ignore[index]
        assert set(rig.destination.writes) <= {f"hubspot:contact:{primary}"}
        assert {e.kind for e in rig.events()} >= {"merge", "deletion"}
        assert {e.status for e in rig.events()} == {"done"}


class _Down:
    """A source whose CRM is down."""

    name = "hubspot"

    def __init__(self, source: Source):
        self.source = source
        self.calls = 0

    def read_changed(self, since: datetime | None, until: datetime):  # type: ignore[no-untyped-def]
        raise AssertionError("not used")

    def read_activities(self, keys):  # type: ignore[no-untyped-def]
        raise AssertionError("not used")

    def reread(self, keys):  # type: ignore[no-untyped-def]
        self.calls += 1
        raise RetriableCrmError("HubSpot batch_read: HTTP 503", status=503)


def test_failures_back_off_then_die_with_the_last_error_and_retry_revives(
        store: Store, hubspot_sandbox_factory: Factory) -> None:
    with hubspot_rig(store, hubspot_sandbox_factory) as rig:
        (cid,) = rig.sandbox.contact_ids(1)
        rig.sandbox.touch([cid], {"jobtitle": "CTO"})
        assert rig.delivered()
        clock = [datetime.now(UTC) + timedelta(seconds=1)]
        down = _Down(rig.adapter)
        link = CrmLink(down, rig.adapter.mapping, rig.destination)  # type: ignore[arg-type]
        worker = Worker(store, model(), {"hubspot": link}, clock=lambda: clock[0],
                        config=WorkerConfig(max_attempts=3, first_retry_s=10, max_retry_s=40))
        assert worker.run_once().retried == 1
        assert worker.run_once().claimed == 0  # backing off: not due yet
        (event,) = rig.events()
        assert event.status == "pending" and event.attempts == 1 and "HTTP 503" in (event.last_error or "")
        delay = (event.next_attempt_at - clock[0]).total_seconds()
        assert 5 <= delay <= 10  # jittered within [first/2, first]
        clock[0] += timedelta(seconds=11)
        assert worker.run_once().retried == 1
        clock[0] += timedelta(seconds=21)
        assert worker.run_once().dead == 1
        (event,) = rig.events()
        assert event.status == "dead" and event.attempts == 3 and down.calls == 3
        with store.begin() as conn:
            assert inbox.requeue(conn, datetime.now(UTC)) == 1
        good = rig.worker()
        rig.drain(good)
        assert rig.events()[0].status == "done" and rig.destination.writes[f"hubspot:contact:{cid}"] == 1


@pytest.mark.parametrize("threads", [3])
def test_concurrent_workers_never_process_an_event_twice(store: Store, hubspot_sandbox_factory: Factory,
                                                         threads: int) -> None:
    with hubspot_rig(store, hubspot_sandbox_factory, contacts=200, duplicate_rate=0.3) as rig:
        ids = rig.sandbox.contact_ids(60)
        rig.sandbox.touch(ids, {"jobtitle": "Head of Growth (webhook test)"})
        assert rig.delivered()
        workers = [rig.worker(batch_size=7) for _ in range(threads)]
        stop = threading.Event()
        running = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
        for thread in running:
            thread.start()
        try:
            from connector.sandbox.waiting import wait_until

            assert wait_until(lambda: rig.depth()["done"] == len(ids), 20), rig.depth()
        finally:
            stop.set()
            for thread in running:
                thread.join(10)
        assert sum(w.report.read for w in workers) == len(ids)  # every contact re-read exactly once
        assert all(count == 1 for count in rig.destination.writes.values())
        assert len(rig.destination.writes) == len(ids)
        assert len({e.claimed_by for e in rig.events()}) > 1  # the work was shared

