"""Outbound messages: SOAP notifications POSTed to a listener when leads and contacts change.

Behaviour, from the SOAP API Developer Guide ("Outbound Messaging", "Understanding Notifications",
"Understanding the Outbound Messaging WSDL") and Salesforce Help ("Outbound Message Considerations"):
- One message carries up to 100 notifications of one outbound-message action (one object type); each has a
  Notification Id and the sObject's fields. The envelope also names OrganizationId, ActionId, SessionId
  (nil unless the action sends one), EnterpriseUrl and PartnerUrl.
- The data is read when the message is sent, not when the change happened: a record changed twice
  before delivery is delivered with its latest values (a deleted one with no fields but its Id).
- The listener must answer ``<Ack>true</Ack>`` in a notificationsResponse; anything else (an error
  status, a SOAP fault, no Ack) is a failed delivery. Failed messages are retried with an interval that
  grows exponentially up to two hours, and dropped once 24 hours old. Delivery is at least once and may be
  out of order. The request times out after 60 seconds.
``time_scale`` makes sandbox time run faster than the clock, as elsewhere in the sandbox (1000 turns two
hours into 7.2 seconds), so tests and demos see retries without waiting. The envelope layout (one-space
indentation, ``sf:`` prefix on sObject fields, Id first then fields in alphabetical order, null fields left
out) follows the captured samples in shared/reference/salesforce.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import requests
from defusedxml import ElementTree

from connector.sandbox.salesforce.ids import make_id
from connector.sandbox.salesforce.values import xml_value

OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
ENTERPRISE_SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
BOM = b"\xef\xbb\xbf"

DEFAULT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Lead": (
        "Company",
        "Country",
        "CreatedDate",
        "Email",
        "FirstName",
        "IsConverted",
        "IsDeleted",
        "LastModifiedById",
        "LastModifiedDate",
        "LastName",
        "LeadSource",
        "Status",
        "SystemModstamp",
        "Title",
    ),
    "Contact": (
        "AccountId",
        "CreatedDate",
        "Email",
        "FirstName",
        "IsDeleted",
        "LastModifiedById",
        "LastModifiedDate",
        "LastName",
        "LeadSource",
        "SystemModstamp",
        "Title",
    ),
}


@dataclass(frozen=True)
class OutboundSettings:
    """Where and how outbound messages go. ``target`` None: changes are not sent anywhere."""

    target: str | None = None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    send_session_id: bool = True
    batch_size: int = 100
    time_scale: float = 1.0  # sandbox seconds per real second: 1000 makes the two-hour cap 7.2 s
    first_retry_s: float = 30.0
    max_retry_interval_s: float = 2 * 3600.0
    max_age_s: float = 24 * 3600.0
    timeout_s: float = 60.0
    verify: bool | str = True  # TLS verification of the listener: True, False, or a CA bundle path
    # Some capture tools and proxies prefix the XML with a UTF-8 byte order mark (one of the reference samples
    # has one); listeners must cope, and this lets the sandbox send one.
    byte_order_mark: bool = False


@dataclass(frozen=True)
class Notification:
    """One queued change: which record, under which Notification Id."""

    id: str
    sobject: str
    record_id: str
    queued_at: float


@dataclass
class Delivery:
    """One POST of a message: what was sent and whether the listener acknowledged it."""

    notifications: tuple[Notification, ...]
    body: bytes
    status: int | None
    acknowledged: bool
    attempt: int
    error: str | None = None


def envelope(
    organization_id: str,
    action_id: str,
    session_id: str | None,
    enterprise_url: str,
    partner_url: str,
    notifications: Sequence[tuple[str, str, Sequence[tuple[str, Any]]]],
    byte_order_mark: bool = False,
) -> bytes:
    """The SOAP envelope of one outbound message. ``notifications``: (Notification Id, sObject type, fields)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        " <soapenv:Body>",
        f'  <notifications xmlns="{OUTBOUND_NS}">',
        f"   <OrganizationId>{escape(organization_id)}</OrganizationId>",
        f"   <ActionId>{escape(action_id)}</ActionId>",
        f"   <SessionId>{escape(session_id)}</SessionId>" if session_id else '   <SessionId xsi:nil="true"/>',
        f"   <EnterpriseUrl>{escape(enterprise_url)}</EnterpriseUrl>",
        f"   <PartnerUrl>{escape(partner_url)}</PartnerUrl>",
    ]
    for notification_id, sobject, fields in notifications:
        lines += [
            "   <Notification>",
            f"    <Id>{escape(notification_id)}</Id>",
            f'    <sObject xsi:type="sf:{escape(sobject)}" xmlns:sf="{ENTERPRISE_SOBJECT_NS}">',
        ]
        for name, value in fields:
            if value is not None:
                lines.append(f"     <sf:{name}>{escape(xml_value(value))}</sf:{name}>")
        lines += ["    </sObject>", "   </Notification>"]
    lines += ["  </notifications>", " </soapenv:Body>", "</soapenv:Envelope>", ""]
    body = "\n".join(lines).encode("utf-8")
    return BOM + body if byte_order_mark else body


def is_ack(status: int, body: bytes) -> bool:
    """Whether a listener's answer acknowledges the message: 2xx and ``<Ack>true</Ack>`` in the envelope."""
    if not 200 <= status < 300:
        return False
    try:
        root = ElementTree.fromstring(body.removeprefix(BOM))
    except Exception:  # defusedxml raises several types for hostile or broken XML
        return False
    for element in root.iter():
        if element.tag in (f"{{{OUTBOUND_NS}}}Ack", "Ack"):
            return (element.text or "").strip().lower() == "true"
    return False


@dataclass
class _Message:
    sobject: str
    notifications: tuple[Notification, ...]
    attempts: int = 0
    next_attempt: float = 0.0


class OutboundSender:
    """Queues notifications and delivers them from a background thread, retrying until acknowledged.

    ``render(sobject, record_id)`` returns the record's fields as (name, value) pairs at send time.
    """

    def __init__(
        self,
        settings: OutboundSettings,
        organization_id: str,
        instance_url: Callable[[], str],
        render: Callable[[str, str, Sequence[str]], Sequence[tuple[str, Any]]],
        session_id: Callable[[], str],
        version: str,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.organization_id = organization_id
        self.instance_url = instance_url
        self.render = render
        self.session_id = session_id
        self.version = version
        self.clock = clock
        self.action_ids = {name: make_id("04k", i) for i, name in enumerate(sorted(settings.fields))}
        self.deliveries: list[Delivery] = []
        self._queue: deque[Notification] = deque()
        self._retries: list[_Message] = []
        self._in_flight = 0
        self._counter = 0
        self._condition = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self._http.verify = settings.verify
        # Environment CA bundles would override verify (psf/requests#3829); listeners are configured explicitly.
        self._http.trust_env = False

    # -- producer side
    def notify(self, sobject: str, record_id: str) -> None:
        """Queue a notification for a changed record (ignored for objects without an outbound action)."""
        if self.settings.target is None or sobject not in self.settings.fields:
            return
        with self._condition:
            self._counter += 1
            self._queue.append(Notification(make_id("04l", self._counter), sobject, record_id, self.clock()))
            self._condition.notify_all()

    @property
    def pending(self) -> int:
        """Notifications not yet acknowledged (queued, in flight or waiting to be retried)."""
        with self._condition:
            return len(self._queue) + sum(len(m.notifications) for m in self._retries) + self._in_flight

    def acknowledged(self) -> list[Notification]:
        """Every notification a listener has acknowledged, in delivery order."""
        with self._condition:
            return [n for d in self.deliveries if d.acknowledged for n in d.notifications]

    # -- lifecycle
    def start(self) -> None:
        if self._thread is None and self.settings.target is not None:
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name="salesforce-outbound", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._http.close()

    # -- the sending thread
    def _run(self) -> None:
        while True:
            with self._condition:
                message = self._next_message()
                while message is None and not self._stopped:
                    self._condition.wait(self._wait_time())
                    message = self._next_message()
                if self._stopped or message is None:
                    return
                self._in_flight += len(message.notifications)
            delivered = self._send(message)
            with self._condition:
                self._in_flight -= len(message.notifications)
                if not delivered:
                    self._schedule_retry(message)

    def _next_message(self) -> _Message | None:
        now = self.clock()
        for message in self._retries:
            if message.next_attempt <= now:
                self._retries.remove(message)
                return message
        if not self._queue:
            return None
        sobject = self._queue[0].sobject
        batch: list[Notification] = []
        rest: deque[Notification] = deque()
        while self._queue:
            item = self._queue.popleft()
            if item.sobject == sobject and len(batch) < self.settings.batch_size:
                batch.append(item)
            else:
                rest.append(item)
        self._queue = rest
        return _Message(sobject, tuple(batch))

    def _wait_time(self) -> float | None:
        if self._queue:
            return 0.0
        if not self._retries:
            return None
        return max(0.0, min(m.next_attempt for m in self._retries) - self.clock())

    def _schedule_retry(self, message: _Message) -> None:
        scale = 1.0 / self.settings.time_scale
        age = self.clock() - min(n.queued_at for n in message.notifications)
        if age >= self.settings.max_age_s * scale:
            return  # dropped, as Salesforce drops messages older than 24 hours
        interval = min(self.settings.first_retry_s * 2 ** (message.attempts - 1), self.settings.max_retry_interval_s)
        message.next_attempt = self.clock() + interval * scale
        self._retries.append(message)
        self._condition.notify_all()

    def _send(self, message: _Message) -> bool:
        message.attempts += 1
        body = self.build(message.sobject, message.notifications)
        status: int | None = None
        error = None
        acknowledged = False
        try:
            response = self._http.post(
                self.settings.target or "",
                data=body,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
                timeout=self.settings.timeout_s,
            )
            status = response.status_code
            acknowledged = is_ack(response.status_code, response.content)
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._condition:
            self.deliveries.append(Delivery(message.notifications, body, status, acknowledged, message.attempts, error))
        return acknowledged

    def build(self, sobject: str, notifications: Iterable[Notification]) -> bytes:
        """The envelope for notifications of one object, with the records' current values."""
        base = self.instance_url()
        org15 = self.organization_id[:15]
        fields = self.settings.fields[sobject]
        return envelope(
            self.organization_id,
            self.action_ids[sobject],
            self.session_id() if self.settings.send_session_id else None,
            f"{base}/services/Soap/c/{self.version}/{org15}",
            f"{base}/services/Soap/u/{self.version}/{org15}",
            [(n.id, sobject, self.render(sobject, n.record_id, fields)) for n in notifications],
            self.settings.byte_order_mark,
        )
