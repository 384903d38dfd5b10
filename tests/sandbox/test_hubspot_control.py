"""The sandbox's control endpoints (for a `leadbridge sandbox` in another process) and a million-contact
portal that stays small in memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import httpx

from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
from connector.sandbox.recorder import WebhookRecorder
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until


def test_touch_and_activity_over_http_send_webhooks(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], webhook_recorder: tuple[WebhookRecorder, SandboxServer]
) -> None:
    recorder, server = webhook_recorder
    sandbox = hubspot_sandbox_factory(webhooks=WebhookSettings(target_url=server.url + "/hook", flush_interval_s=0.01))
    sandbox.faults.error_rate = 1.0  # control endpoints are never faulted
    cid = sandbox.contact_ids(1)[0]
    base = sandbox.url + "/_sandbox/hubspot"
    touched = httpx.post(base + "/touch", json={"ids": [cid], "properties": {"jobtitle": "Chief Revenue Officer"}})
    assert touched.status_code == 200 and touched.json()["contacts"][0]["id"] == str(cid)
    added = httpx.post(base + "/activities", json={"contactId": cid, "kind": "meeting", "detail": {"subject": "Demo"}})
    assert added.status_code == 200 and added.json()["engagementId"]
    assert httpx.post(base + "/activities", json={"contactId": 999_999_999, "kind": "meeting"}).status_code == 400
    assert sandbox.contact(cid).properties["jobtitle"] == "Chief Revenue Officer"
    assert wait_until(lambda: recorder.count() >= 1, timeout_s=5)
    stats = httpx.get(base + "/stats").json()
    assert stats["requests"] == 0 and stats["webhooks"]["attempts"] >= 1


def test_a_million_contacts_are_read_lazily() -> None:
    tracemalloc.start()
    try:
        with HubSpotSandbox(HubSpotSettings(contacts=1_000_000)) as sandbox:
            first_pages = sandbox.contact_ids(300)
            last = sandbox.contact(999_999) or sandbox.contact(1_000_000)
            current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(first_pages) == 300 and last is not None
    assert current < 50_000_000, f"{current / 1e6:.0f} MB held for a million-contact portal"
