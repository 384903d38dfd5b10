"""Writes through simple-salesforce over HTTPS: sObject Collections with per-record errors inside one batch
(converted leads, locked rows, unknown and read-only fields), allOrNone, the 200-record cap, single-record
PATCH, and what a write changes (values, SystemModstamp, LastModifiedById)."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.salesforce.dataset import INTEGRATION_USER
from connector.sandbox.salesforce.ids import make_id
from tests.sandbox.salesforce_helpers import sf_errors


def lead_ids(client: Any, where: str, limit: int, offset: int = 0) -> list[str]:
    soql = f"SELECT Id FROM Lead WHERE {where} ORDER BY Id LIMIT {limit} OFFSET {offset}"
    return [r["Id"] for r in client.query(soql)["records"]]


def update(client: Any, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    return client.restful("composite/sobjects", method="PATCH", json={"allOrNone": all_or_none, "records": records})


def lead(record_id: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "id": record_id, **fields}


def test_a_batch_of_200_reports_each_record_on_its_own(
    salesforce_sandbox: SalesforceSandbox, salesforce_client: Any
) -> None:
    open_leads = lead_ids(salesforce_client, "IsConverted = false", 195)
    converted = lead_ids(salesforce_client, "IsConverted = true", 3)
    locked = open_leads[10:12]
    salesforce_sandbox.lock(locked)
    records = [lead(i, LB_Score__c=71, LB_Grade__c="A2", LB_Stage__c="MQL") for i in open_leads]
    records[20] = lead(open_leads[20], Shoe_Size__c=44)
    records[21] = lead(open_leads[21], IsConverted=True)
    records[22] = lead(open_leads[22], LB_Grade__c="A2-too-long")
    records += [lead(i, LB_Score__c=50) for i in converted]
    records.append(lead("00Qnot-an-id", LB_Score__c=1))
    records.append({"attributes": {"type": "Lead"}, "LB_Score__c": 1})
    assert len(records) == 200

    results = update(salesforce_client, records)

    assert len(results) == 200
    failures = {n: r for n, r in enumerate(results) if not r["success"]}
    codes = {n: [e["statusCode"] for e in r["errors"]] for n, r in failures.items()}
    assert codes == {
        10: ["UNABLE_TO_LOCK_ROW"],
        11: ["UNABLE_TO_LOCK_ROW"],
        20: ["INVALID_FIELD"],
        21: ["INVALID_FIELD_FOR_INSERT_UPDATE"],
        22: ["STRING_TOO_LONG"],
        195: ["CANNOT_UPDATE_CONVERTED_LEAD"],
        196: ["CANNOT_UPDATE_CONVERTED_LEAD"],
        197: ["CANNOT_UPDATE_CONVERTED_LEAD"],
        198: ["MALFORMED_ID"],
        199: ["MISSING_ARGUMENT"],
    }
    assert failures[10]["id"] == open_leads[10]
    assert failures[10]["errors"][0]["message"].startswith("unable to obtain exclusive access to this record")
    assert failures[20]["errors"][0] == {
        "statusCode": "INVALID_FIELD",
        "fields": ["Shoe_Size__c"],
        "message": "No such column 'Shoe_Size__c' on sobject of type Lead",
    }
    assert failures[21]["errors"][0]["fields"] == ["IsConverted"]
    assert failures[195]["errors"][0]["message"] == "cannot reference converted lead"
    assert "id" not in failures[198] and "id" not in failures[199]
    assert all(
        r == {"id": open_leads[n], "success": True, "errors": []}
        for n, r in enumerate(results[:195])
        if n not in failures
    )

    # What succeeded is saved; what failed is untouched.
    saved = {
        r["Id"]: r
        for r in salesforce_client.query_all(
            "SELECT Id, LB_Score__c, LB_Grade__c, LB_Stage__c, LastModifiedById FROM Lead "
            f"WHERE Id IN ('{open_leads[0]}', '{open_leads[10]}', '{open_leads[20]}')"
        )["records"]
    }
    assert saved[open_leads[0]]["LB_Score__c"] == 71.0 and saved[open_leads[0]]["LB_Stage__c"] == "MQL"
    assert saved[open_leads[0]]["LastModifiedById"] == make_id("005", INTEGRATION_USER)
    assert saved[open_leads[10]]["LB_Score__c"] is None and saved[open_leads[20]]["LB_Score__c"] is None

    # A lock is transient: the same write succeeds on retry.
    retried = update(salesforce_client, [lead(i, LB_Score__c=71) for i in locked])
    assert [r["success"] for r in retried] == [True, True]


def test_all_or_none_rolls_back_the_whole_batch(salesforce_client: Any) -> None:
    ids = lead_ids(salesforce_client, "IsConverted = false", 3, offset=400)
    converted = lead_ids(salesforce_client, "IsConverted = true", 1, offset=10)
    results = update(
        salesforce_client,
        [lead(i, LB_Score__c=12) for i in ids] + [lead(converted[0], LB_Score__c=12)],
        all_or_none=True,
    )
    assert [r["errors"][0]["statusCode"] for r in results] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"] * 3 + [
        "CANNOT_UPDATE_CONVERTED_LEAD"
    ]
    assert not any(r["success"] for r in results)
    scores = salesforce_client.query(f"SELECT LB_Score__c FROM Lead WHERE Id IN ('{ids[0]}', '{ids[1]}')")
    assert [r["LB_Score__c"] for r in scores["records"]] == [None, None]


def test_more_than_200_records_is_refused_as_a_whole(salesforce_client: Any) -> None:
    ids = lead_ids(salesforce_client, "IsConverted = false", 201, offset=600)
    with pytest.raises(SalesforceMalformedRequest) as raised:
        update(salesforce_client, [lead(i, LB_Score__c=1) for i in ids])
    assert sf_errors(raised.value) == [
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]


def test_single_record_patch_moves_system_modstamp(salesforce_client: Any) -> None:
    [lead_id] = lead_ids(salesforce_client, "IsConverted = false", 1, offset=900)
    before = salesforce_client.Lead.get(lead_id)
    assert salesforce_client.Lead.update(lead_id, {"LB_Summary__c": "Fit A, engaged 2", "Title": "CMO"}) == 204
    after = salesforce_client.Lead.get(lead_id)
    assert after["LB_Summary__c"] == "Fit A, engaged 2" and after["Title"] == "CMO"
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce_client.Lead.update(lead_id, {"Status": "Sleeping"})
    assert sf_errors(raised.value)[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_converted_lead_cannot_be_patched_but_its_contact_can(salesforce_client: Any) -> None:
    record = salesforce_client.query(
        "SELECT Id, ConvertedContactId FROM Lead WHERE IsConverted = true ORDER BY Id LIMIT 1 OFFSET 5"
    )["records"][0]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        salesforce_client.Lead.update(record["Id"], {"LB_Score__c": 90})
    assert sf_errors(raised.value)[0]["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert salesforce_client.Contact.update(record["ConvertedContactId"], {"LB_Score__c": 90}) == 204
    assert salesforce_client.Contact.get(record["ConvertedContactId"])["LB_Score__c"] == 90.0


def test_retrieve_several_records_by_id(salesforce_client: Any) -> None:
    ids = lead_ids(salesforce_client, "IsConverted = false", 2, offset=1000)
    answer = salesforce_client.restful(
        "composite/sobjects/Lead", params={"ids": ",".join([*ids, "00Q5g00000ZZZZZ"]), "fields": "Id,Email"}
    )
    assert [r["Id"] if r else None for r in answer] == [*ids, None]


def test_seeded_lock_rate_fails_the_same_records_every_run(salesforce_sandbox_factory: Any) -> None:
    outcomes = []
    for _ in range(2):
        sandbox = salesforce_sandbox_factory(people=300, lock_rate=0.2, lock_seed=3)
        client = sandbox.client()
        ids = sandbox.ids("Contact")[:40]
        results = update(client, [{"attributes": {"type": "Contact"}, "id": i, "LB_Score__c": 5} for i in ids])
        client.session.close()
        outcomes.append([r["success"] for r in results])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(False) < 40
