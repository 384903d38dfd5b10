"""Salesforce end to end against the sandbox over HTTPS with simple-salesforce: full and incremental sync
with write-back, deleted and merged records, session expiry mid-sync, the daily allocation running out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connector.crm.salesforce_limits import ApiBudgetExhausted
from connector.errors import RunStoppedEarly
from connector.store import cursors
from connector.store.tables import contacts as contacts_table
from connector.store.tables import runs as runs_table
from tests.crm.salesforce_support import api_for, new_store, org_state, sync


def test_full_sync_writes_every_person_then_incremental_writes_nothing(
    salesforce_sandbox_factory: Any, tmp_path: Path
) -> None:
    org = salesforce_sandbox_factory(people=300)
    api = api_for(org)
    store = new_store(tmp_path)
    first = sync(store, api, full=True)
    state = org_state(org)
    assert first.report.read == len(state) and first.report.rejected_total == 0
    assert all(values[0] is not None and values[4] for values in state.values())  # score and stage written
    # Converted leads are not people of their own: never read as leads, never written.
    converted = [i for i in org.ids("Lead") if org.record(i)["IsConverted"]]
    assert converted and all(org.record(i)["LB_Score__c"] is None for i in converted)
    assert org.log.count(status=400) == 0

    calls = api.budget.calls
    second = sync(store, api)
    # Our own writes moved SystemModstamp: the records are read again and nothing is written. Only leads we
    # set to the disqualified Lead Status changed as inputs (lead_status is a field rules may use).
    assert second.report.planned == 0 and second.report.written == 0
    closed = sum(1 for i in org.ids("Lead") if org.record(i)["Status"] == "Closed - Not Converted"
                 and org.record(i)["LB_Disqualified__c"])
    assert second.report.qualified == second.report.changed <= closed
    assert org_state(org) == state
    assert api.budget.calls - calls <= 12  # describes, Lead Status, pages of 2,000, activities in the window
    api.close()


def test_deleted_and_merged_records_are_reported_deleted(salesforce_sandbox_factory: Any, tmp_path: Path) -> None:
    org = salesforce_sandbox_factory(people=300)
    api = api_for(org)
    store = new_store(tmp_path)
    sync(store, api, full=True)
    lead = next(i for i in org.ids("Lead") if not org.record(i)["IsConverted"])
    master, loser = org.ids("Contact")[:2]
    org.delete(lead)
    org.merge(master, [loser])

    result = sync(store, api)

    assert result.report.deleted == 2
    with store.begin() as conn:
        rows = dict(conn.execute(select(contacts_table.c.key, contacts_table.c.deleted_at)).all())
    assert rows[f"salesforce:lead:{lead}"] is not None
    assert rows[f"salesforce:contact:{loser}"] is not None
    assert rows[f"salesforce:contact:{master}"] is None
    api.close()


def test_session_expiry_mid_sync_renews_once_and_finishes(salesforce_sandbox_factory: Any, tmp_path: Path) -> None:
    clean_org = salesforce_sandbox_factory(people=300)
    clean_api = api_for(clean_org)
    sync(new_store(tmp_path, "clean.db"), clean_api, full=True, page_size=50)

    org = salesforce_sandbox_factory(people=300)
    api = api_for(org)
    expired: list[int] = []

    def expire_after_first_page(phase: str, done: int, total: int | None = None) -> None:
        if phase == "contacts" and not expired:
            expired.append(done)
            org.expire_tokens()

    result = sync(new_store(tmp_path), api, full=True, page_size=50, progress=expire_after_first_page)

    assert expired and api.refreshes == 1 and api.login.logins == 2
    assert result.report.rejected_total == 0
    assert org.log.count(status=401) == 1  # one refused call, then a new session: no loop
    assert org_state(org) == org_state(clean_org)
    api.close()
    clean_api.close()


def test_daily_allocation_spent_stops_the_run_and_the_next_run_resumes(
    salesforce_sandbox_factory: Any, tmp_path: Path
) -> None:
    org = salesforce_sandbox_factory(people=300)
    store = new_store(tmp_path)
    api = api_for(org, stop_share=0.5)
    used, _ = org.api_usage
    org.set_api_limit(used + 20)  # leadbridge may use half of it: 10 of the ~13 calls a full run takes

    with pytest.raises(ApiBudgetExhausted, match="resumes") as stopped:
        sync(store, api, full=True, page_size=50)

    with store.begin() as conn:
        run = conn.execute(select(runs_table).order_by(runs_table.c.id.desc())).mappings().first()
        partial_cursor = cursors.checkpoint(conn, "salesforce", "lead")
    assert run is not None and run["status"] == "partial" and "resumes" in (run["error"] or "")
    assert isinstance(stopped.value, RunStoppedEarly) and stopped.value.run_id == run["id"]
    assert partial_cursor is not None  # pages read before the stop are committed
    used_now, limit = org.api_usage
    assert used_now <= limit // 2 + 1  # stopped before the share, not at Salesforce's refusal
    written_before = sum(1 for values in org_state(org).values() if values[0] is not None)
    assert 0 < written_before < len(org_state(org))

    org.set_api_limit(100_000)  # the next day
    api.budget.last = None
    resumed = sync(store, api)
    assert resumed.resumed_from == run["id"]
    with store.begin() as conn:
        statuses = dict(conn.execute(select(runs_table.c.id, runs_table.c.status)).all())
    assert statuses[run["id"]] == "partial" and statuses[resumed.run_id] == "ok"
    assert all(values[0] is not None for values in org_state(org).values())
    api.close()
