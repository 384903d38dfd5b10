"""Bulk API 2.0 query jobs: simple-salesforce's bulk2 client end to end, and the raw protocol (job states,
CSV results paged with Sforce-Locator and Sforce-NumberOfRecords, queryAll, refused SOQL)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import requests

from connector.sandbox.salesforce import SalesforceSandbox


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_simple_salesforce_bulk2_query_pages_with_locators(
    salesforce_sandbox: SalesforceSandbox, salesforce_client: Any
) -> None:
    total = salesforce_client.query("SELECT COUNT() FROM Task")["totalSize"]
    pages = list(
        salesforce_client.bulk2.Task.query(
            "SELECT Id, WhoId, Subject, ActivityDate FROM Task", max_records=4_000, wait=0.01
        )
    )
    assert len(pages) == -(-total // 4_000)
    records = [r for page in pages for r in rows(page)]
    assert len(records) == total
    assert {r["Id"] for r in records} == set(salesforce_sandbox.ids("Task"))
    assert all(r["WhoId"].startswith(("00Q", "003")) and r["Subject"] for r in records)


class BulkHttp:
    def __init__(self, sandbox: SalesforceSandbox):
        self.base = f"{sandbox.url}/services/data/v59.0/jobs/query"
        self.session = sandbox.requests_session()
        self.session.headers["Authorization"] = f"Bearer {sandbox.session_id}"

    def create(self, soql: str, operation: str = "query") -> requests.Response:
        return self.session.post(self.base, json={"operation": operation, "query": soql})

    def poll_until_complete(self, job_id: str) -> list[str]:
        states = []
        for _ in range(10):  # each poll moves the job on; no time passes
            states.append(self.session.get(f"{self.base}/{job_id}").json()["state"])
            if states[-1] == "JobComplete":
                break
        return states


@pytest.fixture()
def bulk(salesforce_sandbox: SalesforceSandbox) -> Any:
    client = BulkHttp(salesforce_sandbox)
    yield client
    client.session.close()


def test_job_states_and_csv_results_with_locator(bulk: BulkHttp, salesforce_client: Any) -> None:
    created = bulk.create("SELECT Id, Email, Account.Name, HasOptedOutOfEmail, CreatedDate FROM Contact")
    assert created.status_code == 200
    job = created.json()
    assert job["state"] == "UploadComplete" and job["object"] == "Contact" and job["id"].startswith("750")
    assert job["operation"] == "query" and job["contentType"] == "CSV" and job["columnDelimiter"] == "COMMA"

    early = bulk.session.get(f"{bulk.base}/{job['id']}/results")
    assert early.status_code == 400

    assert bulk.poll_until_complete(job["id"]) == ["InProgress", "JobComplete"]
    info = bulk.session.get(f"{bulk.base}/{job['id']}").json()
    total = salesforce_client.query("SELECT COUNT() FROM Contact")["totalSize"]
    assert info["numberRecordsProcessed"] == total

    first = bulk.session.get(f"{bulk.base}/{job['id']}/results", params={"maxRecords": 300})
    assert first.headers["Sforce-NumberOfRecords"] == "300"
    assert first.headers["Sforce-Locator"] == "MzAw"  # opaque; in practice the Base64 of the offset
    assert first.headers["Content-Type"].startswith("text/csv")
    header, *lines = first.text.splitlines()
    assert header == '"Id","Email","Account.Name","HasOptedOutOfEmail","CreatedDate"'
    assert all(line.startswith('"003') for line in lines) and len(lines) == 300
    sample = rows(first.text)[0]
    assert sample["HasOptedOutOfEmail"] in ("true", "false")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", sample["CreatedDate"])

    seen = len(lines)
    locator = first.headers["Sforce-Locator"]
    while locator != "null":
        page = bulk.session.get(f"{bulk.base}/{job['id']}/results", params={"maxRecords": "300", "locator": locator})
        seen += int(page.headers["Sforce-NumberOfRecords"])
        assert len(rows(page.text)) == int(page.headers["Sforce-NumberOfRecords"])
        locator = page.headers["Sforce-Locator"]
    assert seen == total
    # A locator keeps naming the same set while the job exists.
    again = bulk.session.get(f"{bulk.base}/{job['id']}/results", params={"maxRecords": "300", "locator": "MzAw"})
    assert rows(again.text)[0]["Id"] != sample["Id"]
    assert bulk.session.delete(f"{bulk.base}/{job['id']}").status_code == 204
    assert bulk.session.get(f"{bulk.base}/{job['id']}").status_code == 404


def test_query_all_job_includes_deleted_records(bulk: BulkHttp, salesforce_sandbox: SalesforceSandbox) -> None:
    doomed = salesforce_sandbox.ids("Lead")[-1]
    salesforce_sandbox.delete(doomed)
    soql = f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{doomed}'"
    found = {}
    for operation in ("query", "queryAll"):
        job = bulk.create(soql, operation).json()
        bulk.poll_until_complete(job["id"])
        found[operation] = rows(bulk.session.get(f"{bulk.base}/{job['id']}/results").text)
    assert found["query"] == []
    assert found["queryAll"] == [{"Id": doomed, "IsDeleted": "true"}]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT COUNT() FROM Lead", "INVALIDJOB"),  # Bulk API 2.0 query refuses aggregate functions
        ("SELECT Id FROM Lead LIMIT 5 OFFSET 5", "INVALIDJOB"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Lead", "INVALID_FIELD"),
    ],
)
def test_refused_job_queries(bulk: BulkHttp, soql: str, code: str) -> None:
    answer = bulk.create(soql)
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == code
