"""The HubSpot sandbox at size: 10,000+ contacts paged with hubspot-api-client, the 10,000-result search cap,
and the cold-start bench (5,000 contacts with 20 activities each; its time is a figure in the README)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest

from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings
from tests.sandbox.hubspot_helpers import api_error

REPO = Path(__file__).resolve().parents[2]
# 15,000 people give about 10,400 HubSpot contacts; few activities keep generation cheap (not under test here).
PEOPLE = 15_000


@pytest.fixture(scope="module")
def big() -> Iterator[tuple[HubSpotSandbox, Any]]:
    settings = HubSpotSettings(contacts=PEOPLE, activities_mean=2.0, rate_limit=100_000, search_rate_limit=100)
    with HubSpotSandbox(settings) as sandbox:
        yield sandbox, HubSpot(access_token=sandbox.access_token, host=sandbox.url)


def _search_page(client: Any, after: int | str | None, limit: int = 200, above_id: int = 0) -> Any:
    request = PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": str(above_id)}]}],
        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        properties=["email"],
        limit=limit,
        after=None if after is None else str(after),
    )
    return client.crm.contacts.search_api.do_search(request)


def test_list_pages_through_more_than_10000_contacts(big: tuple[HubSpotSandbox, Any]) -> None:
    sandbox, client = big
    contacts = client.crm.contacts.basic_api
    ids: list[int] = []
    after = None
    while True:
        page = contacts.get_page(limit=100, after=after, properties=["email"])
        ids.extend(int(r.id) for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(ids) > 10_000
    assert ids == sorted(set(ids))
    assert sandbox.log.count(path_prefix="/crm/v3/objects/contacts", status=200) == -(-len(ids) // 100)
    assert _search_page(client, None, limit=1).total == len(ids)


def test_search_stops_at_10000_results_and_id_paging_goes_on(big: tuple[HubSpotSandbox, Any]) -> None:
    _, client = big
    last_page = _search_page(client, 9_900, limit=100)
    assert last_page.total > 10_000 and len(last_page.results) == 100
    assert last_page.paging.next.after == "10000"
    status, body, _ = api_error(lambda: _search_page(client, 10_000))
    assert status == 400 and body["category"] == "VALIDATION_ERROR" and "10000" in body["message"]
    # The documented way past the cap: filter on hs_object_id above the last id seen.
    last_id = int(last_page.results[-1].id)
    rest = _search_page(client, None, above_id=last_id)
    assert rest.total == last_page.total - 10_000
    assert int(rest.results[0].id) > last_id


def _bench() -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "sandbox_hubspot.py"), "--hubspot-contacts", "5000"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return figures


def test_cold_start_bench_serves_5000_contacts_with_20_activities() -> None:
    # The cold-start time itself is a figure (README, bench/sandbox_hubspot.py), not a test's verdict: on a
    # shared machine a wall-clock assertion fails for reasons the code does not control.
    figures = _bench()
    assert figures["hubspot_contacts"] >= 5_000
    assert 18 <= figures["activities"] / figures["hubspot_contacts"] <= 22
    assert figures["engagements"] > 0
    assert figures["cold_start_s"] > 0
