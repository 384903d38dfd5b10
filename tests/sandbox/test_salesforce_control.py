"""The Salesforce sandbox's control endpoints, for a sandbox running in another process (`leadbridge sandbox`):
user edits that move SystemModstamp and send outbound messages, deletes, merges, locks, session expiry,
counters. They need no session and are neither counted nor logged."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession


@pytest.fixture()
def org(salesforce_sandbox_factory: Any) -> Any:
    return salesforce_sandbox_factory(people=300)


def test_control_endpoints_change_the_org_without_a_session(org: Any) -> None:
    base = f"{org.url}/_sandbox/salesforce"
    client = org.client()
    contacts = org.ids("Contact")
    with org.requests_session() as http:
        touched = http.post(f"{base}/touch", json={"ids": contacts[:2], "fields": {"Title": "CFO"}}).json()
        assert [r["errors"] for r in touched["records"]] == [[], []]
        titles = client.query(f"SELECT Title FROM Contact WHERE Id IN ('{contacts[0]}', '{contacts[1]}')")
        assert {r["Title"] for r in titles["records"]} == {"CFO"}

        bad = http.post(f"{base}/touch", json={"ids": contacts[:1], "fields": {"Nope__c": 1}}).json()
        assert bad["records"][0]["errors"][0]["statusCode"] == "INVALID_FIELD"
        assert http.post(f"{base}/touch", json={"ids": ["001bogus"], "fields": {"Title": "x"}}).status_code == 400

        assert http.post(f"{base}/delete", json={"ids": [contacts[2]]}).json() == {"deleted": [contacts[2]]}
        assert http.post(f"{base}/merge", json={"master": contacts[3], "losers": [contacts[4]]}).status_code == 200
        gone = client.query(f"SELECT Id FROM Contact WHERE Id IN ('{contacts[2]}', '{contacts[4]}')")
        assert gone["totalSize"] == 0

        http.post(f"{base}/lock", json={"ids": [contacts[5]]})
        assert (
            client.restful(
                "composite/sobjects",
                method="PATCH",
                json={"records": [{"attributes": {"type": "Contact"}, "id": contacts[5], "Title": "x"}]},
            )[0]["errors"][0]["statusCode"]
            == "UNABLE_TO_LOCK_ROW"
        )

        stats = http.get(f"{base}/stats").json()
        assert stats["apiUsage"]["used"] == stats["requests"] == 3  # control calls are not CRM calls
        assert stats["outbound"]["pending"] == 0  # no listener configured: nothing queued

        http.post(f"{base}/expire-sessions")
        with pytest.raises(SalesforceExpiredSession):
            client.query("SELECT Id FROM Contact LIMIT 1")
    client.session.close()
