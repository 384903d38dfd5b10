"""Changes made in the org (user edits, merges) as an incremental reader sees them, and injected faults in
Salesforce's error shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceGeneralError

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.salesforce.ids import make_id
from tests.sandbox.salesforce_helpers import sf_errors


def soql_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_a_user_edit_shows_up_in_an_incremental_window(
    salesforce_sandbox: SalesforceSandbox, salesforce_client: Any
) -> None:
    contact_id = salesforce_sandbox.ids("Contact")[11]
    before = salesforce_client.Contact.get(contact_id)
    cursor = parse(before["SystemModstamp"])
    assert before["OwnerId"].startswith("005")
    assert salesforce_sandbox.touch(contact_id, {"Title": "Chief Revenue Officer"}) == []
    run_start = datetime.now(UTC) + timedelta(seconds=1)

    # The adapter's incremental read: SystemModstamp >= cursor - lookback and < run start.
    soql = (
        "SELECT Id, Title, SystemModstamp, LastModifiedById FROM Contact "
        f"WHERE SystemModstamp >= {soql_datetime(cursor - timedelta(minutes=5))} "
        f"AND SystemModstamp < {soql_datetime(run_start)} ORDER BY SystemModstamp, Id"
    )
    changed = {r["Id"]: r for r in salesforce_client.query_all(soql)["records"]}
    assert changed[contact_id]["Title"] == "Chief Revenue Officer"
    assert parse(changed[contact_id]["SystemModstamp"]) > cursor
    # A user edit is attributed to the record's owner, not to the integration user.
    assert changed[contact_id]["LastModifiedById"] == before["OwnerId"]
    assert list(changed)[-1] == contact_id  # the newest change sorts last


def test_merge_deletes_the_losers_and_moves_their_activities(
    salesforce_sandbox: SalesforceSandbox, salesforce_client: Any
) -> None:
    whos = salesforce_client.query("SELECT WhoId FROM Task WHERE WhoId != null ORDER BY Id LIMIT 2000")["records"]
    with_tasks = sorted({t["WhoId"] for t in whos if t["WhoId"].startswith("003")})
    master, loser = with_tasks[0], with_tasks[1]
    loser_tasks = {r["Id"] for r in salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{loser}'")["records"]}
    assert loser_tasks

    salesforce_sandbox.merge(master, [loser])

    assert salesforce_client.query(f"SELECT Id FROM Contact WHERE Id = '{loser}'")["totalSize"] == 0
    gone = salesforce_client.query(
        f"SELECT IsDeleted, MasterRecordId FROM Contact WHERE Id = '{loser}'", include_deleted=True
    )["records"]
    assert [(r["IsDeleted"], r["MasterRecordId"]) for r in gone] == [(True, master)]
    moved = {r["Id"] for r in salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{master}'")["records"]}
    assert loser_tasks <= moved
    assert salesforce_client.query(f"SELECT Id FROM Task WHERE WhoId = '{loser}'")["totalSize"] == 0
    with pytest.raises(ValueError):
        salesforce_sandbox.merge(master, [salesforce_sandbox.ids("Lead")[0]])


def test_ids_are_18_characters_deterministic_and_prefixed(salesforce_sandbox: SalesforceSandbox) -> None:
    assert salesforce_sandbox.ids("Lead")[0] == make_id("00Q", 0)
    prefixes = {
        "Lead": "00Q",
        "Contact": "003",
        "Task": "00T",
        "Event": "00U",
        "Opportunity": "006",
        "CampaignMember": "00v",
        "Account": "001",
    }
    for sobject, prefix in prefixes.items():
        record_id = salesforce_sandbox.ids(sobject)[0]
        assert len(record_id) == 18 and record_id.startswith(prefix)


def test_injected_faults_answer_in_salesforce_error_shape(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=100)
    client = org.client()
    org.faults.error_rate = 1.0
    with pytest.raises(SalesforceGeneralError) as raised:
        client.query("SELECT Id FROM Lead LIMIT 1")
    assert raised.value.status == 503
    assert sf_errors(raised.value)[0]["errorCode"] == "SERVER_UNAVAILABLE"
    org.faults.error_rate = 0.0
    assert client.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
    assert org.log.count(status=503) == 1
    client.session.close()
