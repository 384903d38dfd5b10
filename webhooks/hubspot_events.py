"""HubSpot webhook batches: JSON arrays of up to 100 events -> inbox events, minus our own echoes.

Source: https://developers.hubspot.com/docs/api/webhooks (payload fields: eventId, subscriptionId,
portalId, appId, occurredAt, subscriptionType, attemptNumber, objectId, changeSource, sourceId,
propertyName, propertyValue, changeFlag; merges add primaryObjectId, mergedObjectIds, newObjectId).
- "eventId: the ID of the event ... not guaranteed to be unique": the dedupe key combines it with the
  portal, the subscription, the object, the property and occurredAt, which a redelivery keeps (only
  attemptNumber changes between attempts).
- Up to 100 events per request; order is not guaranteed, which is harmless since events are only hints:
  the worker re-reads the contact.
- Echoes: a change made through our app's API calls comes back with changeSource INTEGRATION and
  sourceId = the app id. Those, and changes to properties leadbridge writes, are not work: skipping them
  stops our own write-back from re-triggering itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connector.store.inbox import NewEvent
from webhooks.errors import Refused

#: HubSpot sends at most 100 events per request.
MAX_EVENTS = 100
_REQUIRED_INTS = ("eventId", "subscriptionId", "portalId", "occurredAt", "objectId")
_OPTIONAL_TEXT = ("propertyName", "changeSource", "sourceId", "changeFlag")


@dataclass(frozen=True)
class EchoGuard:
    """What counts as an echo of our own writes."""

    owned_properties: frozenset[str] = frozenset()
    app_id: str | None = None


@dataclass
class ParsedBatch:
    """The events to store, and how many were left out as echoes or as not about contacts."""

    events: list[NewEvent] = field(default_factory=list)
    echoes: int = 0
    other_objects: int = 0


def parse_batch(body: bytes, guard: EchoGuard, key_prefix: str = "hubspot:contact:") -> ParsedBatch:
    """Parse a request body; ``Refused`` (400) names the first problem. Nothing is partially accepted."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "malformed_json", f"the body is not valid JSON: {_short(exc)}") from None
    if not isinstance(data, list):
        raise Refused(400, "bad_payload", "the body must be a JSON array of HubSpot events")
    if not data:
        raise Refused(400, "bad_payload", "the batch has no events")
    if len(data) > MAX_EVENTS:
        raise Refused(400, "bad_payload", f"the batch has {len(data)} events; HubSpot sends at most {MAX_EVENTS}")
    parsed = ParsedBatch()
    owned, app_id = guard.owned_properties, guard.app_id
    for index, item in enumerate(data):
        if type(item) is not dict:
            raise Refused(400, "bad_payload", f"event {index} is not a JSON object")
        _check_event(index, item)
        kind = _contact_kind(item)
        if kind is None:
            parsed.other_objects += 1
            continue
        if (app_id is not None and str(item.get("sourceId", "")) == app_id) or item.get("propertyName") in owned:
            parsed.echoes += 1
            continue
        parsed.events.append(_event(item, kind, key_prefix))
    return parsed


def _check_event(index: int, item: dict[str, Any]) -> None:
    for name in _REQUIRED_INTS:
        value = item.get(name)
        # type() rather than isinstance: bool is an int in Python, and HubSpot ids never are.
        if type(value) is not int or value < 0:
            raise Refused(400, "bad_payload", f"event {index}: {name} must be a non-negative integer")
    if type(item.get("subscriptionType")) is not str or not item["subscriptionType"]:
        raise Refused(400, "bad_payload", f"event {index}: subscriptionType must be a string")
    for name in _OPTIONAL_TEXT:
        value = item.get(name)
        if value is not None and type(value) is not str and type(value) is not int:
            raise Refused(400, "bad_payload", f"event {index}: {name} must be a string")
    merged = item.get("mergedObjectIds")
    if merged is not None and (type(merged) is not list or any(type(m) is not int for m in merged)):
        raise Refused(400, "bad_payload", f"event {index}: mergedObjectIds must be a list of integers")
    for name in ("primaryObjectId", "newObjectId"):
        value = item.get(name)
        if value is not None and type(value) is not int:
            raise Refused(400, "bad_payload", f"event {index}: {name} must be an integer")


def _contact_kind(item: dict[str, Any]) -> str | None:
    """``change``, ``deletion`` or ``merge`` for contact events; None for other objects."""
    object_type, _, action = item["subscriptionType"].partition(".")
    # The newer generic subscriptions say "object.<action>" with objectTypeId 0-1 for contacts.
    if object_type == "object" and item.get("objectTypeId") == "0-1":
        object_type = "contact"
    if object_type != "contact":
        return None
    if action == "deletion" or action == "privacyDeletion":
        return "deletion"
    if action == "merge":
        return "merge"
    return "change"


def _event(item: dict[str, Any], kind: str, key_prefix: str) -> NewEvent:
    subject = item["objectId"]
    if kind == "merge":
        # The surviving record: newObjectId when HubSpot created one, else the primary.
        subject = item.get("newObjectId") or item.get("primaryObjectId") or subject
    dedupe = (
        f"hubspot:{item['portalId']}:{item['subscriptionId']}:{item['eventId']}:{item['objectId']}:"
        f"{item['occurredAt']}:{item.get('propertyName') or ''}"
    )
    payload = item
    payload.pop("attemptNumber", None)  # the only field that changes between deliveries of one event
    if kind == "merge":
        payload["mergedKeys"] = [f"{key_prefix}{m}" for m in _merged_away(item, subject)]
    return NewEvent(
        dedupe_key=dedupe if len(dedupe) <= 255 else _bounded(dedupe),
        source="hubspot",
        contact_key=f"{key_prefix}{subject}",
        kind=kind,
        payload=payload,
        occurred_at=_from_ms(item["occurredAt"]),
    )


def _merged_away(item: dict[str, Any], survivor: int) -> list[int]:
    ids = set(item.get("mergedObjectIds") or [])
    for name in ("primaryObjectId", "objectId"):
        if isinstance(item.get(name), int):
            ids.add(item[name])
    ids.discard(survivor)
    return sorted(ids)


def _from_ms(value: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _bounded(key: str) -> str:
    """Dedupe keys fit the column; a long property name is hashed rather than cut (cutting could collide)."""
    if len(key) <= 255:
        return key
    return key[:200] + ":" + hashlib.sha256(key.encode()).hexdigest()


def _short(exc: BaseException) -> str:
    return str(exc)[:200]
