"""The day a contact first became an MQL / SQL is written to HubSpot once, and kept on later runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from connector.sync import SyncOptions, run_sync
from tests.crm.hubspot_support import adapter_for, model, new_store, sandbox_now, sync

Factory = Callable[..., Any]
AT_LEAST_MQL = {"marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist"}
AT_LEAST_SQL = AT_LEAST_MQL - {"marketingqualifiedlead"}


def test_mql_and_sql_dates_are_written_once_and_kept(hubspot_sandbox_factory: Factory, tmp_path: Path) -> None:
    sandbox = hubspot_sandbox_factory(contacts=300)
    hubspot = adapter_for(sandbox)
    store = new_store(tmp_path)
    day = sandbox_now(sandbox).date().isoformat()
    sync(store, hubspot, sandbox)

    first = {i: dict(sandbox.contact(i).properties) for i in sandbox.contact_ids()}
    dated_mql = [p for p in first.values() if p.get("lb_mql_date")]
    dated_sql = [p for p in first.values() if p.get("lb_sql_date")]
    assert dated_mql and dated_sql
    assert {p["lb_mql_date"] for p in dated_mql} == {p["lb_sql_date"] for p in dated_sql} == {day}
    # Only contacts leadbridge holds at MQL (or SQL) or later get the date; an SQL date implies an MQL date.
    # (A contact HubSpot holds at MQL that the model recycled to lead has no date: forward-only keeps
    # HubSpot's stage, but leadbridge does not claim it qualified.)
    assert all(p.get("lifecyclestage") in AT_LEAST_MQL for p in dated_mql)
    assert all(p.get("lifecyclestage") in AT_LEAST_SQL and p.get("lb_mql_date") for p in dated_sql)
    assert not any(p.get("lb_mql_date") for p in first.values() if p.get("lifecyclestage") == "lead")

    # Three days later scores decay and are rewritten; the first-reached dates stay as they were.
    later = sandbox_now(sandbox) + timedelta(days=3)
    report = run_sync(store, hubspot, model(), hubspot.mapping, destination=hubspot,
                      options=SyncOptions(full=True), clock=lambda: later).report
    assert report.written > 0
    for i, before in first.items():
        after = sandbox.contact(i).properties
        if before.get("lb_mql_date"):
            assert after.get("lb_mql_date") == before["lb_mql_date"]
        if before.get("lb_sql_date"):
            assert after.get("lb_sql_date") == before["lb_sql_date"]
