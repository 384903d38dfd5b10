"""kill -9 `leadbridge worker` mid-batch, start it again: every accepted event is processed exactly once in
effect -- none lost, none left behind, and no contact written twice in the CRM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import select

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.records import ContactChange
from connector.sandbox.waiting import wait_until
from connector.store import Store
from connector.store.tables import contacts as contacts_table
from tests.webhooks.worker_support import hubspot_rig

ROOT = Path(__file__).resolve().parents[2]
#: Batches of 15: the 20th contact written is in the middle of the second batch's write.
KILL_AT_WRITE = 20


def _worker(store_url: str, sandbox: HubSpotSandbox, tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LEADBRIDGE_DATABASE_URL": store_url,
        "LEADBRIDGE_HUBSPOT_ACCESS_TOKEN": sandbox.access_token,
        "LEADBRIDGE_HUBSPOT_BASE_URL": sandbox.url,
        "LEADBRIDGE_HUBSPOT_RATE_LIMIT": str(sandbox.settings.rate_limit),
        # A killed worker's events come back after the lease: short here so the test stays short.
        "LEADBRIDGE_WEBHOOKS_LEASE_S": "2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "worker", "--source", "hubspot", "--batch-size", "15", *extra],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_kill_9_mid_batch_then_restart(store: Store, store_url: str, hubspot_sandbox_factory: Callable[...,
                                       HubSpotSandbox], tmp_path: Path) -> None:
    with hubspot_rig(store, hubspot_sandbox_factory, contacts=200, duplicate_rate=0.2) as rig:
        ours: Counter[int] = Counter()
        ticks: set[tuple[int, int]] = set()
        victim: list[subprocess.Popen[bytes]] = []

        def on_change(change: ContactChange) -> None:
            # One contact's write request changes several properties at one tick: count (contact, tick) once.
            if change.change_source != "INTEGRATION" or (change.object_id, change.occurred_ms) in ticks:
                return
            ticks.add((change.object_id, change.occurred_ms))
            ours[change.object_id] += 1
            if len(ticks) == KILL_AT_WRITE and victim:
                # The worst moment: the CRM has taken the second batch's writes, the worker has not yet
                # committed them (it is still waiting for this very response).
                victim[0].send_signal(signal.SIGKILL)

        rig.sandbox.store.subscribe(on_change)
        ids = rig.sandbox.contact_ids(90)
        rig.sandbox.touch(ids, {"jobtitle": "Chief Revenue Officer (kill test)"})
        assert rig.delivered()
        total = len(rig.events())
        assert total == len(ids)

        victim.append(_worker(store_url, rig.sandbox, tmp_path))
        assert victim[0].wait(20) == -signal.SIGKILL, victim[0].stderr.read().decode() if victim[0].stderr else ""
        left = rig.depth()
        assert left["processing"] > 0 and left["done"] < total, left  # killed with a batch leased, unfinished
        assert len(ticks) > left["done"]  # ... and with CRM writes the store has not recorded

        port = _free_port()
        second = _worker(store_url, rig.sandbox, tmp_path, "--metrics-port", str(port))
        try:
            assert wait_until(lambda: rig.depth()["done"] == total, 20, 0.05), rig.depth()
            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            assert f'leadbridge_worker_events_total{{outcome="done",source="hubspot"}} {total - left["done"]}' \
                in metrics, metrics
            assert f'leadbridge_inbox_events{{status="done"}} {total}' in metrics
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(15) == 0, second.stderr.read().decode() if second.stderr else ""

        assert rig.depth() == {"pending": 0, "processing": 0, "done": total, "dead": 0}
        with store.connect() as conn:
            scores = dict(conn.execute(select(contacts_table.c.key, contacts_table.c.score)).all())
        for cid in ids:
            view = rig.sandbox.contact(cid)
            assert view is not None and view.properties.get("lb_score") == str(scores[f"hubspot:contact:{cid}"])
            assert ours[cid] == 1, (cid, ours[cid])  # written once, even in the batch killed in flight
