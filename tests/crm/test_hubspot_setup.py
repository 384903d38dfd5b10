"""Setup and the live check against the sandbox: properties created once, then reported as existing; the
check names what is missing and the fix."""

from __future__ import annotations

from collections.abc import Callable

from connector.crm.hubspot_check import Level, check_portal
from connector.crm.hubspot_setup import setup
from connector.mapping import load_mapping
from connector.sandbox.hubspot import HubSpotSandbox
from tests.crm.hubspot_support import api_for


def test_setup_is_idempotent_and_the_live_check_follows_it(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=50)
    api = api_for(sandbox)
    mapping = load_mapping(None, source="hubspot")

    before = {f.what: f for f in check_portal(api, mapping)}
    assert before["access token"].level is Level.OK and before["scopes"].level is Level.OK
    assert before["write-back properties"].level is Level.PROBLEM
    assert "leadbridge setup --source hubspot" in before["write-back properties"].detail

    planned = setup(api, mapping, dry_run=True)
    assert planned.group_created and "lb_score" in planned.created
    assert sandbox.store.contact_properties.get("lb_score") is None

    first = setup(api, mapping)
    second = setup(api, mapping)
    assert first.created == planned.created and not first.existed
    assert not second.created and not second.group_created and second.existed == first.created
    assert not first.conflicts and not second.conflicts
    assert sandbox.store.contact_properties.get("lb_score") is not None

    after = {f.what: f for f in check_portal(api, mapping)}
    assert all(f.level is not Level.PROBLEM for f in after.values()), after
    assert "of 100 left" in after["rate budget"].detail


def test_an_existing_property_of_another_type_is_a_conflict(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = hubspot_sandbox_factory(contacts=50)
    api = api_for(sandbox)
    api.call("create", api.properties.create, "contacts", {"name": "lb_score", "label": "Score", "type": "string",
                                                           "fieldType": "text", "groupName": "contactinformation"})
    report = setup(api, load_mapping(None, source="hubspot"))
    assert [name for name, _ in report.conflicts] == ["lb_score"]
