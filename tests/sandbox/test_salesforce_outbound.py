"""Outbound messages: lead and contact changes POSTed to a local listener as SOAP notifications, parsed with
defusedxml exactly like the real captured samples in shared/reference/salesforce (same shape), batched at
most 100 per message, carrying the latest data, and retried until the listener answers the Ack envelope."""

from __future__ import annotations

from typing import Any

import pytest
from defusedxml import ElementTree

from connector.sandbox.recorder import RecordedRequest, WebhookRecorder
from connector.sandbox.salesforce import OutboundSettings, SalesforceSandbox
from connector.sandbox.salesforce.outbound import envelope, is_ack
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from tests.support.reference import SALESFORCE_SAMPLES as SAMPLES

NS = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "om": "http://soap.sforce.com/2005/09/outbound",
    "sf": "urn:sobject.enterprise.soap.sforce.com",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
HEADER = ["OrganizationId", "ActionId", "SessionId", "EnterpriseUrl", "PartnerUrl"]


def parse_outbound(body: bytes) -> dict[str, Any]:
    """What a listener reads from an outbound message: the way our receiver parses Salesforce's."""
    root = ElementTree.fromstring(body)  # expat accepts the UTF-8 byte order mark some captures carry
    notifications = root.find("soapenv:Body/om:notifications", NS)
    assert root.tag == f"{{{NS['soapenv']}}}Envelope" and notifications is not None
    header = [child.tag.split("}")[1] for child in notifications if not child.tag.endswith("}Notification")]
    parsed = []
    for item in notifications.findall("om:Notification", NS):
        sobject = item.find("om:sObject", NS)
        assert sobject is not None
        parsed.append(
            {
                "children": [child.tag.split("}")[1] for child in item],
                "id": item.findtext("om:Id", namespaces=NS),
                "type": sobject.get(XSI_TYPE),
                "field_namespaces": {child.tag.split("}")[0][1:] for child in sobject},
                "fields": {child.tag.split("}")[1]: child.text for child in sobject},
            }
        )
    return {
        "header": header,
        "organization_id": notifications.findtext("om:OrganizationId", namespaces=NS),
        "notifications": parsed,
    }


def shape(message: dict[str, Any]) -> dict[str, Any]:
    """The structure two messages must share, whatever their values."""
    return {
        "header": message["header"],
        "children": {tuple(n["children"]) for n in message["notifications"]},
        "type_prefix": {n["type"].split(":")[0] for n in message["notifications"]},
        "field_namespaces": set().union(*(n["field_namespaces"] for n in message["notifications"])),
        "first_field": {next(iter(n["fields"])) for n in message["notifications"]},
        "fields_sorted_after_id": all(
            list(n["fields"])[1:] == sorted(list(n["fields"])[1:]) for n in message["notifications"]
        ),
    }


def ack(_: RecordedRequest) -> tuple[int, bytes, str]:
    return 200, (SAMPLES / "ack-response.xml").read_bytes(), "text/xml; charset=utf-8"


@pytest.fixture()
def listener() -> Any:
    recorder = WebhookRecorder(ack)
    with SandboxServer(recorder.app) as server:
        yield recorder, server


@pytest.fixture()
def org(salesforce_sandbox_factory: Any, listener: Any) -> SalesforceSandbox:
    _, server = listener
    # time_scale 2000: the first retry after 15 ms instead of 30 s, the two-hour cap after 3.6 s.
    outbound = OutboundSettings(target=f"{server.url}/salesforce/outbound", time_scale=2000)
    # 1,500 people: about 270 contacts, enough to need three messages for 250 changes.
    return salesforce_sandbox_factory(people=1_500, outbound=outbound)  # type: ignore[no-any-return]


def test_real_samples_parse_to_the_shape_sandbox_messages_have(org: SalesforceSandbox, listener: Any) -> None:
    recorder, _ = listener
    contacts = parse_outbound((SAMPLES / "outbound-contacts.xml").read_bytes())
    leads = parse_outbound((SAMPLES / "outbound-leads.xml").read_bytes())  # starts with a BOM
    empty = parse_outbound((SAMPLES / "outbound-empty.xml").read_bytes())
    assert empty["notifications"] == [] and empty["header"] == []

    contact_id = org.ids("Contact")[3]
    lead_id = org.ids("Lead")[3] if not org.record(org.ids("Lead")[3])["IsConverted"] else org.ids("Lead")[4]
    assert org.touch(contact_id, {"Title": "VP Revenue"}) == []
    assert org.touch(lead_id, {"Title": "Head of RevOps"}) == []
    assert wait_until(lambda: recorder.count(ok_only=True) >= 2, timeout_s=10)

    received = [parse_outbound(r.body) for r in recorder.requests]
    by_type = {m["notifications"][0]["type"]: m for m in received}
    sandbox_contacts, sandbox_leads = by_type["sf:Contact"], by_type["sf:Lead"]
    assert shape(sandbox_contacts) == shape(contacts)
    assert shape(sandbox_leads) == shape(leads) | {"type_prefix": {"sf"}}
    assert sandbox_contacts["header"] == HEADER
    assert sandbox_contacts["notifications"][0]["fields"]["Id"] == contact_id
    assert sandbox_contacts["notifications"][0]["fields"]["Title"] == "VP Revenue"
    assert sandbox_leads["notifications"][0]["fields"]["Title"] == "Head of RevOps"
    assert sandbox_leads["notifications"][0]["id"].startswith("04l")
    assert sandbox_contacts["organization_id"][:15] == org.org.organization_id[:15]
    request = recorder.requests[0]
    assert request.headers["content-type"].startswith("text/xml") and request.headers["soapaction"] == '""'
    assert org.wait_outbound()


def test_at_most_100_notifications_per_message(org: SalesforceSandbox, listener: Any) -> None:
    recorder, _ = listener
    contacts = org.ids("Contact")[:250]
    # Hold the org while changing: the sender renders under the same lock, so changes pile up in its queue.
    with org.org.lock:
        for contact_id in contacts:
            assert org.touch(contact_id, {"LB_Score__c": 42}) == []
    assert org.wait_outbound(timeout_s=10)
    sizes = [len(parse_outbound(r.body)["notifications"]) for r in recorder.requests]
    # However the first message is cut, at least 150 changes wait behind it: one message must be full.
    assert max(sizes) == 100 and sum(sizes) == 250
    delivered = [n["fields"]["Id"] for r in recorder.requests for n in parse_outbound(r.body)["notifications"]]
    assert sorted(delivered) == sorted(contacts)


def test_retried_until_acknowledged_with_the_latest_data(org: SalesforceSandbox, listener: Any) -> None:
    recorder, _ = listener
    recorder.fail_next(2)
    contact_id = org.ids("Contact")[5]
    with org.org.lock:
        org.touch(contact_id, {"Title": "Manager"})
        org.touch(contact_id, {"Title": "Director"})  # changed again before delivery
    assert org.wait_outbound(timeout_s=10)

    statuses = [r.status for r in recorder.requests]
    assert statuses[:2] == [503, 503] and statuses[-1] == 200
    attempts = [d.attempt for d in org.outbound.deliveries]
    assert attempts[:3] == [1, 2, 3] and org.outbound.deliveries[2].acknowledged
    first, last = parse_outbound(recorder.requests[0].body), parse_outbound(recorder.requests[2].body)
    # The same notifications are re-sent, each carrying the record's values at sending time.
    assert [n["id"] for n in first["notifications"]] == [n["id"] for n in last["notifications"]]
    assert {n["fields"]["Title"] for n in last["notifications"]} == {"Director"}


def test_a_soap_fault_is_not_an_acknowledgement(org: SalesforceSandbox, listener: Any) -> None:
    recorder, _ = listener
    fault = (SAMPLES / "fault-response.xml").read_bytes()
    answers = iter([(500, fault, "text/xml"), (200, b"<ok/>", "text/xml")])
    recorder.responder = lambda request: next(answers, None) or ack(request)
    org.touch(org.ids("Contact")[6], {"Title": "Analyst"})
    assert org.wait_outbound(timeout_s=10)
    assert [r.status for r in recorder.requests] == [500, 200, 200]
    assert [d.acknowledged for d in org.outbound.deliveries] == [False, False, True]
    assert is_ack(200, (SAMPLES / "ack-response.xml").read_bytes())
    assert not is_ack(500, fault) and not is_ack(200, fault)


def test_byte_order_mark_option_keeps_the_shape() -> None:
    fields = [("Id", "0035g0000000001AAA"), ("Email", "a@example.com"), ("Title", None)]
    plain = envelope(
        "00D5g0000000001AAA",
        "04k5g0000000001AAA",
        None,
        "https://x/c",
        "https://x/u",
        [("04l5g0000000001AAA", "Contact", fields)],
    )
    marked = envelope(
        "00D5g0000000001AAA",
        "04k5g0000000001AAA",
        None,
        "https://x/c",
        "https://x/u",
        [("04l5g0000000001AAA", "Contact", fields)],
        byte_order_mark=True,
    )
    assert marked == b"\xef\xbb\xbf" + plain
    assert parse_outbound(marked) == parse_outbound(plain)
    assert b'<SessionId xsi:nil="true"/>' in plain  # no session sent unless the action sends one
    assert "Title" not in parse_outbound(plain)["notifications"][0]["fields"]  # nulls are left out
