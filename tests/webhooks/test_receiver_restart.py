"""kill -9 `leadbridge serve` while the HubSpot sandbox is sending, start it again: every event ends up in the
inbox exactly once (an acknowledged event was committed first; an unacknowledged one is sent again)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
from connector.sandbox.waiting import wait_until
from connector.store import Store, inbox
from tests.webhooks.helpers import HUBSPOT_SECRET

ROOT = Path(__file__).resolve().parents[2]
TOUCHES = 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(store_url: str, port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEADBRIDGE_DATABASE_URL": store_url,
           "LEADBRIDGE_HUBSPOT_CLIENT_SECRET": HUBSPOT_SECRET,
           "LEADBRIDGE_WEBHOOKS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen([sys.executable, "-m", "connector.cli", "serve", "--port", str(port)], cwd=tmp_path,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def ready() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    assert wait_until(ready, 20, 0.05) and process.poll() is None
    return process


def test_receiver_killed_under_load_loses_nothing(store: Store, store_url: str, tmp_path: Path,
                                                  hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    port = _free_port()
    # time_scale: HubSpot's one-minute first retry becomes 60 ms.
    hooks = WebhookSettings(target_url=f"http://127.0.0.1:{port}/webhooks/hubspot", client_secret=HUBSPOT_SECRET,
                            batch_size=10, flush_interval_s=0.01, time_scale=1000.0, timeout_s=2.0)
    sandbox = hubspot_sandbox_factory(settings=HubSpotSettings(contacts=TOUCHES + 150, webhooks=hooks))
    ids = sandbox.contact_ids(TOUCHES)
    first = _serve(store_url, port, tmp_path)

    def load() -> None:
        for cid in ids:
            sandbox.touch([cid], {"jobtitle": "Head of Demand Generation (restart test)"})
            time.sleep(0.004)

    sender = threading.Thread(target=load)
    sender.start()
    try:
        assert wait_until(lambda: sandbox.webhooks.stats.delivered >= 5, 10, 0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = sandbox.webhooks.stats.delivered
        second = _serve(store_url, port, tmp_path)
    finally:
        sender.join(30)
    try:
        assert wait_until(lambda: sandbox.webhooks.pending == 0, 30, 0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    stats = sandbox.webhooks.stats
    assert stats.dead == 0 and stats.failed_attempts > 0  # deliveries failed while it was down, then retried
    assert killed_at < stats.delivered
    with store.connect() as conn:
        events = inbox.listing(conn, limit=10_000)
    assert sorted(e.contact_key for e in events) == sorted(f"hubspot:contact:{i}" for i in ids)
