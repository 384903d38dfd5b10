"""Salesforce Outbound Messages: the SOAP notification -> inbox events, and the Ack / Fault answers.

Sources: SOAP API Developer Guide, "Outbound Messaging" and "Understanding the Outbound Messaging WSDL":
a ``notifications`` element (namespace http://soap.sforce.com/2005/09/outbound) carries OrganizationId,
ActionId, SessionId, EnterpriseUrl, PartnerUrl and up to 100 ``Notification``s, each with an ``Id`` (the
Notification Id, the same on every redelivery: our dedupe key) and an ``sObject`` whose ``xsi:type`` names
the object and whose fields include its ``Id``. The listener answers ``<Ack>true</Ack>``; anything else is
a failed delivery that Salesforce retries for up to 24 hours. Salesforce does not sign messages: the
caller is checked with the OrganizationId and a shared secret (see ``webhooks.app``).

Parsing is defensive: defusedxml with DTDs forbidden outright (so no entity expansion -- billion laughs
-- and no external entities), a UTF-8 byte order mark tolerated (captured messages and some proxies add
one), namespaces matched by URI or, for the sObject fields, by local name (enterprise and partner WSDLs
use different namespaces).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from connector.store.inbox import NewEvent
from webhooks.errors import Refused

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
BOM = b"\xef\xbb\xbf"
#: Salesforce puts at most 100 notifications in one message.
MAX_NOTIFICATIONS = 100
_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


@dataclass(frozen=True)
class Notification:
    id: str
    sobject: str  # the object's API name as xsi:type gives it, without the prefix: Lead, Contact
    record_id: str


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str | None
    notifications: tuple[Notification, ...]

    def events(self) -> list[NewEvent]:
        """One inbox event per notification; the dedupe key is the org and the Notification Id."""
        org15 = self.organization_id[:15]
        return [
            NewEvent(
                dedupe_key=f"salesforce:{org15}:{n.id}",
                source="salesforce",
                contact_key=f"salesforce:{n.sobject.lower()}:{n.record_id}",
                kind="change",
                payload={
                    "notificationId": n.id,
                    "sobject": n.sobject,
                    "recordId": n.record_id,
                    "organizationId": self.organization_id,
                    "actionId": self.action_id,
                },
            )
            for n in self.notifications
        ]


def parse_message(body: bytes) -> OutboundMessage:
    """Parse an outbound message; ``Refused`` (400) names the first problem."""
    try:
        root = fromstring(body.removeprefix(BOM), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Refused(
            400,
            "forbidden_xml",
            f"the XML uses a forbidden construct ({type(exc).__name__}): DTDs and entities are not accepted",
        ) from None
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: an unknown encoding declared
        raise Refused(400, "malformed_xml", f"the body is not well-formed XML: {str(exc)[:200]}") from None
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise Refused(400, "bad_payload", "the body is not a SOAP 1.1 envelope")
    found = root.find(f"{{{SOAP_ENV_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if found is None:
        raise Refused(400, "bad_payload", "the SOAP body has no outbound-message notifications element")
    organization_id = _text(found, "OrganizationId")
    if organization_id is None or not _ID.fullmatch(organization_id):
        raise Refused(400, "bad_payload", "the message has no valid OrganizationId")
    notifications = tuple(
        _notification(i, element) for i, element in enumerate(found.findall(f"{{{OUTBOUND_NS}}}Notification"))
    )
    if not notifications:
        raise Refused(400, "bad_payload", "the message has no notifications")
    if len(notifications) > MAX_NOTIFICATIONS:
        raise Refused(
            400, "bad_payload", f"the message has {len(notifications)} notifications; Salesforce sends at most 100"
        )
    return OutboundMessage(organization_id, _text(found, "ActionId"), notifications)


def _notification(index: int, element: Element) -> Notification:
    notification_id = _text(element, "Id")
    if notification_id is None or not _ID.fullmatch(notification_id):
        raise Refused(400, "bad_payload", f"notification {index} has no valid Id")
    sobject = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise Refused(400, "bad_payload", f"notification {index} has no sObject")
    type_name = (sobject.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,79}", type_name):
        raise Refused(400, "bad_payload", f"notification {index}: the sObject has no valid xsi:type")
    record_id = next((c.text.strip() for c in sobject if _local(c.tag) == "Id" and c.text), None)
    if record_id is None or not _ID.fullmatch(record_id):
        raise Refused(400, "bad_payload", f"notification {index}: the sObject has no valid Id")
    return Notification(notification_id, type_name, record_id)


def _text(parent: Element, name: str) -> str | None:
    child = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def same_organization(given: str, configured: str) -> bool:
    """Salesforce ids come in a 15-character case-sensitive form and an 18-character form that adds a
    checksum suffix: the first 15 characters identify the org."""
    return len(given) >= 15 and len(configured) >= 15 and given[:15] == configured[:15]


ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    " <soapenv:Body>\n"
    f'  <notificationsResponse xmlns="{OUTBOUND_NS}">\n'
    "   <Ack>true</Ack>\n"
    "  </notificationsResponse>\n"
    " </soapenv:Body>\n"
    "</soapenv:Envelope>\n"
).encode()


def fault(message: str, code: str = "soapenv:Client") -> bytes:
    """A SOAP 1.1 Fault: ``soapenv:Client`` when the request is wrong, ``soapenv:Server`` when we are."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        " <soapenv:Body>\n"
        "  <soapenv:Fault>\n"
        f"   <faultcode>{escape(code)}</faultcode>\n"
        f"   <faultstring>{escape(message)}</faultstring>\n"
        "   <detail />\n"
        "  </soapenv:Fault>\n"
        " </soapenv:Body>\n"
        "</soapenv:Envelope>\n"
    ).encode()
