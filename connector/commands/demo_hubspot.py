"""The HubSpot step of `leadbridge demo`: a local portal, setup, a full sync with write-back, a few changes
made in the portal as users would, an incremental sync that picks them up, and a last sync that writes
nothing (our own writes come back as changes, but their scoring inputs did not change).

    hubspot_round_trip(console, contacts=2000, seed=7)

Everything runs in this process against the sandbox (connector.sandbox.hubspot) over HTTP with
hubspot-api-client, with the shipped mappings/hubspot.yaml and scoring model and a throwaway store.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from connector.commands.hubspot import setup_hubspot, show_sync
from connector.commands.inputs import mapping_for, scoring_model
from connector.crm.hubspot import HubSpotAdapter
from connector.crm.hubspot_budget import BudgetLimits
from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings
from connector.store import open_store
from connector.sync import SyncOptions, SyncResult, run_sync

#: A Professional portal's limit (requests per 10 seconds): the demo runs at a real portal's pace.
DEMO_RATE_LIMIT = 190


def hubspot_round_trip(console: Console, contacts: int = 2000, seed: int = 7) -> None:
    """Run the HubSpot round trip on ``contacts`` synthetic people (about 70% are HubSpot contacts)."""
    started = time.perf_counter()
    settings = HubSpotSettings(contacts=contacts, seed=seed, rate_limit=DEMO_RATE_LIMIT)
    with HubSpotSandbox(settings) as sandbox, tempfile.TemporaryDirectory(prefix="leadbridge-hubspot-") as tmp:
        api = HubSpotApi(HubSpotConfig(SecretStr(sandbox.access_token), sandbox.url,
                                       BudgetLimits(per_window=DEMO_RATE_LIMIT)))
        console.print(f"[bold]HubSpot:[/] a local portal at {sandbox.url} with {len(sandbox.contact_ids()):,} "
                      f"contacts (seed {seed}), {DEMO_RATE_LIMIT} requests per 10 s")
        setup_hubspot(None, dry_run=False, out=console, api=api)
        mapping = mapping_for(None, "hubspot")
        model = scoring_model(None)
        hubspot = HubSpotAdapter(api, mapping)
        store = open_store(f"sqlite:///{Path(tmp) / 'demo.db'}")

        def sync(title: str) -> SyncResult:
            # The lookback covers HubSpot's search index lag (seconds to minutes); the local portal has none,
            # and a short one shows incremental runs reading only what changed.
            result = run_sync(store, hubspot, model, mapping, destination=hubspot,
                              options=SyncOptions(lookback=timedelta(seconds=1)), clock=lambda: _portal_now(sandbox))
            console.print(f"[bold]{title}[/]")
            limited = dict(hubspot.api.stats.rate_limited)
            show_sync(console, result, hubspot, dry_run=False)
            if limited:
                console.print(f"rate limited: {limited}")
            return result

        try:
            sync("1. Full sync with write-back (first run: every contact)")
            sync("2. Incremental sync: our own writes come back as changes; nothing to qualify or write")
            changed = _change_some(sandbox)
            before = {cid: _score(sandbox, cid) for cid in changed}
            sync("3. Incremental sync after changes made in HubSpot")
            console.print(_changes_table(sandbox, changed, before))
            last = sync("4. One more sync: nothing changed since, so nothing is written")
            verdict = "nothing written" if last.report.written == 0 else f"{last.report.written} values written"
            console.print(f"second sync after the changes: {verdict}")
        finally:
            store.close()
            hubspot.close()
    console.print(f"HubSpot round trip done in {time.perf_counter() - started:.1f} s")


def _change_some(sandbox: HubSpotSandbox) -> list[int]:
    """Edits a sales team makes: a new job title, a meeting held, a demo requested."""
    ids = sandbox.contact_ids()
    chosen = [cid for cid in ids[len(ids) // 3 :] if _score(sandbox, cid)[0] not in ("-", "0")
              and _score(sandbox, cid)[1] == "lead"][:4]
    sandbox.touch(chosen[:2], {"jobtitle": "VP Marketing"})
    now = datetime.now(UTC)
    sandbox.add_activity(chosen[2], "meeting", now - timedelta(hours=2), {"subject": "Discovery call"})
    sandbox.add_activity(chosen[3], "demo_request", now - timedelta(hours=1), {"url": "/demo"})
    return chosen


def _score(sandbox: HubSpotSandbox, cid: int) -> tuple[str, str]:
    view = sandbox.contact(cid)
    props = view.properties if view is not None else {}
    return str(props.get("lb_score") or "-"), str(props.get("lifecyclestage") or "-")


def _changes_table(sandbox: HubSpotSandbox, changed: list[int], before: dict[int, tuple[str, str]]) -> Table:
    table = Table(title="What the changes did in HubSpot", title_justify="left")
    for column in ("contact", "change", "lb_score", "lifecyclestage"):
        table.add_column(column)
    what = ["job title -> VP Marketing", "job title -> VP Marketing", "meeting held", "demo requested"]
    for cid, change in zip(changed, what, strict=False):
        (score_before, stage_before), (score_after, stage_after) = before[cid], _score(sandbox, cid)
        table.add_row(str(cid), change, f"{score_before} -> {score_after}", f"{stage_before} -> {stage_after}")
    return table


def _portal_now(sandbox: HubSpotSandbox) -> datetime:
    """The run's start as the portal's change times see it. The sandbox gives each change its own
    millisecond, so right after a burst of writes its clock runs ahead of ours; a run starting on our clock
    would leave the newest changes to the run after it."""
    latest_ms = getattr(sandbox.store, "_last_ms", 0)
    return max(datetime.now(UTC), datetime.fromtimestamp((latest_ms + 1) / 1000, UTC))
