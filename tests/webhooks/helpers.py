"""Helpers for the webhook tests: the test configuration, HubSpot events, signing, and what the inbox holds."""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import SecretStr

from connector.store import Store, inbox
from webhooks.config import ReceiverConfig
from webhooks.hubspot_events import EchoGuard
from webhooks.hubspot_signature import sign_v3

HUBSPOT_SECRET = "test-client-secret"
SALESFORCE_SECRET = "s3cret-token-for-tests"
ORG_ID = "00D000000000001AAA"
PUBLIC_URL = "https://hooks.example.com"
APP_ID = "424242"
OWNED = frozenset({"lb_score", "lifecyclestage"})


def receiver_config(**overrides: Any) -> ReceiverConfig:
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "hubspot_secret": SecretStr(HUBSPOT_SECRET),
        "salesforce_secret": SecretStr(SALESFORCE_SECRET),
        "salesforce_organization_id": ORG_ID,
        "echo": EchoGuard(OWNED, APP_ID),
    }
    values.update(overrides)
    return ReceiverConfig(**values)


def stored(store: Store) -> list[inbox.InboxEvent]:
    with store.connect() as conn:
        return inbox.listing(conn, limit=100_000)


def hubspot_event(event_id: int = 1, object_id: int = 101, **fields: Any) -> dict[str, Any]:
    event = {
        "eventId": event_id, "subscriptionId": 7001, "portalId": 62515, "appId": int(APP_ID),
        "occurredAt": 1_790_000_000_000 + event_id, "subscriptionType": "contact.propertyChange",
        "attemptNumber": 0, "objectId": object_id, "changeSource": "CRM_UI", "sourceId": "userId:1",
        "propertyName": "email", "propertyValue": "a@example.com",
    }
    event.update(fields)
    return event


def signed_headers(body: bytes, *, uri: str = PUBLIC_URL + "/webhooks/hubspot", secret: str = HUBSPOT_SECRET,
                   timestamp_ms: int | None = None, method: str = "POST") -> dict[str, str]:
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": sign_v3(secret, method, uri, body, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
    }


def hubspot_body(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events), separators=(",", ":")).encode()
