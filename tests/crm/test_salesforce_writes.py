"""Write-back through sObject Collections: per-record results inside one batch of 200 (locks retried with
jitter, validation errors and deleted records rejected), converted leads written to their contact."""

from __future__ import annotations

from typing import Any

from connector.crm.base import FieldUpdate, WriteStatus
from connector.crm.salesforce import SalesforceOptions, SalesforceSource
from connector.crm.salesforce_write import SalesforceDestination
from tests.crm.salesforce_support import api_for, mapping


def destination(org: Any, **options: Any) -> SalesforceDestination:
    source = SalesforceSource(api_for(org), mapping(), SalesforceOptions(lock_pause_s=0.001, **options))
    return SalesforceDestination(source, sleep=lambda _: None)


def key(record_id: str) -> str:
    return f"salesforce:{'lead' if record_id.startswith('00Q') else 'contact'}:{record_id}"


def test_per_record_results_inside_one_batch_of_200(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=600)
    people = [i for i in org.ids("Lead") if not org.record(i)["IsConverted"]] + org.ids("Contact")
    ids = people[:200]
    stuck, briefly, gone, invalid = ids[:3], ids[3:5], ids[5], ids[6]
    org.lock(stuck, times=10)
    org.lock(briefly, times=1)
    org.delete(gone)
    updates = [FieldUpdate(key(i), {"LB_Score__c": 70, "LB_Grade__c": "A1"}) for i in ids]
    updates[6] = FieldUpdate(key(invalid), {"LB_Score__c": "seventy"})
    dest = destination(org)
    org.log.clear()

    results = {r.contact_key: r for r in dest.write(updates)}

    assert len(results) == 200
    assert {results[key(i)].status for i in stuck} == {WriteStatus.RETRYABLE}
    assert all("UNABLE_TO_LOCK_ROW" in (results[key(i)].reason or "") for i in stuck)
    assert {results[key(i)].status for i in briefly} == {WriteStatus.OK}
    deleted, refused = results[key(gone)], results[key(invalid)]
    assert deleted.status is WriteStatus.REJECTED and "ENTITY_IS_DELETED" in (deleted.reason or "")
    assert refused.status is WriteStatus.REJECTED and "LB_Score__c" in (refused.reason or "")
    ok = [i for i in ids if results[key(i)].status is WriteStatus.OK]
    assert len(ok) == 200 - 5 and all(org.record(i)["LB_Score__c"] == 70 for i in ok)
    # One call for the 200, then only the locked records again, a few rounds at most.
    patches = org.log.count(method="PATCH", path_prefix="/services/data/v59.0/composite/sobjects")
    assert patches == 1 + dest.options.lock_retries
    dest.api.close()


def test_a_converted_lead_is_never_written_its_contact_is(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=300)
    lead = next(i for i in org.ids("Lead") if org.record(i)["IsConverted"])
    contact = org.record(lead)["ConvertedContactId"]
    dest = destination(org)

    [result] = dest.write([FieldUpdate(key(lead), {"LB_Score__c": 42, "Status": "Closed - Not Converted"})])

    assert result.status is WriteStatus.OK and contact in (result.reason or "")
    assert org.record(contact)["LB_Score__c"] == 42
    assert org.record(lead)["LB_Score__c"] is None and org.record(lead)["Status"] == "Closed - Converted"
    # Known from now on: the next write goes straight to the contact, without a refused attempt first.
    org.log.clear()
    dest.write([FieldUpdate(key(lead), {"LB_Score__c": 43})])
    assert org.log.count(method="PATCH") == 1 and org.record(contact)["LB_Score__c"] == 43
    dest.api.close()


def test_lead_status_is_only_set_to_the_org_s_disqualified_status(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=300)
    lead_open, lead_closed = [i for i in org.ids("Lead") if not org.record(i)["IsConverted"]][:2]
    org.touch(lead_closed, {"Status": "Closed - Not Converted"})
    dest = destination(org)

    results = dest.write([FieldUpdate(key(lead_open), {"Status": "Closed - Not Converted", "LB_Disqualified__c": True}),
                          FieldUpdate(key(lead_closed), {"Status": False, "LB_Disqualified__c": False})])

    assert [r.status for r in results] == [WriteStatus.OK, WriteStatus.OK]
    assert org.record(lead_open)["Status"] == "Closed - Not Converted"
    assert org.record(lead_closed)["Status"] == "Closed - Not Converted"  # never reopened by leadbridge
    assert org.record(lead_closed)["LB_Disqualified__c"] is False
    dest.api.close()
