"""The Query and QueryAll resources through simple-salesforce, unmodified, over HTTPS: paging with
nextRecordsUrl, deleted rows only through queryAll, relationship fields, COUNT(), and Salesforce's errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from connector.sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce_helpers import sf_errors


def test_pages_through_more_than_ten_thousand_records_with_query_more(
    salesforce_sandbox: SalesforceSandbox, salesforce_client: Any
) -> None:
    first = salesforce_client.query("SELECT Id, WhoId, Subject, SystemModstamp FROM Task ORDER BY SystemModstamp, Id")
    total = first["totalSize"]
    assert total > 10_000
    assert first["done"] is False and len(first["records"]) == 2_000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")

    seen = [r["Id"] for r in first["records"]]
    page = first
    pages = 1
    while not page["done"]:
        page = salesforce_client.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        assert page["totalSize"] == total
        seen += [r["Id"] for r in page["records"]]
        pages += 1
    assert "nextRecordsUrl" not in page
    assert len(seen) == len(set(seen)) == total
    assert pages == -(-total // 2_000)
    assert set(seen) == set(salesforce_sandbox.ids("Task"))
    modstamps = [r["SystemModstamp"] for r in first["records"]]
    assert modstamps == sorted(modstamps)
    record = first["records"][0]
    assert record["attributes"] == {"type": "Task", "url": f"/services/data/v59.0/sobjects/Task/{record['Id']}"}
    assert len(record["Id"]) == 18 and record["Id"].startswith("00T")


def test_query_all_helper_follows_every_locator(salesforce_client: Any) -> None:
    everything = salesforce_client.query_all("SELECT Id FROM Lead")
    counted = salesforce_client.query("SELECT COUNT() FROM Lead")
    assert counted == {"totalSize": everything["totalSize"], "done": True, "records": []}
    assert everything["totalSize"] > 1_000


def test_batch_size_header_asks_for_smaller_batches(salesforce_sandbox: SalesforceSandbox) -> None:
    with salesforce_sandbox.requests_session() as session:
        response = session.get(
            f"{salesforce_sandbox.url}/services/data/v59.0/query",
            params={"q": "SELECT Id FROM Contact"},
            headers={
                "Authorization": f"Bearer {salesforce_sandbox.session_id}",
                "Sforce-Query-Options": "batchSize=250",
            },
        )
    body = response.json()
    assert len(body["records"]) == 250 and body["nextRecordsUrl"].endswith("-250")


def test_deleted_records_only_through_query_all(salesforce_sandbox: SalesforceSandbox, salesforce_client: Any) -> None:
    whos = salesforce_client.query("SELECT WhoId FROM Task ORDER BY Id DESC LIMIT 200")["records"]
    lead_id = next(t["WhoId"] for t in whos if t["WhoId"].startswith("00Q"))
    lead = salesforce_client.query(f"SELECT Id, Email FROM Lead WHERE Id = '{lead_id}'")["records"][0]
    tasks_before = salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{lead_id}'")["totalSize"]
    assert tasks_before > 0

    assert salesforce_sandbox.delete(lead_id)

    soql = f"SELECT Id, IsDeleted, Email FROM Lead WHERE Email = '{lead['Email']}'"
    assert salesforce_client.query(soql)["totalSize"] == 0
    found = salesforce_client.query(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in found] == [(lead_id, True)]
    assert salesforce_client.query_all(soql, include_deleted=True)["totalSize"] == 1
    # The lead's activities went to the Recycle Bin with it.
    assert salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{lead_id}'")["totalSize"] == 0
    archived = salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{lead_id}'", include_deleted=True)
    assert archived["totalSize"] == tasks_before
    with pytest.raises(SalesforceResourceNotFound) as raised:
        salesforce_client.Lead.get(lead_id)
    assert sf_errors(raised.value)[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_relationship_fields_nest_the_parent(salesforce_client: Any) -> None:
    records = salesforce_client.query(
        "SELECT Id, Email, Account.Name, Account.Industry FROM Contact WHERE AccountId != null LIMIT 5"
    )["records"]
    assert records
    for record in records:
        account = record["Account"]
        assert account["attributes"]["type"] == "Account"
        assert account["Name"] and account["Industry"]
    members = salesforce_client.query(
        "SELECT Campaign.Name, Status, HasResponded FROM CampaignMember WHERE HasResponded = true LIMIT 3"
    )["records"]
    assert all(m["Status"] == "Responded" and m["Campaign"]["Name"] for m in members)


def test_converted_leads_point_at_their_contact_and_opportunity(salesforce_client: Any) -> None:
    converted = salesforce_client.query(
        "SELECT Id, Status, ConvertedContactId, ConvertedOpportunityId, ConvertedDate FROM Lead "
        "WHERE IsConverted = true AND ConvertedOpportunityId != null LIMIT 20"
    )["records"]
    assert converted
    lead = converted[0]
    assert lead["Status"] == "Closed - Converted" and lead["ConvertedDate"]
    opportunity = salesforce_client.query(
        f"SELECT StageName, IsWon, IsClosed, ContactId FROM Opportunity WHERE Id = '{lead['ConvertedOpportunityId']}'"
    )["records"][0]
    assert opportunity["ContactId"] == lead["ConvertedContactId"]
    assert opportunity["IsWon"] == (opportunity["StageName"] == "Closed Won")
    statuses = salesforce_client.query("SELECT MasterLabel, IsConverted FROM LeadStatus ORDER BY SortOrder")
    assert [s["MasterLabel"] for s in statuses["records"]][0] == "Open - Not Contacted"
    won = salesforce_client.query("SELECT COUNT() FROM Opportunity WHERE IsWon = true")["totalSize"]
    open_ = salesforce_client.query("SELECT COUNT() FROM Opportunity WHERE IsClosed = false")["totalSize"]
    assert won > 0 and open_ > 0


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Lead WHERE IsConverted = false AND Email = null OR Title = null", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead GROUP BY Status", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE SystemModstamp > 2026-01-01", "INVALID_FIELD"),
        ("SELECT Shoe_Size__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ],
)
def test_unsupported_or_wrong_queries_answer_400_with_the_error_code(
    salesforce_client: Any, soql: str, code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce_client.query(soql)
    assert raised.value.status == 400
    [error] = sf_errors(raised.value)
    assert error["errorCode"] == code
    assert "ERROR at Row:1:Column:" in error["message"]


def test_unknown_query_locator(salesforce_sandbox: SalesforceSandbox, salesforce_client: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce_client.query_more("/services/data/v59.0/query/01g5g00000000ZZAAA-2000", identifier_is_url=True)
    assert sf_errors(raised.value)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_every_answer_carries_limit_info(salesforce_sandbox: SalesforceSandbox) -> None:
    headers = {"Authorization": f"Bearer {salesforce_sandbox.session_id}"}
    base = f"{salesforce_sandbox.url}/services/data/v59.0"
    session: requests.Session
    with salesforce_sandbox.requests_session() as session:
        answers = [
            session.get(f"{base}/query", params={"q": "SELECT Id FROM Lead LIMIT 1"}, headers=headers),
            session.get(f"{base}/query", params={"q": "SELECT nope FROM Lead"}, headers=headers),
            session.get(f"{base}/sobjects/Lead/describe", headers=headers),
            session.get(f"{base}/limits", headers=headers),
        ]
    used = []
    for answer in answers:
        value = answer.headers["Sforce-Limit-Info"]
        assert value.startswith("api-usage=") and value.endswith("/100000")
        used.append(int(value.split("=")[1].split("/")[0]))
    assert used == sorted(used) and used[-1] - used[0] == 3
    assert answers[3].json()["DailyApiRequests"] == {"Max": 100_000, "Remaining": 100_000 - used[-1]}


def test_describe_lists_fields_with_types_and_status_picklist(salesforce_client: Any) -> None:
    described = salesforce_client.Lead.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert described["keyPrefix"] == "00Q"
    assert fields["Status"]["type"] == "picklist"
    assert [p["value"] for p in fields["Status"]["picklistValues"]] == [
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Converted",
        "Closed - Not Converted",
    ]
    assert fields["IsConverted"]["updateable"] is False
    assert fields["LB_Score__c"]["custom"] and fields["LB_Score__c"]["updateable"]
    assert fields["SystemModstamp"]["type"] == "datetime"
