"""The HubSpot sandbox delivers real signed batches (shuffled, some sent twice) to the receiver over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from connector.store import Store
from tests.webhooks.helpers import HUBSPOT_SECRET, stored
from webhooks.app import Receiver


def test_sandbox_batches_are_verified_and_stored_once(
    receiver: Callable[..., httpx.Client], served_receiver: tuple[Receiver, SandboxServer], sqlite_store: Store,
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
) -> None:
    _, server = served_receiver
    client = receiver(public_url=server.url)
    hooks = WebhookSettings(target_url=server.url + "/webhooks/hubspot", client_secret=HUBSPOT_SECRET,
                            properties=("hs_lead_status",), duplicate_rate=0.5, shuffle=True, batch_size=20,
                            flush_interval_s=0.01, seed=3)
    sandbox = hubspot_sandbox_factory(settings=HubSpotSettings(contacts=120, webhooks=hooks))
    ids = sandbox.contact_ids(60)
    sandbox.touch(ids)
    assert wait_until(lambda: sandbox.webhooks.pending == 0 and sandbox.webhooks.stats.delivered > 0, 10)
    assert sandbox.webhooks.stats.failed_attempts == 0, sandbox.webhooks.stats.last_error
    assert sandbox.webhooks.stats.duplicates_sent > 0
    events = stored(sqlite_store)
    assert len(events) == len(ids)
    assert {e.contact_key for e in events} == {f"hubspot:contact:{i}" for i in ids}
    assert client.get("/healthz").status_code == 200
