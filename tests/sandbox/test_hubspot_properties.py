"""Properties API: list, get, create, groups, and 409 on duplicates, with hubspot-api-client."""

from __future__ import annotations

from typing import Any

from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot_helpers import api_error


def test_list_and_get_describe_types_and_read_only(hubspot_client: Any) -> None:
    properties = {p.name: p for p in hubspot_client.crm.properties.core_api.get_all("contacts").results}
    assert properties["lifecyclestage"].type == "enumeration"
    assert "marketingqualifiedlead" in [o.value for o in properties["lifecyclestage"].options]
    assert properties["hs_analytics_num_visits"].modification_metadata.read_only_value is True
    assert properties["email"].modification_metadata.read_only_value is False
    one = hubspot_client.crm.properties.core_api.get_by_name("contacts", "numemployees")
    assert one.group_name == "contactinformation"
    assert api_error(lambda: hubspot_client.crm.properties.core_api.get_by_name("contacts", "nope"))[0] == 404


def test_engagement_and_deal_properties_are_listed(hubspot_client: Any) -> None:
    deal = {p.name for p in hubspot_client.crm.properties.core_api.get_all("deals").results}
    assert {"dealstage", "amount", "closedate"} <= deal
    emails = {p.name for p in hubspot_client.crm.properties.core_api.get_all("emails").results}
    assert {"hs_email_direction", "hs_timestamp"} <= emails


def test_create_group_and_property_then_write_it(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    groups = hubspot_client.crm.properties.groups_api
    core = hubspot_client.crm.properties.core_api
    groups.create("contacts", PropertyGroupCreate(name="leadbridge", label="leadbridge"))
    status, body, _ = api_error(
        lambda: groups.create("contacts", PropertyGroupCreate(name="leadbridge", label="again"))
    )
    assert status == 409 and body["status"] == "error" and "leadbridge" in body["message"]
    create = PropertyCreate(
        name="leadbridge_score", label="Lead score", type="number", field_type="number", group_name="leadbridge"
    )
    created = core.create("contacts", create)
    assert created.name == "leadbridge_score" and created.modification_metadata.read_only_value is False
    status, body, _ = api_error(lambda: core.create("contacts", create))
    assert status == 409 and body["category"] == "OBJECT_ALREADY_EXISTS" and "leadbridge_score" in body["message"]
    cid = str(hubspot_sandbox.contact_ids(1)[0])
    hubspot_client.crm.contacts.basic_api.update(cid, SimplePublicObjectInput(properties={"leadbridge_score": "87"}))
    assert hubspot_client.crm.contacts.basic_api.get_by_id(cid, properties=["leadbridge_score"]).properties == {
        "leadbridge_score": "87"
    }


def test_property_in_a_missing_group_is_refused(hubspot_client: Any) -> None:
    create = PropertyCreate(name="orphan", label="Orphan", type="string", field_type="text", group_name="no_such_group")
    status, body, _ = api_error(lambda: hubspot_client.crm.properties.core_api.create("contacts", create))
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
