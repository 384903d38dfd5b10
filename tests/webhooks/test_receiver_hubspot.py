"""POST /webhooks/hubspot over real HTTP: good batches are stored once, bad requests get a 4xx and store nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connector.store import Store
from tests.webhooks.helpers import (
    APP_ID,
    HUBSPOT_SECRET,
    PUBLIC_URL,
    hubspot_body,
    hubspot_event,
    signed_headers,
    stored,
)
from webhooks.hubspot_signature import sign_v1, sign_v2

PATH = "/webhooks/hubspot"
URI = PUBLIC_URL + PATH


def post(client: httpx.Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post(PATH, content=body, headers=headers)


def test_signed_batch_is_stored_and_acknowledged(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    body = hubspot_body(*(hubspot_event(i, object_id=100 + i % 3) for i in range(1, 101)))
    started = time.perf_counter()
    response = post(client, body, signed_headers(body))
    assert response.status_code == 200, response.text
    assert time.perf_counter() - started < 1.0
    assert response.json() == {"accepted": 100, "duplicates": 0, "ignored": 0}
    events = stored(sqlite_store)
    assert len(events) == 100
    assert {e.contact_key for e in events} == {"hubspot:contact:100", "hubspot:contact:101", "hubspot:contact:102"}
    assert all(e.status == "pending" and e.attempts == 0 for e in events)


def test_redelivered_batch_is_absorbed(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    events = [hubspot_event(i) for i in range(1, 6)]
    first = hubspot_body(*events)
    assert post(client, first, signed_headers(first)).json()["accepted"] == 5
    # HubSpot retries with attemptNumber incremented and a new timestamp/signature: the same events.
    again = hubspot_body(*({**e, "attemptNumber": 1} for e in reversed(events)))
    response = post(client, again, signed_headers(again))
    assert response.json() == {"accepted": 0, "duplicates": 5, "ignored": 0}
    assert len(stored(sqlite_store)) == 5


def test_same_event_id_on_other_subscriptions_is_not_a_duplicate(receiver: Callable[..., httpx.Client],
                                                                 sqlite_store: Store) -> None:
    # "eventId ... is not guaranteed to be unique": two subscriptions may send the same id.
    client = receiver()
    body = hubspot_body(hubspot_event(1), hubspot_event(1, subscriptionId=7002, subscriptionType="contact.creation"))
    assert post(client, body, signed_headers(body)).json()["accepted"] == 2


def test_echoes_of_our_own_writes_are_ignored(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    body = hubspot_body(
        hubspot_event(1, propertyName="lb_score", changeSource="CRM_UI"),  # a property we own
        hubspot_event(2, changeSource="INTEGRATION", sourceId=APP_ID),  # written by our app
        hubspot_event(3, subscriptionType="company.propertyChange"),  # not a contact
        hubspot_event(4),
    )
    assert post(client, body, signed_headers(body)).json() == {"accepted": 1, "duplicates": 0, "ignored": 3}
    assert [e.payload["eventId"] for e in stored(sqlite_store)] == [4]


def test_merge_and_deletion_events(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    body = hubspot_body(
        hubspot_event(1, object_id=5, subscriptionType="contact.merge", primaryObjectId=5, mergedObjectIds=[6, 7],
                      newObjectId=5),
        hubspot_event(2, object_id=9, subscriptionType="contact.deletion", changeFlag="DELETED"),
    )
    assert post(client, body, signed_headers(body)).status_code == 200
    events = {e.kind: e for e in stored(sqlite_store)}
    assert events["merge"].contact_key == "hubspot:contact:5"
    assert events["merge"].payload["mergedKeys"] == ["hubspot:contact:6", "hubspot:contact:7"]
    assert events["deletion"].contact_key == "hubspot:contact:9"


def _now_ms() -> int:
    return int(time.time() * 1000)


BODY = hubspot_body(hubspot_event(1))

BAD_REQUESTS: list[tuple[str, Callable[[], tuple[bytes, dict[str, str]]], int, str]] = [
    ("unsigned", lambda: (BODY, {"Content-Type": "application/json"}), 401, "signature_missing"),
    ("bad signature", lambda: (BODY, {**signed_headers(BODY), "X-HubSpot-Signature-v3": "A" * 44}), 401,
     "bad_signature"),
    ("wrong secret", lambda: (BODY, signed_headers(BODY, secret="not-the-secret")), 401, "bad_signature"),
    ("stale timestamp", lambda: (BODY, signed_headers(BODY, timestamp_ms=_now_ms() - 5 * 60_000 - 5_000)), 401,
     "stale_timestamp"),
    ("future timestamp", lambda: (BODY, signed_headers(BODY, timestamp_ms=_now_ms() + 5 * 60_000 + 5_000)), 401,
     "future_timestamp"),
    ("tampered body", lambda: (BODY.replace(b"101", b"102"), signed_headers(BODY)), 401, "bad_signature"),
    ("truncated body", lambda: (BODY[:-10], signed_headers(BODY)), 401, "bad_signature"),
    ("signed for another URL", lambda: (BODY, signed_headers(BODY, uri="https://evil.example.com/webhooks/hubspot")),
     401, "bad_signature"),
    ("signed for GET", lambda: (BODY, signed_headers(BODY, method="GET")), 401, "bad_signature"),
    ("wrong content type", lambda: (BODY, {**signed_headers(BODY), "Content-Type": "text/plain"}), 415,
     "unsupported_media_type"),
    ("no content type", lambda: (BODY, {k: v for k, v in signed_headers(BODY).items() if k != "Content-Type"}), 415,
     "unsupported_media_type"),
    ("malformed JSON", lambda: (b'[{"eventId":', signed_headers(b'[{"eventId":')), 400, "malformed_json"),
    ("not UTF-8", lambda: (b'["\xff"]', signed_headers(b'["\xff"]')), 400, "malformed_json"),
    ("object, not array", lambda: (b"{}", signed_headers(b"{}")), 400, "bad_payload"),
    ("empty batch", lambda: (b"[]", signed_headers(b"[]")), 400, "bad_payload"),
    ("missing objectId", lambda: (_without("objectId"), signed_headers(_without("objectId"))), 400, "bad_payload"),
    ("101 events", lambda: (_many(101), signed_headers(_many(101))), 400, "bad_payload"),
    ("oversized body", lambda: (_oversized(), signed_headers(_oversized())), 413, "too_large"),
    ("v2 signature, legacy off", lambda: (BODY, _legacy_headers("v2", BODY)), 401, "legacy_signature_refused"),
]


def _without(name: str) -> bytes:
    event = hubspot_event(1)
    del event[name]
    return hubspot_body(event)


def _many(count: int) -> bytes:
    return hubspot_body(*(hubspot_event(i) for i in range(count)))


def _oversized() -> bytes:
    return hubspot_body(hubspot_event(1, propertyValue="x" * (1024 * 1024)))


def _legacy_headers(version: str, body: bytes) -> dict[str, str]:
    signature = sign_v2(HUBSPOT_SECRET, "POST", URI, body) if version == "v2" else sign_v1(HUBSPOT_SECRET, body)
    return {"Content-Type": "application/json", "X-HubSpot-Signature": signature,
            "X-HubSpot-Signature-Version": version}


@pytest.mark.parametrize(("name", "build", "status", "reason"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_are_refused_and_store_nothing(receiver: Callable[..., httpx.Client], sqlite_store: Store,
                                                    name: str, build: Callable[[], tuple[bytes, dict[str, str]]],
                                                    status: int, reason: str) -> None:
    client = receiver()
    body, headers = build()
    response = post(client, body, headers)
    assert response.status_code == status, response.text
    assert response.json()["error"] == reason
    assert HUBSPOT_SECRET not in response.text
    assert stored(sqlite_store) == []
    assert client.get("/healthz").status_code == 200  # the process is still up
    metrics = client.get("/metrics").text
    assert f'leadbridge_webhook_requests_rejected_total{{reason="{reason}",source="hubspot"}} 1' in metrics


def test_oversized_chunked_body_is_cut_off(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver()
    big = _oversized()

    def chunks() -> Any:
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    response = client.post(PATH, content=chunks(), headers=signed_headers(big))  # no Content-Length: chunked
    assert response.status_code == 413
    assert stored(sqlite_store) == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_legacy_signatures_when_configured(receiver: Callable[..., httpx.Client], sqlite_store: Store,
                                           version: str) -> None:
    client = receiver(hubspot_legacy_signatures=True)
    assert post(client, BODY, _legacy_headers(version, BODY)).status_code == 200
    tampered = BODY.replace(b"101", b"102")
    assert post(client, tampered, _legacy_headers(version, BODY)).status_code == 401
    assert len(stored(sqlite_store)) == 1


def test_query_string_is_signed_with_partial_decoding(receiver: Callable[..., httpx.Client]) -> None:
    client = receiver()
    raw_query = "token=a%3Ab%2Cc&x=%20y"
    headers = signed_headers(BODY, uri=f"{URI}?token=a:b,c&x=%20y")
    assert client.post(f"{PATH}?{raw_query}", content=BODY, headers=headers).status_code == 200


def test_insecure_mode_accepts_unsigned_but_still_checks_signatures(receiver: Callable[..., httpx.Client],
                                                                    sqlite_store: Store) -> None:
    client = receiver(insecure=True)
    assert post(client, BODY, {"Content-Type": "application/json"}).status_code == 200
    bad = {**signed_headers(BODY), "X-HubSpot-Signature-v3": "A" * 44}
    assert post(client, hubspot_body(hubspot_event(2)), bad).status_code == 401
    assert len(stored(sqlite_store)) == 1


def test_without_a_secret_hubspot_is_refused(receiver: Callable[..., httpx.Client], sqlite_store: Store) -> None:
    client = receiver(hubspot_secret=None)
    response = post(client, BODY, signed_headers(BODY))
    assert response.status_code == 401
    assert "LEADBRIDGE_HUBSPOT_CLIENT_SECRET" in response.json()["message"]


def test_metrics_and_probes(receiver: Callable[..., httpx.Client]) -> None:
    client = receiver()
    post(client, BODY, signed_headers(BODY))
    post(client, BODY, signed_headers(BODY))
    text = client.get("/metrics").text
    assert 'leadbridge_webhook_events_accepted_total{source="hubspot"} 1' in text
    assert 'leadbridge_webhook_events_duplicate_total{source="hubspot"} 1' in text
    assert 'leadbridge_inbox_events{status="pending"} 1' in text
    assert "leadbridge_webhook_ack_seconds_count 2" in text
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").text.strip() == "ok"
