"""A HubSpot sandbox wired to a receiver and a store, with a worker whose writes are counted."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import SecretStr

from connector.crm.base import FieldUpdate, WriteResult
from connector.crm.hubspot import HubSpotAdapter
from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from connector.store import Store, inbox
from tests.crm.hubspot_support import adapter_for, model
from tests.webhooks.helpers import HUBSPOT_SECRET
from webhooks.app import create_app
from webhooks.config import ReceiverConfig, WorkerConfig
from webhooks.crms import CrmLink
from webhooks.hubspot_events import EchoGuard
from webhooks.worker import Worker

SANDBOX_APP_ID = "1000001"  # WebhookSettings.app_id: the sandbox tags our API writes with it


class CountingDestination:
    """Writes through the adapter and counts, per contact, the updates sent (thread-safe)."""

    def __init__(self, adapter: HubSpotAdapter):
        self.adapter = adapter
        self.batch_size = adapter.batch_size
        self.writes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        with self._lock:
            self.writes.update(u.contact_key for u in updates)
        return self.adapter.write(updates)


@dataclass
class Rig:
    sandbox: HubSpotSandbox
    store: Store
    server: SandboxServer
    adapter: HubSpotAdapter
    destination: CountingDestination
    workers: list[Worker] = field(default_factory=list)

    def worker(self, **config: object) -> Worker:
        link = CrmLink(self.adapter, self.adapter.mapping, self.destination)
        values: dict[str, object] = {"first_retry_s": 0.01, "max_retry_s": 0.05}
        values.update(config)
        worker = Worker(self.store, model(), {"hubspot": link}, config=WorkerConfig(**values))  # type: ignore[arg-type]
        self.workers.append(worker)
        return worker

    def events(self) -> list[inbox.InboxEvent]:
        with self.store.connect() as conn:
            return inbox.listing(conn, limit=100_000)

    def depth(self) -> dict[str, int]:
        with self.store.connect() as conn:
            return inbox.depth(conn)

    def delivered(self, timeout_s: float = 10.0) -> bool:
        """Every webhook the sandbox has queued was delivered."""
        return wait_until(lambda: self.sandbox.webhooks.pending == 0, timeout_s)

    def drain(self, worker: Worker, timeout_s: float = 15.0) -> None:
        """Run rounds until the sandbox has nothing left to send and no event is pending or processing."""

        def settled() -> bool:
            worker.run_once()
            # The sender first, then the inbox: a webhook the sandbox sends between the two reads is then seen
            # on one side or the other (inbox first, it could be missed on both).
            sent = self.sandbox.webhooks.pending == 0
            depth = self.depth()
            return sent and depth["pending"] == depth["processing"] == 0

        assert wait_until(settled, timeout_s, interval_s=0.02), self.depth()


@contextmanager
def hubspot_rig(store: Store, factory: Callable[..., HubSpotSandbox], *, contacts: int = 120,
                duplicate_rate: float = 0.0, shuffle: bool = False, rate_limit: int = 1000) -> Iterator[Rig]:
    """Sandbox -> receiver (uvicorn, verifying v3 signatures) -> ``store``; an adapter with the lb_* properties.
    The portal's rate limit is high by default: tests about limits set their own."""
    config = ReceiverConfig(hubspot_secret=SecretStr(HUBSPOT_SECRET), echo=EchoGuard(frozenset(), SANDBOX_APP_ID))
    app = create_app(store, config)
    with SandboxServer(app) as server:
        app.state.receiver.config = ReceiverConfig(
            public_url=server.url, hubspot_secret=SecretStr(HUBSPOT_SECRET),
            echo=EchoGuard(frozenset(adapter_mapping_targets()), SANDBOX_APP_ID),
        )
        hooks = WebhookSettings(target_url=server.url + "/webhooks/hubspot", client_secret=HUBSPOT_SECRET,
                                duplicate_rate=duplicate_rate, shuffle=shuffle, flush_interval_s=0.01, seed=5)
        sandbox = factory(settings=HubSpotSettings(contacts=contacts, webhooks=hooks, rate_limit=rate_limit))
        adapter = adapter_for(sandbox)
        yield Rig(sandbox, store, server, adapter, CountingDestination(adapter))
        adapter.close()


def adapter_mapping_targets() -> tuple[str, ...]:
    from connector.mapping import load_mapping

    return load_mapping(None, source="hubspot").write_targets
