"""Sandbox webhooks: v3 events in batches, signed as HubSpot signs them, retried, duplicated on request.

The signature check here is written from the public vectors' description (not the sandbox's own signer)
and proven on those vectors first, so a sandbox bug cannot hide behind a matching verifier bug.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInput

from connector.crm.hubspot_signing import sign_v3
from connector.sandbox.hubspot import HubSpotSandbox, WebhookSettings
from connector.sandbox.recorder import RecordedRequest, WebhookRecorder
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from tests.support.reference import HUBSPOT_VECTORS as VECTORS

SECRET = "test-client-secret"
FIVE_MINUTES_MS = 5 * 60 * 1000


def _decode_for_signing(uri: str) -> str:
    # "in the URI only %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B decoded before signing"
    table = {
        "3A": ":",
        "2F": "/",
        "3F": "?",
        "40": "@",
        "21": "!",
        "24": "$",
        "27": "'",
        "28": "(",
        "29": ")",
        "2A": "*",
        "2C": ",",
        "3B": ";",
    }
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: table.get(m.group(1).upper(), m.group(0)), uri)


def expected_signature(vector: dict[str, Any], secret: str) -> str:
    body = vector["body"]
    if vector["version"] == "v1":
        return hashlib.sha256((secret + body).encode()).hexdigest()
    if vector["version"] == "v2":
        return hashlib.sha256((secret + vector["method"] + vector["uri"] + body).encode()).hexdigest()
    uri = _decode_for_signing(vector.get("uri_as_received", vector["uri"]))
    message = (vector["method"] + uri + body + vector["timestamp"]).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_v3(request: RecordedRequest, secret: str, now_ms: int) -> bool:
    timestamp = request.headers["x-hubspot-request-timestamp"]
    if abs(now_ms - int(timestamp)) > FIVE_MINUTES_MS:
        return False
    vector = {
        "version": "v3",
        "method": request.method,
        "uri_as_received": request.url,
        "uri": request.url,
        "body": request.body.decode(),
        "timestamp": timestamp,
    }
    return hmac.compare_digest(expected_signature(vector, secret), request.headers["x-hubspot-signature-v3"])


def test_verifier_and_signer_agree_with_the_public_vectors() -> None:
    data = json.loads(VECTORS.read_text())
    for vector in data["vectors"]:
        assert expected_signature(vector, data["client_secret"]) == vector["expected"], vector["origin"]
        if vector["version"] == "v3":
            uri = vector.get("uri_as_received", vector["uri"])
            signed = sign_v3(data["client_secret"], vector["method"], uri, vector["body"].encode(), vector["timestamp"])
            assert signed == vector["expected"]
    stale = next(v for v in data["vectors"] if v["version"] == "v3")
    recorded = RecordedRequest(
        "POST",
        stale["uri"],
        "/webhook_uri",
        {"x-hubspot-request-timestamp": stale["timestamp"], "x-hubspot-signature-v3": stale["expected"]},
        stale["body"].encode(),
        0,
        200,
    )
    assert verify_v3(recorded, data["client_secret"], now_ms=int(stale["timestamp"]) + 1000)
    assert not verify_v3(recorded, data["client_secret"], now_ms=int(time.time() * 1000))  # stale by a real clock


@pytest.fixture()
def receiver(webhook_recorder: tuple[WebhookRecorder, SandboxServer]) -> tuple[WebhookRecorder, str]:
    recorder, server = webhook_recorder
    # An escaped ':' and ',' in the query exercise the URI decoding rule of v3 signatures.
    return recorder, server.url + "/webhooks/hubspot?token=a%3Ab%2Cc&x=%20y"


def _portal(factory: Callable[..., HubSpotSandbox], target: str, **webhook: Any) -> HubSpotSandbox:
    options = {"time_scale": 100_000, "flush_interval_s": 0.02, **webhook}
    settings = WebhookSettings(target_url=target, client_secret=SECRET, **options)
    return factory(webhooks=settings)


def _events(recorder: WebhookRecorder, ok_only: bool = True) -> list[dict[str, Any]]:
    return [e for r in recorder.requests if not ok_only or r.status < 300 for e in json.loads(r.body)]


def test_changes_arrive_as_signed_v3_batches(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], receiver: tuple[WebhookRecorder, str]
) -> None:
    recorder, target = receiver
    sandbox = _portal(hubspot_sandbox_factory, target)
    first, second, third = sandbox.contact_ids(3)
    sandbox.touch([first], {"jobtitle": "VP Marketing"})
    created = sandbox.create_contact({"email": "webhook.person@example.org"})
    sandbox.archive_contact(second)
    sandbox.merge_contacts(first, third)
    assert wait_until(lambda: len(_events(recorder)) >= 4, timeout_s=5)
    now = int(time.time() * 1000)
    for request in recorder.requests:
        assert request.method == "POST" and request.headers["content-type"] == "application/json"
        assert verify_v3(request, SECRET, now)
        assert not verify_v3(request, "another-secret", now)
    by_type = {e["subscriptionType"]: e for e in _events(recorder)}
    change = by_type["contact.propertyChange"]
    assert (
        change["objectId"] == first
        and change["propertyName"] == "jobtitle"
        and change["propertyValue"] == "VP Marketing"
    )
    assert change["changeSource"] == "CRM_UI" and change["attemptNumber"] == 0
    for field in ("eventId", "subscriptionId", "portalId", "appId", "occurredAt", "sourceId"):
        assert field in change
    assert by_type["contact.creation"]["objectId"] == created.id and by_type["contact.creation"]["changeFlag"] == "NEW"
    assert by_type["contact.deletion"]["objectId"] == second and by_type["contact.deletion"]["changeFlag"] == "DELETED"
    assert by_type["contact.merge"]["mergedObjectIds"] == [first, third]


def test_our_api_writes_come_back_tagged_with_our_app(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], receiver: tuple[WebhookRecorder, str]
) -> None:
    recorder, target = receiver
    sandbox = _portal(hubspot_sandbox_factory, target)
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    cid = sandbox.contact_ids(1)[0]
    client.crm.contacts.basic_api.update(str(cid), SimplePublicObjectInput(properties={"budget": "Approved"}))
    assert wait_until(lambda: _events(recorder), timeout_s=5)
    (event,) = _events(recorder)
    assert event["changeSource"] == "INTEGRATION" and event["sourceId"] == str(event["appId"])


def test_batches_hold_at_most_100_events(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], receiver: tuple[WebhookRecorder, str]
) -> None:
    recorder, target = receiver
    sandbox = _portal(hubspot_sandbox_factory, target, flush_interval_s=0.5)
    ids = sandbox.contact_ids(250)
    sandbox.touch(ids, {"timeline": "Within six weeks"})  # a value no synthetic contact has
    assert wait_until(lambda: len(_events(recorder)) >= 250, timeout_s=5)
    sizes = [len(json.loads(r.body)) for r in recorder.requests]
    assert max(sizes) == 100 and sum(sizes) == 250
    assert sorted(e["objectId"] for e in _events(recorder)) == sorted(ids)


def test_failed_deliveries_are_retried_with_a_higher_attempt_number(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], receiver: tuple[WebhookRecorder, str]
) -> None:
    recorder, target = receiver
    sandbox = _portal(hubspot_sandbox_factory, target)
    recorder.fail_next(2, status=500)
    sandbox.touch(sandbox.contact_ids(1), {"need": "Replace spreadsheets"})
    assert wait_until(lambda: recorder.count(ok_only=True) == 1, timeout_s=5)
    attempts = [json.loads(r.body)[0]["attemptNumber"] for r in recorder.requests]
    assert attempts == [0, 1, 2] and [r.status for r in recorder.requests] == [500, 500, 204]
    assert all(verify_v3(r, SECRET, int(time.time() * 1000)) for r in recorder.requests)
    assert wait_until(lambda: sandbox.webhooks.pending == 0, timeout_s=5)
    assert sandbox.webhooks.stats.failed_attempts == 2 and sandbox.webhooks.stats.delivered == 1


def test_duplicates_and_out_of_order_delivery_when_switched_on(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox], receiver: tuple[WebhookRecorder, str]
) -> None:
    recorder, target = receiver
    sandbox = _portal(
        hubspot_sandbox_factory, target, duplicate_rate=1.0, shuffle=True, batch_size=10, flush_interval_s=0.2
    )
    ids = sandbox.contact_ids(40)
    sandbox.touch(ids, {"authority": "Champion"})
    assert wait_until(lambda: len(_events(recorder)) >= 80, timeout_s=5)
    event_ids = [e["eventId"] for e in _events(recorder)]
    assert len(set(event_ids)) == 40 and all(event_ids.count(i) == 2 for i in set(event_ids))
    first_delivery = list(dict.fromkeys(event_ids))
    assert first_delivery != sorted(first_delivery)
