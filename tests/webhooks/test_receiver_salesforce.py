"""POST /webhooks/salesforce over real HTTP: the reference samples, the Ack, and SOAP Faults for bad input."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from connector.store import Store
from tests.support.reference import SALESFORCE_SAMPLES as SAMPLES
from tests.webhooks.helpers import ORG_ID, SALESFORCE_SECRET, stored
from webhooks.salesforce_messages import ACK, OUTBOUND_NS, SOAP_ENV_NS

XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
PATH = f"/webhooks/salesforce/{SALESFORCE_SECRET}"


def envelope(notifications: str, org: str = ORG_ID) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="{OUTBOUND_NS}">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>04k000000000001AAA</ActionId>
   {notifications}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>""".encode()


def notification(nid: str, record: str, sobject: str = "Lead") -> str:
    return (f'<Notification><Id>{nid}</Id><sObject xsi:type="sf:{sobject}" '
            f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{record}</sf:Id>'
            f"<sf:Email>a@example.com</sf:Email></sObject></Notification>")


GOOD = envelope(notification("04l000000000001AAA", "00Q000000000001AAA")
                + notification("04l000000000002AAA", "003000000000001AAA", "Contact"))


def is_ack(response: httpx.Response) -> bool:
    root = fromstring(response.content)
    return [e.text for e in root.iter(f"{{{OUTBOUND_NS}}}Ack")] == ["true"]


def test_notifications_are_stored_and_acked(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    response = client.post(PATH, content=GOOD, headers=XML)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert is_ack(response)
    assert fromstring(response.content).tag == fromstring((SAMPLES / "ack-response.xml").read_bytes()).tag
    assert sorted(e.contact_key for e in stored(sqlite_store)) == [
        "salesforce:contact:003000000000001AAA", "salesforce:lead:00Q000000000001AAA"]


def test_secret_in_a_header_instead_of_the_path(receiver: Callable[..., httpx.Client]) -> None:
    client = receiver()
    response = client.post("/webhooks/salesforce", content=GOOD,
                           headers={**XML, "X-Leadbridge-Webhook-Secret": SALESFORCE_SECRET})
    assert response.status_code == 200 and is_ack(response)


def test_redelivery_is_absorbed_and_still_acked(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    for _ in range(3):
        assert is_ack(client.post(PATH, content=GOOD, headers=XML))
    assert len(stored(sqlite_store)) == 2


@pytest.mark.parametrize(("sample", "count"), [("outbound-contacts.xml", 2), ("outbound-leads.xml", 3)])
def test_reference_samples(receiver: Callable[..., httpx.Client], sqlite_store: Store, sample: str,
                           count: int) -> None:
    body = (SAMPLES / sample).read_bytes()
    org = fromstring(body.removeprefix(b"\xef\xbb\xbf")).find(f".//{{{OUTBOUND_NS}}}OrganizationId")
    assert org is not None and org.text
    # The org configured in its 18-character form matches a message naming the 15-character one, and back.
    configured = org.text[:15] + "XYZ" if len(org.text) == 15 else org.text[:15]
    client = receiver(salesforce_organization_id=configured)
    response = client.post(PATH, content=body, headers=XML)
    assert response.status_code == 200, response.text
    assert len(stored(sqlite_store)) == count


def test_bom_is_tolerated(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    assert client.post(PATH, content=b"\xef\xbb\xbf" + GOOD, headers=XML).status_code == 200
    assert len(stored(sqlite_store)) == 2


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol4;</soapenv:Body>
</soapenv:Envelope>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&xxe;</soapenv:Body>
</soapenv:Envelope>"""

BAD: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    ("empty sample", PATH, (SAMPLES / "outbound-empty.xml").read_bytes(), XML, 400, "bad_payload"),
    ("no notifications", PATH, envelope(""), XML, 400, "bad_payload"),
    ("wrong organization", PATH, envelope(notification("04l000000000001AAA", "00Q000000000001AAA"),
                                          org="00D999999999999AAA"), XML, 403, "wrong_organization"),
    ("wrong secret", "/webhooks/salesforce/guessed", GOOD, XML, 401, "wrong_secret"),
    ("no secret", "/webhooks/salesforce", GOOD, XML, 401, "secret_missing"),
    ("billion laughs", PATH, BILLION_LAUGHS, XML, 400, "forbidden_xml"),
    ("external entity", PATH, EXTERNAL_ENTITY, XML, 400, "forbidden_xml"),
    ("malformed XML", PATH, GOOD[:-40], XML, 400, "malformed_xml"),
    ("not SOAP", PATH, b"<a/>", XML, 400, "bad_payload"),
    ("JSON content type", PATH, GOOD, {"Content-Type": "application/json"}, 415, "unsupported_media_type"),
    ("notification without Id", PATH, envelope(notification("", "00Q000000000001AAA")), XML, 400, "bad_payload"),
    ("oversized", PATH, envelope(notification("04l000000000001AAA", "00Q000000000001AAA") * 8000), XML, 413,
     "too_large"),
    ("101 notifications", PATH, envelope("".join(notification(f"04l{i:015d}", "00Q000000000001AAA")
                                                 for i in range(101))), XML, 400, "bad_payload"),
]


@pytest.mark.parametrize(("name", "path", "body", "headers", "status", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_messages_get_a_soap_fault(receiver: Callable[..., httpx.Client], sqlite_store: Store, name: str,
                                       path: str, body: bytes, headers: dict[str, str], status: int,
                                       reason: str) -> None:
    client = receiver()
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == status, response.text
    root = fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV_NS}}}Body/{{{SOAP_ENV_NS}}}Fault")
    assert fault is not None and fault.findtext("faultcode") == "soapenv:Client"
    assert response.content != ACK and SALESFORCE_SECRET not in response.text
    assert stored(sqlite_store) == []
    assert client.get("/healthz").status_code == 200
    assert f'reason="{reason}",source="salesforce"}} 1' in client.get("/metrics").text


def test_unconfigured_salesforce_is_refused_unless_insecure(receiver: Callable[..., httpx.Client],
                                                            sqlite_store: Store) -> None:
    client = receiver(salesforce_secret=None, salesforce_organization_id=None)
    assert client.post("/webhooks/salesforce", content=GOOD, headers=XML).status_code == 403
    client = receiver(salesforce_secret=None, salesforce_organization_id=None, insecure=True)
    assert client.post("/webhooks/salesforce", content=GOOD, headers=XML).status_code == 200
    assert len(stored(sqlite_store)) == 2
