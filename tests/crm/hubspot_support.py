"""Helpers for the HubSpot adapter tests: an adapter on a sandbox, a store, a sync with write-back."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connector.crm.hubspot import HubSpotAdapter
from connector.crm.hubspot_budget import BudgetLimits
from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
from connector.crm.hubspot_setup import setup
from connector.mapping import load_mapping
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel, load_model
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.records import ContactState
from connector.sandbox.hubspot.timefmt import to_ms
from connector.store import Store, open_store
from connector.sync import SyncOptions, SyncResult, run_sync

_MODEL: ScoringModel | None = None


def model() -> ScoringModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = load_model(None)
    return _MODEL


def api_for(sandbox: HubSpotSandbox, **limits: Any) -> HubSpotApi:
    """An API on the sandbox whose budget matches the sandbox's limits (unless overridden); fast backoff."""
    settings = sandbox.settings
    scale = settings.time_scale
    budget = BudgetLimits(
        per_window=limits.pop("per_window", settings.rate_limit),
        window_s=limits.pop("window_s", settings.rate_window_s / scale),
        search_per_s=limits.pop("search_per_s", settings.search_rate_limit),
        search_window_s=limits.pop("search_window_s", 1.0 / scale),
        **limits,
    )
    return HubSpotApi(HubSpotConfig(SecretStr(sandbox.access_token), sandbox.url, budget, backoff_s=0.05))


def adapter_for(sandbox: HubSpotSandbox, mapping: Mapping | None = None, *, prepared: bool = True,
                **limits: Any) -> HubSpotAdapter:
    """An adapter with the shipped mapping; ``prepared`` runs setup first (the lb_* properties exist)."""
    the_mapping = mapping or load_mapping(None, source="hubspot")
    api = api_for(sandbox, **limits)
    if prepared:
        setup(api, the_mapping)
    return HubSpotAdapter(api, the_mapping)


def new_store(tmp_path: Path, name: str = "store.db") -> Store:
    return open_store(f"sqlite:///{tmp_path / name}")


def sync(store: Store, adapter: HubSpotAdapter, sandbox: HubSpotSandbox, *, full: bool = False,
         dry_run: bool = False) -> SyncResult:
    """One sync with write-back, on the sandbox's clock."""
    options = SyncOptions(full=full, dry_run=dry_run)
    return run_sync(store, adapter, model(), adapter.mapping, destination=adapter, options=options,
                    clock=lambda: sandbox_now(sandbox))


def sandbox_now(sandbox: HubSpotSandbox) -> datetime:
    """Now as the sandbox's lastmodifieddate sees it. The sandbox gives every change its own millisecond,
    so after a burst of writes its change times run ahead of the wall clock; a run started on the wall
    clock would leave the latest changes to the run after it."""
    ms = max(time.time() * 1000, sandbox.store._last_ms + 1)
    return datetime.fromtimestamp(ms / 1000, UTC)


def set_modified(sandbox: HubSpotSandbox, ids: Iterable[int], at: datetime) -> None:
    """Give contacts one shared lastmodifieddate, as a bulk import does in HubSpot (the sandbox's own
    changes always tick one millisecond apart)."""
    ms = to_ms(at)
    store = sandbox.store
    with store._lock:
        for cid in ids:
            store._states.setdefault(cid, ContactState()).modified_ms = ms


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
