"""Engagements, deals, associations v4 and rollups, read with hubspot-api-client.

What HubSpot keeps as engagements (sales activity) comes back through associations; what it keeps only as
rollups (page views, marketing email) must show in the contact's properties and nowhere else.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.dataset import ENGAGEMENT_TYPE_BY_KIND, WEB_KINDS

ENGAGEMENT_OBJECTS = ("emails", "calls", "meetings", "notes", "tasks")


def _associations(client: Any, to_type: str, ids: list[int]) -> dict[int, list[int]]:
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(i)} for i in ids])
    answer = client.crm.associations.v4.batch_api.get_page("contacts", to_type, request)
    return {int(r._from.id): [int(link.to_object_id) for link in r.to] for r in answer.results}


def test_engagements_match_the_sales_activities(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    ids = hubspot_sandbox.contact_ids(100)
    expected: Counter[tuple[int, str]] = Counter()
    for cid in ids:
        for activity in hubspot_sandbox.store.activities(cid):
            if activity.kind in ENGAGEMENT_TYPE_BY_KIND:
                expected[(cid, ENGAGEMENT_TYPE_BY_KIND[activity.kind])] += 1
    found: Counter[tuple[int, str]] = Counter()
    for object_type in ENGAGEMENT_OBJECTS:
        for cid, linked in _associations(hubspot_client, object_type, ids).items():
            found[(cid, object_type)] += len(linked)
    assert found == expected and sum(found.values()) > 0


def test_engagements_read_in_batches_with_their_properties(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    ids = hubspot_sandbox.contact_ids(100)
    linked = [e for links in _associations(hubspot_client, "meetings", ids).values() for e in links]
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(i)} for i in linked] + [{"id": "1999"}],
        properties=["hs_timestamp", "hs_meeting_title", "hs_meeting_outcome"],
        properties_with_history=[],
    )
    answer = hubspot_client.crm.objects.meetings.batch_api.read(request)
    assert sorted(int(r.id) for r in answer.results) == sorted(linked)
    assert all(
        r.properties["hs_meeting_outcome"] == "COMPLETED" and r.properties["hs_timestamp"] for r in answer.results
    )
    assert answer.errors[0].context == {"ids": ["1999"]}
    one = hubspot_client.crm.objects.meetings.basic_api.get_by_id(str(linked[0]), properties=["hs_meeting_title"])
    assert one.properties["hs_meeting_title"]


def test_contacts_without_associations_are_reported_not_dropped(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    ids = hubspot_sandbox.contact_ids(60)
    request = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(i)} for i in ids])
    answer = hubspot_client.crm.associations.v4.batch_api.get_page("contacts", "deals", request)
    with_deals = {int(r._from.id) for r in answer.results}
    without = {int(i) for e in (answer.errors or []) for i in e.context["fromObjectId"]}
    assert with_deals | without == set(ids) and not with_deals & without
    assert all(e.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND" for e in answer.errors or [])


def test_opportunities_and_customers_have_deals(hubspot_sandbox: HubSpotSandbox, hubspot_client: Any) -> None:
    ids = hubspot_sandbox.contact_ids()
    stages = {cid: hubspot_sandbox.contact(cid).properties["lifecyclestage"] for cid in ids}
    customers = [cid for cid, s in stages.items() if s == "customer"][:5]
    opportunities = [cid for cid, s in stages.items() if s == "opportunity"][:5]
    assert customers and opportunities
    links = _associations(hubspot_client, "deals", customers + opportunities)
    request = BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(d)} for cid in customers + opportunities for d in links[cid]],
        properties=["dealstage", "amount"],
        properties_with_history=[],
    )
    deals = {int(d.id): d.properties["dealstage"] for d in hubspot_client.crm.deals.batch_api.read(request).results}
    assert all(deals[d] == "closedwon" for cid in customers for d in links[cid])
    assert all(deals[d] not in ("closedwon", "closedlost") for cid in opportunities for d in links[cid])
    back = hubspot_client.crm.associations.v4.basic_api.get_page("deals", str(links[customers[0]][0]), "contacts")
    assert [int(r.to_object_id) for r in back.results] == [customers[0]]


def test_rollups_count_what_hubspot_keeps_only_in_aggregate(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    cid = max(hubspot_sandbox.contact_ids(50), key=lambda c: len(hubspot_sandbox.store.activities(c)))
    kinds = Counter(a.kind for a in hubspot_sandbox.store.activities(cid))
    props = hubspot_client.crm.contacts.basic_api.get_by_id(
        str(cid),
        properties=["hs_analytics_num_visits", "hs_analytics_num_page_views", "hs_email_open", "hs_email_click"],
    ).properties
    assert int(props["hs_analytics_num_page_views"]) == sum(kinds[k] for k in WEB_KINDS) > 0
    assert int(props["hs_analytics_num_visits"]) >= kinds["visit"]
    assert int(props["hs_email_open"]) == kinds["email_open"] and int(props["hs_email_click"]) == kinds["email_click"]


def test_added_activity_updates_rollups_or_creates_an_engagement(
    hubspot_sandbox: HubSpotSandbox, hubspot_client: Any
) -> None:
    cid = hubspot_sandbox.contact_ids(80)[-1]

    def views() -> int:
        return int(hubspot_sandbox.contact(cid).properties["hs_analytics_num_page_views"])

    before = views()
    assert hubspot_sandbox.add_activity(cid, "pricing_page_view", detail={"url": "https://example.com/pricing"}) is None
    assert views() == before + 1
    assert hubspot_sandbox.contact(cid).properties["hs_analytics_last_url"] == "https://example.com/pricing"
    meeting = hubspot_sandbox.add_activity(cid, "meeting", detail={"subject": "Product demo"})
    assert meeting is not None
    assert meeting in _associations(hubspot_client, "meetings", [cid])[cid]
    read = hubspot_client.crm.objects.meetings.basic_api.get_by_id(str(meeting), properties=["hs_meeting_title"])
    assert read.properties["hs_meeting_title"] == "Product demo"
