"""HubSpot contacts over real HTTP with hubspot-api-client: reads, writes, validation, lifecycle, merge."""

from __future__ import annotations

from typing import Any

from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    PublicMergeInput,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot_helpers import api_error


def _ids(sandbox: HubSpotSandbox, count: int, skip: int) -> list[int]:
    """Contact ids of this test's own (tests share a module-wide portal)."""
    return sandbox.contact_ids(skip + count)[skip:]


def test_list_pages_with_after_until_the_end(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = hubspot_client.crm.contacts.basic_api.get_page(limit=100, after=after, properties=["email"])
        seen.extend(r.id for r in page.results)
        assert all(set(r.properties) == {"email"} for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == len(set(seen)) == len(hubspot_sandbox.contact_ids())
    assert [int(i) for i in seen] == sorted(int(i) for i in seen)


def test_list_limit_over_100_is_refused(hubspot_client: Any) -> None:
    status, body, _ = api_error(lambda: hubspot_client.crm.contacts.basic_api.get_page(limit=101))
    assert status == 400 and body["category"] == "VALIDATION_ERROR"


def test_get_by_id_default_and_requested_properties(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    cid = _ids(hubspot_sandbox, 1, skip=0)[0]
    default = hubspot_client.crm.contacts.basic_api.get_by_id(str(cid))
    assert set(default.properties) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    chosen = hubspot_client.crm.contacts.basic_api.get_by_id(
        str(cid), properties=["jobtitle", "hubspot_owner_id", "not_a_property"]
    )
    # Known but empty properties come back as null; unknown names are ignored, as HubSpot does.
    assert set(chosen.properties) == {"jobtitle", "hubspot_owner_id"}
    assert chosen.properties["hubspot_owner_id"] is None
    status, body, _ = api_error(lambda: hubspot_client.crm.contacts.basic_api.get_by_id("999999999"))
    assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"


def test_batch_read_reports_missing_ids_as_multi_status(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    ids = _ids(hubspot_sandbox, 3, skip=1)
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(i)} for i in ids] + [{"id": "999999999"}], properties=["email"], properties_with_history=[]
    )
    result = hubspot_client.crm.contacts.batch_api.read(request)
    assert sorted(int(r.id) for r in result.results) == ids
    assert result.num_errors == 1 and result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["999999999"]}


def test_batch_over_100_inputs_is_refused_with_hubspots_body(hubspot_client: Any) -> None:
    inputs = [{"id": str(i)} for i in range(1, 102)]
    read = BatchReadInputSimplePublicObjectId(inputs=inputs, properties=["email"], properties_with_history=[])
    status, body, _ = api_error(lambda: hubspot_client.crm.contacts.batch_api.read(read))
    assert status == 400
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR" and body["correlationId"]
    assert "100" in body["message"]
    update = BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": str(i), "properties": {"budget": "x"}} for i in range(1, 102)]
    )
    assert api_error(lambda: hubspot_client.crm.contacts.batch_api.update(update))[0] == 400


def test_unknown_and_read_only_properties_are_named_in_a_400(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    cid = str(_ids(hubspot_sandbox, 1, skip=5)[0])
    before = hubspot_sandbox.contact(int(cid))
    cases = [
        ({"leadbridge_nope": "1"}, "PROPERTY_DOESNT_EXIST", "leadbridge_nope"),
        ({"hs_analytics_num_visits": "3"}, "READ_ONLY_VALUE", "hs_analytics_num_visits"),
        ({"lifecyclestage": "hot"}, "INVALID_OPTION", "lifecyclestage"),
    ]
    for properties, code, name in cases:
        patch = SimplePublicObjectInput(properties={"budget": "Approved", **properties})
        status, body, _ = api_error(lambda patch=patch: hubspot_client.crm.contacts.basic_api.update(cid, patch))
        assert status == 400 and body["category"] == "VALIDATION_ERROR"
        assert body["message"].startswith("Property values were not valid")
        assert body["errors"] == [
            {"message": body["errors"][0]["message"], "code": code, "context": {"propertyName": [name]}}
        ]
        assert name in body["errors"][0]["message"]
    # A refused write changes nothing, not even the valid properties next to the bad one.
    assert hubspot_sandbox.contact(int(cid)) == before


def test_lifecycle_moves_forward_only_and_clear_then_set_goes_back(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    cid = str(_ids(hubspot_sandbox, 1, skip=6)[0])
    api = hubspot_client.crm.contacts.basic_api

    def stage() -> str | None:
        return api.get_by_id(cid, properties=["lifecyclestage"]).properties["lifecyclestage"]

    def write(value: str) -> Any:
        return api.update(cid, SimplePublicObjectInput(properties={"lifecyclestage": value}))

    write("salesqualifiedlead")
    assert stage() == "salesqualifiedlead"
    modified = api.get_by_id(cid).updated_at
    answer = write("lead")  # backward: accepted (200) and ignored
    assert answer.properties["lifecyclestage"] == "salesqualifiedlead" and stage() == "salesqualifiedlead"
    assert api.get_by_id(cid).updated_at == modified  # nothing changed, so lastmodifieddate did not move
    write("")
    assert stage() is None
    write("lead")
    assert stage() == "lead"
    assert api.get_by_id(cid).updated_at > modified


def test_every_change_moves_lastmodifieddate(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    cid = str(_ids(hubspot_sandbox, 1, skip=7)[0])
    api = hubspot_client.crm.contacts.basic_api
    stamps = [api.get_by_id(cid).properties["lastmodifieddate"]]
    api.update(cid, SimplePublicObjectInput(properties={"budget": "Approved"}))
    stamps.append(api.get_by_id(cid).properties["lastmodifieddate"])
    hubspot_sandbox.touch([int(cid)])
    stamps.append(api.get_by_id(cid).properties["lastmodifieddate"])
    hubspot_sandbox.add_activity(int(cid), "page_view", detail={"url": "https://example.com/pricing"})
    stamps.append(api.get_by_id(cid).properties["lastmodifieddate"])
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_batch_update_applies_and_reports_missing(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    ids = _ids(hubspot_sandbox, 2, skip=8)
    batch = BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": str(i), "properties": {"need": f"need {i}"}} for i in ids]
        + [{"id": "999999999", "properties": {"need": "x"}}]
    )
    result = hubspot_client.crm.contacts.batch_api.update(batch)
    assert sorted(int(r.id) for r in result.results) == ids
    assert result.errors[0].context == {"ids": ["999999999"]}
    assert [hubspot_sandbox.contact(i).properties["need"] for i in ids] == [f"need {i}" for i in ids]


def test_archive_then_list_archived(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    cid = str(_ids(hubspot_sandbox, 1, skip=10)[0])
    hubspot_client.crm.contacts.basic_api.archive(cid)
    assert api_error(lambda: hubspot_client.crm.contacts.basic_api.get_by_id(cid))[0] == 404
    archived = hubspot_client.crm.contacts.basic_api.get_by_id(cid, archived=True)
    assert archived.archived and archived.archived_at is not None
    listed = hubspot_client.crm.contacts.basic_api.get_page(limit=100, archived=True)
    assert cid in [r.id for r in listed.results] and all(r.archived for r in listed.results)
    live = [r.id for r in hubspot_client.crm.contacts.basic_api.get_page(limit=100).results]
    assert cid not in live


def test_merge_keeps_primary_and_redirects_the_secondary(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    primary, secondary = _ids(hubspot_sandbox, 2, skip=12)
    api = hubspot_client.crm.contacts.basic_api
    visits = [int(hubspot_sandbox.contact(i).properties["hs_analytics_num_page_views"]) for i in (primary, secondary)]
    merged = api.merge(PublicMergeInput(primary_object_id=str(primary), object_id_to_merge=str(secondary)))
    assert merged.id == str(primary)
    again = api.get_by_id(str(secondary), properties=["hs_merged_object_ids", "hs_analytics_num_page_views"])
    assert again.id == str(primary)
    assert again.properties["hs_merged_object_ids"] == str(secondary)
    assert int(again.properties["hs_analytics_num_page_views"]) == sum(visits)
    assert secondary not in hubspot_sandbox.contact_ids()


def test_create_and_duplicate_email_conflict(hubspot_client: Any) -> None:
    api = hubspot_client.crm.contacts.basic_api
    created = api.create(
        SimplePublicObjectInputForCreate(properties={"email": "new.person@example.org", "firstname": "New"})
    )
    assert created.properties["lifecyclestage"] == "lead"
    status, body, _ = api_error(
        lambda: api.create(SimplePublicObjectInputForCreate(properties={"email": "NEW.person@example.org"}))
    )
    assert status == 409 and body["category"] == "CONFLICT" and created.id in body["message"]
