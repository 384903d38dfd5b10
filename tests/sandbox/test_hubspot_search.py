"""CRM search over real HTTP: filter operators, sorts, paging, request limits, the search rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest, SimplePublicObjectInput

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot_helpers import api_error


def _search(client: Any, filters: list[dict[str, Any]], **kw: Any) -> Any:
    request = PublicObjectSearchRequest(
        filter_groups=[{"filters": filters}] if filters else [], limit=kw.pop("limit", 200), **kw
    )
    return client.crm.contacts.search_api.do_search(request)


def _all_ids(client: Any, filters: list[dict[str, Any]]) -> list[int]:
    found, after = [], None
    while True:
        page = _search(client, filters, after=after)
        found.extend(int(r.id) for r in page.results)
        if page.paging is None:
            return found
        after = page.paging.next.after


@pytest.fixture(scope="module")
def portal(hubspot_sandbox: HubSpotSandbox) -> tuple[HubSpotSandbox, list[dict[str, Any]]]:
    """The module's portal (search limit lifted: these tests are about results) and its contacts as dicts."""
    hubspot_sandbox.set_rate_limit(10_000, search_limit=1_000)
    views = [hubspot_sandbox.contact(i) for i in hubspot_sandbox.contact_ids()]
    return hubspot_sandbox, [{"id": v.id, **v.properties} for v in views if v is not None]


def _expect(contacts: list[dict[str, Any]], keep: Callable[[dict[str, Any]], bool]) -> list[int]:
    return sorted(c["id"] for c in contacts if keep(c))


CASES = [
    (
        "EQ lifecyclestage",
        [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}],
        lambda c: c["lifecyclestage"] == "customer",
    ),
    (
        "NEQ lifecyclestage",
        [{"propertyName": "lifecyclestage", "operator": "NEQ", "value": "lead"}],
        lambda c: c["lifecyclestage"] != "lead",
    ),
    (
        "IN",
        [{"propertyName": "numemployees", "operator": "IN", "values": ["1-5", "1000+"]}],
        lambda c: c["numemployees"] in ("1-5", "1000+"),
    ),
    ("GT id", [{"propertyName": "hs_object_id", "operator": "GT", "value": "200"}], lambda c: c["id"] > 200),
    ("LTE id", [{"propertyName": "hs_object_id", "operator": "LTE", "value": "50"}], lambda c: c["id"] <= 50),
    (
        "BETWEEN id",
        [{"propertyName": "hs_object_id", "operator": "BETWEEN", "value": "10", "highValue": "30"}],
        lambda c: 10 <= c["id"] <= 30,
    ),
    ("HAS_PROPERTY", [{"propertyName": "budget", "operator": "HAS_PROPERTY"}], lambda c: c["budget"] is not None),
    ("NOT_HAS_PROPERTY", [{"propertyName": "budget", "operator": "NOT_HAS_PROPERTY"}], lambda c: c["budget"] is None),
    (
        "GTE/LT lastmodifieddate (ms and ISO)",
        [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1780000000000"},
            {"propertyName": "lastmodifieddate", "operator": "LT", "value": "2026-10-20T00:00:00Z"},
        ],
        lambda c: "2026-05-28T20:26:40.000Z" <= c["lastmodifieddate"] < "2026-10-20T00:00:00.000Z",
    ),
]


@pytest.mark.parametrize(("filters", "keep"), [(f, k) for _, f, k in CASES], ids=[name for name, _, _ in CASES])
def test_filters_select_exactly_the_matching_contacts(
    portal: tuple[HubSpotSandbox, list[dict[str, Any]]],
    hubspot_client: Any,
    filters: list[dict[str, Any]],
    keep: Callable[[dict[str, Any]], bool],
) -> None:
    _, contacts = portal
    expected = _expect(contacts, keep)
    assert expected, "the case must select something to be meaningful"
    assert sorted(_all_ids(hubspot_client, filters)) == expected


def test_filter_groups_are_ored(portal: tuple[HubSpotSandbox, list[dict[str, Any]]], hubspot_client: Any) -> None:
    _, contacts = portal
    request = PublicObjectSearchRequest(
        filter_groups=[
            {"filters": [{"propertyName": "hs_object_id", "operator": "LT", "value": "20"}]},
            {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]},
        ],
        limit=200,
    )
    found = sorted(int(r.id) for r in hubspot_client.crm.contacts.search_api.do_search(request).results)
    assert found == _expect(contacts, lambda c: c["id"] < 20 or c["lifecyclestage"] == "customer")


def test_sort_descending_and_total(portal: tuple[HubSpotSandbox, list[dict[str, Any]]], hubspot_client: Any) -> None:
    _, contacts = portal
    page = _search(
        hubspot_client, [], sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}], limit=50
    )
    stamps = [r.properties["lastmodifieddate"] for r in page.results]
    assert stamps == sorted(stamps, reverse=True)
    assert page.total == len(contacts) and page.paging.next.after == "50"


def test_a_change_is_found_by_an_incremental_search(
    portal: tuple[HubSpotSandbox, list[dict[str, Any]]], hubspot_client: Any
) -> None:
    sandbox, _ = portal
    cid = sandbox.contact_ids()[-1]
    start = sandbox.contact(cid).modified_ms
    hubspot_client.crm.contacts.basic_api.update(
        str(cid), SimplePublicObjectInput(properties={"timeline": "This quarter"})
    )
    found = _all_ids(hubspot_client, [{"propertyName": "lastmodifieddate", "operator": "GT", "value": str(start)}])
    assert cid in found


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 201},
        {"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}]},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "1"}]}]},
        {"filterGroups": [{"filters": []}] * 6},
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}]},
    ],
    ids=["limit over 200", "unknown property", "unknown operator", "six groups", "seven filters"],
)
def test_invalid_requests_are_400(hubspot_client: Any, body: dict[str, Any]) -> None:
    request = PublicObjectSearchRequest(filter_groups=body.get("filterGroups"), limit=body.get("limit", 10))
    status, answer, _ = api_error(lambda: hubspot_client.crm.contacts.search_api.do_search(request))
    assert status == 400 and answer["category"] == "VALIDATION_ERROR"


def test_search_has_its_own_per_second_limit(hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    sandbox = hubspot_sandbox_factory(search_rate_limit=2)
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    request = PublicObjectSearchRequest(limit=1)
    client.crm.contacts.search_api.do_search(request)
    client.crm.contacts.search_api.do_search(request)
    status, body, headers = api_error(lambda: client.crm.contacts.search_api.do_search(request))
    assert status == 429 and body["policyName"] == "SECONDLY" and body["errorType"] == "RATE_LIMIT"
    assert "x-hubspot-ratelimit-remaining" not in headers  # search answers carry no standard rate headers
    # Other endpoints are not held back by the search limit.
    assert client.crm.contacts.basic_api.get_page(limit=1).results
