"""Benchmark the HubSpot adapter end to end: full sync with write-back, under the rate limit, with faults,
and an incremental sync after 1% of the contacts changed.

The portal (the sandbox) runs in its own process, as HubSpot is not inside the connector's process, with
HubSpot's limit of 100 requests per 10 seconds compressed by ``--time-scale`` (3: 100 per 3.3 s) and
50 ms of latency on every request. Figures:

- calls_ratio: API calls of the full sync + write-back / the minimum for the same data: ceil(n/100) list
  pages, for each engagement type ceil(n/100) association reads and ceil(found/100) batch reads, the same
  for the deals of the contacts that have any, ceil(written/100) batch updates, one archived pass;
- wall_ratio: wall time / (calls / allowed rate): 1.0 is every request at the limit's pace;
- rate_limit_429: 429s the portal answered because the limit was exceeded (the budget should leave none);
- faults_same_state: a second portal with 5% injected 5xx and 429 bursts ends with the same lb_* and
  lifecyclestage values on every contact;
- incremental_calls: API calls of an incremental sync after 1% of the contacts changed.

    python bench/hubspot_sync.py [--contacts 20000] [--time-scale 3] [--latency-ms 50]

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector.crm.hubspot import HubSpotAdapter  # noqa: E402
from connector.crm.hubspot_budget import BudgetLimits  # noqa: E402
from connector.crm.hubspot_client import ENGAGEMENT_TYPES, HubSpotApi, HubSpotConfig  # noqa: E402
from connector.crm.hubspot_setup import setup  # noqa: E402
from connector.mapping import load_mapping  # noqa: E402
from connector.qualify import load_model  # noqa: E402
from connector.sandbox.faults import Faults  # noqa: E402
from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings  # noqa: E402
from connector.store import open_store  # noqa: E402
from connector.sync import SyncOptions, SyncResult, run_sync  # noqa: E402

HUBSPOT_SHARE = 0.69  # about 69% of the synthetic population are HubSpot contacts
STATE = ("lb_score", "lb_fit", "lb_engagement", "lb_grade", "lb_summary", "lb_disqualified", "lifecyclestage")
RATE_LIMIT = 100


def serve(settings: dict[str, Any], faults: dict[str, Any], pipe: Connection) -> None:
    """Child process: the portal, answering the bench's requests about it until told to stop."""
    with HubSpotSandbox(HubSpotSettings(**settings, faults=Faults(**faults))) as sandbox:
        pipe.send((sandbox.url, sandbox.access_token))
        while True:
            command, arg = pipe.recv()
            if command == "stop":
                return
            if command == "ids":
                pipe.send(sandbox.contact_ids())
            elif command == "touch":
                sandbox.touch(arg, {"jobtitle": "VP Marketing"})
                pipe.send(None)
            elif command == "now":
                pipe.send(sandbox.store._last_ms)
            elif command == "count_429":
                pipe.send(sandbox.log.count(status=429))
            elif command == "state":
                views = (sandbox.contact(i) for i in sandbox.contact_ids())
                pipe.send({v.id: tuple(v.properties.get(p) for p in STATE) for v in views if v is not None})


class Portal:
    """A sandbox in its own process."""

    def __init__(self, settings: dict[str, Any], faults: dict[str, Any]) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=serve, args=(settings, faults, child), daemon=True)
        self._process.start()
        self.url, self.token = self._pipe.recv()

    def ask(self, command: str, arg: Any = None) -> Any:
        self._pipe.send((command, arg))
        return self._pipe.recv()

    def now(self) -> datetime:
        latest_ms = self.ask("now")
        return max(datetime.now(UTC), datetime.fromtimestamp((latest_ms + 1) / 1000, UTC))

    def stop(self) -> None:
        self._pipe.send(("stop", None))
        self._process.join(10)


def adapter(portal: Portal, scale: float) -> HubSpotAdapter:
    limits = BudgetLimits(per_window=RATE_LIMIT, window_s=10.0 / scale, search_window_s=1.0 / scale)
    api = HubSpotApi(HubSpotConfig(SecretStr(portal.token), portal.url, limits, backoff_s=0.05))
    mapping = load_mapping(None, source="hubspot")
    setup(api, mapping)
    api.stats.calls.clear()
    return HubSpotAdapter(api, mapping)


def minimum_calls(hubspot: HubSpotAdapter, contacts: int, written: int) -> int:
    counts = hubspot.read_counts
    pages = math.ceil(contacts / 100)
    engagements = sum(pages + math.ceil(counts[kind] / 100) for kind in ENGAGEMENT_TYPES)
    deals = math.ceil(counts["contacts_with_deals"] / 100) + math.ceil(counts["deals"] / 100)
    return pages + engagements + deals + math.ceil(written / 100) + 1


def full_sync(portal: Portal, hubspot: HubSpotAdapter, store_url: str, at: datetime) -> tuple[SyncResult, float]:
    store = open_store(store_url)
    started = time.perf_counter()
    try:
        result = run_sync(store, hubspot, load_model(None), hubspot.mapping, destination=hubspot,
                          options=SyncOptions(full=True), clock=lambda: at)
    finally:
        store.close()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000, help="HubSpot contacts in the portal")
    parser.add_argument("--time-scale", type=float, default=3.0, help="sandbox seconds per real second")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--changed", type=float, default=0.01, help="share of contacts changed before the incremental")
    args = parser.parse_args()
    population = math.ceil(args.contacts / HUBSPOT_SHARE)
    scale = args.time_scale
    allowed_per_s = RATE_LIMIT / (10.0 / scale)
    at = datetime.now(UTC)  # both full syncs qualify as of the same moment: same data, same verdicts

    settings = {"contacts": population, "rate_limit": RATE_LIMIT, "time_scale": scale, "daily_limit": 10_000_000}

    figures: dict[str, Any] = {}
    with TemporaryDirectory(prefix="leadbridge-bench-") as tmp:
        calm = Portal(settings, {"latency_ms": args.latency_ms})
        stormy = Portal(settings, {"latency_ms": args.latency_ms, "error_rate": 0.05, "burst_429_rate": 0.01,
                                   "burst_429_length": 3, "seed": 11})
        try:
            hubspot = adapter(calm, scale)
            result, wall = full_sync(calm, hubspot, f"sqlite:///{tmp}/calm.db", at)
            report, calls = result.report, hubspot.api.stats.total
            minimum = minimum_calls(hubspot, report.read, report.written_contacts)
            figures.update(contacts=report.read, activities=report.activities, written_contacts=report.written_contacts,
                           calls=calls, min_calls=minimum, calls_ratio=round(calls / minimum, 3),
                           calls_per_contact=round(calls / report.read, 4), wall_s=round(wall, 2),
                           allowed_per_s=allowed_per_s, wall_ratio=round(wall / (calls / allowed_per_s), 3),
                           rate_limit_429=calm.ask("count_429"), budget_wait_s=round(hubspot.api.budget.waited_s, 2))

            faulty = adapter(stormy, scale)
            fault_result, fault_wall = full_sync(stormy, faulty, f"sqlite:///{tmp}/stormy.db", at)
            same = calm.ask("state") == stormy.ask("state")
            figures.update(faults_same_state=same, fault_run_retries=faulty.api.stats.retries,
                           fault_run_429=dict(faulty.api.stats.rate_limited), fault_run_wall_s=round(fault_wall, 2),
                           fault_run_not_written=sum(fault_result.report.retryable.values()))

            # Incremental: absorb the echo of our own writes, change 1%, then measure.
            store_url = f"sqlite:///{tmp}/calm.db"
            store = open_store(store_url)
            model = load_model(None)
            options = SyncOptions(lookback=timedelta(seconds=1))  # the sandbox's search has no index lag
            try:
                run_sync(store, hubspot, model, hubspot.mapping, destination=hubspot, options=options,
                         clock=calm.now)
                ids = calm.ask("ids")
                changed = ids[:: max(1, round(1 / args.changed))]
                calm.ask("touch", changed)
                hubspot.api.stats.calls.clear()
                incremental = run_sync(store, hubspot, model, hubspot.mapping, destination=hubspot, options=options,
                                       clock=calm.now)
            finally:
                store.close()
            figures.update(incremental_changed=len(changed), incremental_read=incremental.report.read,
                           incremental_calls=hubspot.api.stats.total,
                           incremental_calls_by_kind=dict(hubspot.api.stats.calls))
        finally:
            calm.stop()
            stormy.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
