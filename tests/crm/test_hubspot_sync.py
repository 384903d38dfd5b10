"""The HubSpot adapter through the pipeline, against the sandbox over HTTP with hubspot-api-client: full and
incremental syncs with write-back, self-echo, merges and archived contacts."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from connector.crm.base import FieldUpdate, WriteStatus
from connector.sandbox.hubspot import HubSpotSandbox
from connector.store.tables import contacts as contacts_table
from tests.crm.hubspot_support import adapter_for, new_store, sync

Factory = Callable[..., HubSpotSandbox]


def test_full_sync_writes_back_with_minimal_calls_and_a_second_sync_writes_nothing(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=300)
    hubspot = adapter_for(sandbox)
    ids = sandbox.contact_ids()
    store = new_store(tmp_path)
    hubspot.api.stats.calls.clear()

    first = sync(store, hubspot, sandbox).report
    calls = hubspot.api.stats.calls
    assert first.read == len(ids) and first.new == len(ids)
    assert first.written_contacts == first.planned_contacts > 0 and not first.rejected
    assert calls["list"] == math.ceil(len(ids) / 100)
    assert calls["batch_update"] == math.ceil(first.written_contacts / 100)
    assert calls["search"] == 0
    scored = [sandbox.contact(i) for i in ids]
    assert all(view is not None and view.properties.get("lb_score") is not None for view in scored)
    assert first.activities > 0

    # Our own writes moved lastmodifieddate: the next runs read them back and write nothing.
    second = sync(store, hubspot, sandbox).report
    third = sync(store, hubspot, sandbox).report
    assert second.written == third.written == 0
    assert second.planned == third.planned == 0


def test_incremental_sync_reads_what_changed_and_writes_only_changed_values(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=300)
    hubspot = adapter_for(sandbox)
    store = new_store(tmp_path)
    sync(store, hubspot, sandbox)
    sync(store, hubspot, sandbox)  # absorbs the echo of the first run's writes
    touched = sandbox.contact_ids()[10:15]
    sandbox.touch(touched, {"jobtitle": "Chief Executive Officer"})
    sandbox.add_activity(touched[0], "meeting", detail={"subject": "Pricing call"})
    hubspot.api.stats.calls.clear()

    result = sync(store, hubspot, sandbox)
    report, calls = result.report, hubspot.api.stats.calls
    assert result.since is not None
    assert calls["list"] == 0 and calls["search"] >= 1
    # The lookback re-reads the earlier runs' echoes too; only the touched contacts have new inputs.
    assert report.changed == len(touched) and report.qualified == len(touched)
    assert report.activities_changed == 1
    assert report.written_contacts <= len(touched) and not report.rejected
    for cid in touched:
        view = sandbox.contact(cid)
        assert view is not None and view.properties["jobtitle"] == "Chief Executive Officer"


def test_merged_and_archived_contacts_are_deleted_in_the_store_and_never_written(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=300)
    hubspot = adapter_for(sandbox)
    store = new_store(tmp_path)
    sync(store, hubspot, sandbox)
    survivor, merged, archived = sandbox.contact_ids()[20:23]
    sandbox.merge_contacts(survivor, merged)
    sandbox.archive_contact(archived)

    report = sync(store, hubspot, sandbox).report
    assert report.deleted >= 2
    with store.begin() as conn:
        rows = dict(conn.execute(select(contacts_table.c.key, contacts_table.c.deleted_at)).all())
    key = hubspot.mapping.key
    assert rows[key(str(merged))] is not None and rows[key(str(archived))] is not None
    assert rows[key(str(survivor))] is None

    before = _props(sandbox, survivor)
    results = hubspot.write([FieldUpdate(key(str(merged)), {"lb_score": 1}),
                             FieldUpdate(key(str(archived)), {"lb_score": 1})])
    assert [r.status for r in results] == [WriteStatus.REJECTED, WriteStatus.REJECTED]
    assert "merged" in (results[0].reason or "") and "archived" in (results[1].reason or "")
    assert _props(sandbox, survivor) == before


def test_reread_follows_a_merge_to_the_surviving_contact(hubspot_sandbox_factory: Factory) -> None:
    sandbox = hubspot_sandbox_factory(contacts=300)
    hubspot = adapter_for(sandbox, prepared=False)
    survivor, merged = sandbox.contact_ids()[30:32]
    sandbox.merge_contacts(survivor, merged)
    found = hubspot.reread([hubspot.mapping.key(str(merged))])
    assert [c.key for c in found] == [hubspot.mapping.key(str(survivor))]
    assert str(merged) in hubspot.gone


def _props(sandbox: HubSpotSandbox, cid: int) -> dict[str, Any]:
    view = sandbox.contact(cid)
    assert view is not None
    return dict(view.properties)
