"""Write-back to the HubSpot sandbox: per-record failures in a batch, unknown properties, the lifecycle
stage's forward-only rule and the clear-then-set backward move, rejected writes retried by the next run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connector.crm.base import FieldUpdate, WriteStatus
from connector.crm.hubspot_setup import setup
from connector.mapping import load_mapping, parse_mapping
from connector.mapping.shipped import shipped_mapping
from connector.mapping.yamlfile import load_yaml
from connector.sandbox.hubspot import HubSpotSandbox
from tests.crm.hubspot_support import adapter_for, new_store, sync

Factory = Callable[..., HubSpotSandbox]


def _value(sandbox: HubSpotSandbox, cid: int, name: str) -> str | None:
    view = sandbox.contact(cid)
    assert view is not None
    return view.properties.get(name)


def test_bad_values_are_rejected_per_record_and_the_rest_of_the_batch_is_written(
    hubspot_sandbox_factory: Factory,
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=100)
    hubspot = adapter_for(sandbox)
    ids = sandbox.contact_ids()[:10]
    key = hubspot.mapping.key
    updates = [FieldUpdate(key(str(cid)), {"lb_score": 50 + n}) for n, cid in enumerate(ids)]
    updates[3] = FieldUpdate(key(str(ids[3])), {"lb_score": "lots"})
    updates[7] = FieldUpdate(key(str(ids[7])), {"lb_score": 57, "lifecyclestage": "hot"})

    results = hubspot.write(updates)

    assert [r.contact_key for r in results] == [u.contact_key for u in updates]
    rejected = {r.contact_key: r.reason for r in results if r.status is WriteStatus.REJECTED}
    assert set(rejected) == {key(str(ids[3])), key(str(ids[7]))}
    assert "lb_score" in (rejected[key(str(ids[3]))] or "") and "lifecyclestage" in (rejected[key(str(ids[7]))] or "")
    for n, cid in enumerate(ids):
        if n not in (3, 7):
            assert _value(sandbox, cid, "lb_score") == str(50 + n)
    assert _value(sandbox, ids[7], "lb_score") is None  # nothing of a refused record is written
    assert hubspot.api.stats.retries == 0  # validation errors are never retried


def test_an_unknown_property_rejects_the_records_writing_it_and_says_to_run_setup(
    hubspot_sandbox_factory: Factory,
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=100)
    hubspot = adapter_for(sandbox)
    first, second = sandbox.contact_ids()[:2]
    key = hubspot.mapping.key
    results = hubspot.write([FieldUpdate(key(str(first)), {"lb_score": 10, "lb_nope": "x"}),
                             FieldUpdate(key(str(second)), {"lb_score": 20})])
    assert [r.status for r in results] == [WriteStatus.REJECTED, WriteStatus.OK]
    assert "lb_nope" in (results[0].reason or "") and "leadbridge setup" in (results[0].reason or "")
    assert hubspot.api.stats.calls["batch_update"] == 2
    assert _value(sandbox, second, "lb_score") == "20"


def test_writes_refused_for_a_missing_property_are_written_by_the_run_after_setup(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    text = shipped_mapping("hubspot.yaml").read_text() + "  - {output: stage_reason, to: lb_stage_reason}\n"
    mapping = parse_mapping(load_yaml("hubspot-extra.yaml", text), "hubspot")
    sandbox = hubspot_sandbox_factory(contacts=150)
    adapter_for(sandbox, load_mapping(None, source="hubspot"))  # the shipped mapping's properties only
    hubspot = adapter_for(sandbox, mapping, prepared=False)
    store = new_store(tmp_path)

    first = sync(store, hubspot, sandbox).report
    assert first.written == 0 and first.rejected
    assert all("lb_stage_reason" in reason for reason in first.rejected)

    setup(hubspot.api, mapping)
    second = sync(store, hubspot, sandbox).report
    assert second.retried > 0 and second.written_contacts >= first.planned_contacts - first.written_contacts
    assert not second.rejected


def test_forward_only_lifecyclestage_keeps_the_later_stage(hubspot_sandbox_factory: Factory) -> None:
    sandbox = hubspot_sandbox_factory(contacts=100)
    hubspot = adapter_for(sandbox)
    cid = sandbox.contact_ids()[5]
    sandbox.touch([cid], {"lifecyclestage": "salesqualifiedlead"})
    [result] = hubspot.write([FieldUpdate(hubspot.mapping.key(str(cid)), {"lifecyclestage": "lead"})])
    assert result.status is WriteStatus.OK
    assert _value(sandbox, cid, "lifecyclestage") == "salesqualifiedlead"
    assert hubspot.api.stats.calls["batch_update"] == 1


def test_a_backward_move_the_mapping_allows_is_a_clear_then_a_set(hubspot_sandbox_factory: Factory) -> None:
    text = shipped_mapping("hubspot.yaml").read_text().replace("    policy: forward_only\n", "    policy: overwrite\n")
    recycling = parse_mapping(load_yaml("hubspot-recycle.yaml", text), "hubspot")
    sandbox = hubspot_sandbox_factory(contacts=100)
    known, unknown = sandbox.contact_ids()[5:7]
    sandbox.touch([known, unknown], {"lifecyclestage": "salesqualifiedlead"})

    # The stage HubSpot holds is known from a read: clear, then set (two requests).
    hubspot = adapter_for(sandbox, recycling)
    hubspot.reread([hubspot.mapping.key(str(known))])
    hubspot.api.stats.calls.clear()
    [result] = hubspot.write([FieldUpdate(hubspot.mapping.key(str(known)), {"lifecyclestage": "lead"})])
    assert result.status is WriteStatus.OK
    assert _value(sandbox, known, "lifecyclestage") == "lead"
    assert hubspot.api.stats.calls["batch_update"] == 2

    # Not known: HubSpot's answer shows it kept the later stage; then clear and set.
    fresh = adapter_for(sandbox, recycling, prepared=False)
    [result] = fresh.write([FieldUpdate(fresh.mapping.key(str(unknown)), {"lifecyclestage": "lead"})])
    assert result.status is WriteStatus.OK
    assert _value(sandbox, unknown, "lifecyclestage") == "lead"
    assert fresh.api.stats.calls["batch_update"] == 3
