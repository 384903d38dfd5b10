"""Helpers for the Salesforce adapter tests: an api on a sandbox org (OAuth client credentials, so sessions
can be renewed), a store, a sync with write-back, and reading the org's LB_* values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connector.crm.salesforce import SalesforceOptions
from connector.crm.salesforce_api import SalesforceApi, make_session
from connector.crm.salesforce_auth import Login, OAuthFlow
from connector.crm.salesforce_limits import ApiBudget
from connector.crm.salesforce_sync import run_salesforce_sync
from connector.mapping import load_mapping
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel, load_model
from connector.sandbox.salesforce import SalesforceSandbox
from connector.store import Store, open_store
from connector.sync import Progress, SyncOptions, SyncResult

_MODEL: list[ScoringModel] = []
_MAPPING: list[Mapping] = []
LB_FIELDS = ("LB_Score__c", "LB_Fit__c", "LB_Engagement__c", "LB_Grade__c", "LB_Stage__c", "LB_Disqualified__c")


def model() -> ScoringModel:
    if not _MODEL:
        _MODEL.append(load_model(None))
    return _MODEL[0]


def mapping() -> Mapping:
    if not _MAPPING:
        _MAPPING.append(load_mapping(None, source="salesforce"))
    return _MAPPING[0]


def api_for(sandbox: SalesforceSandbox, *, stop_share: float = 0.9) -> SalesforceApi:
    """An api logging in with the OAuth client credentials flow (renewable), fast backoff."""
    budget = ApiBudget(stop_share)
    session = make_session(10.0, str(sandbox.ca_bundle), budget)
    creds = sandbox.credentials
    flow = OAuthFlow("client credentials", f"{sandbox.url}/services/oauth2/token",
                     (("grant_type", "client_credentials"), ("client_id", creds.client_id),
                      ("client_secret", creds.client_secret)))
    return SalesforceApi(Login(flow, session, 10.0), session, budget, sandbox.settings.api_version,
                         backoff_s=0.01)


def new_store(tmp_path: Path, name: str = "store.db") -> Store:
    return open_store(f"sqlite:///{tmp_path / name}")


def later() -> datetime:
    """The run's clock: a second after the edits a test just made (the sandbox stamps to the millisecond,
    rounded, so an edit made a microsecond before a run may carry a stamp just after its start)."""
    return datetime.now(UTC) + timedelta(seconds=1)


def sync(store: Store, api: SalesforceApi, *, full: bool = False, page_size: int = 2_000,
         progress: Progress | None = None, **source: Any) -> SyncResult:
    options = SalesforceOptions(page_size=page_size, lock_pause_s=0.01, **source)
    return run_salesforce_sync(store, api, model(), mapping(), options=SyncOptions(full=full),
                               source_options=options, progress=progress, clock=later)


def org_state(sandbox: SalesforceSandbox) -> dict[str, tuple[Any, ...]]:
    """Every live lead and contact id -> its LB_* values, as the org holds them."""
    state = {}
    for sobject in ("Lead", "Contact"):
        for record_id in sandbox.ids(sobject):
            record = sandbox.record(record_id)
            if sobject == "Lead" and record["IsConverted"]:
                continue
            state[record_id] = tuple(record[f] for f in LB_FIELDS)
    return state
