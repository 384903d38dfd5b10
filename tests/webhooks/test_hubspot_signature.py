"""HubSpot's public signature vectors, every one, plus the timestamp window and the URI rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.reference import HUBSPOT_VECTORS
from webhooks.hubspot_signature import (
    MAX_SKEW_MS,
    SignedRequest,
    Verdict,
    normalize_uri,
    sign_v1,
    sign_v2,
    sign_v3,
    verify,
)

DATA = json.loads(HUBSPOT_VECTORS.read_text())
SECRET = DATA["client_secret"]
VECTORS = DATA["vectors"]


def _request(vector: dict[str, Any], signature: str) -> SignedRequest:
    body = vector["body"].encode()
    uri = vector.get("uri_as_received", vector.get("uri", ""))
    if vector["version"] == "v3":
        return SignedRequest(vector["method"], uri, body, signature_v3=signature, timestamp=vector["timestamp"])
    return SignedRequest(vector.get("method", "POST"), uri, body, signature=signature,
                         signature_version=vector["version"])


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['version']}-{i}" for i, v in enumerate(VECTORS)])
def test_vector_signs_as_published(vector: dict[str, Any]) -> None:
    body = vector["body"].encode()
    if vector["version"] == "v1":
        assert sign_v1(SECRET, body) == vector["expected"]
    elif vector["version"] == "v2":
        assert sign_v2(SECRET, vector["method"], vector["uri"], body) == vector["expected"]
    else:
        uri = vector.get("uri_as_received", vector["uri"])
        assert normalize_uri(uri) == vector["uri"]
        assert sign_v3(SECRET, vector["method"], uri, body, vector["timestamp"]) == vector["expected"]


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['version']}-{i}" for i, v in enumerate(VECTORS)])
def test_vector_verifies_and_a_flipped_signature_does_not(vector: dict[str, Any]) -> None:
    now = int(vector.get("timestamp", "0")) + 1000  # an injected clock one second after the stamp
    assert verify(_request(vector, vector["expected"]), SECRET, now, allow_legacy=True) is Verdict.OK
    flipped = vector["expected"][:-2] + ("A" if vector["expected"][-2] != "A" else "B") + vector["expected"][-1]
    assert verify(_request(vector, flipped), SECRET, now, allow_legacy=True) is Verdict.BAD_SIGNATURE
    assert verify(_request(vector, vector["expected"]), "wrong-secret", now, allow_legacy=True) is Verdict.BAD_SIGNATURE


def test_published_v3_vector_is_stale_by_a_real_clock() -> None:
    import time

    vector = next(v for v in VECTORS if v["version"] == "v3")
    assert verify(_request(vector, vector["expected"]), SECRET, int(time.time() * 1000)) is Verdict.STALE


@pytest.mark.parametrize(
    ("offset_ms", "verdict"),
    [
        (0, Verdict.OK),
        (MAX_SKEW_MS, Verdict.OK),
        (MAX_SKEW_MS + 1, Verdict.STALE),
        (-MAX_SKEW_MS, Verdict.OK),
        (-MAX_SKEW_MS - 1, Verdict.FUTURE),
    ],
)
def test_five_minute_window_both_ways(offset_ms: int, verdict: Verdict) -> None:
    stamp = 1_800_000_000_000
    body = b'[{"eventId":1}]'
    request = SignedRequest("POST", "https://h.example/x", body, sign_v3("s", "POST", "https://h.example/x", body,
                                                                        str(stamp)), str(stamp))
    assert verify(request, "s", stamp + offset_ms) is verdict


@pytest.mark.parametrize("stamp", [None, "", "abc", "１２３", "1e12", "-5", "9" * 40])
def test_bad_timestamps(stamp: str | None) -> None:
    request = SignedRequest("POST", "https://h.example/x", b"[]", "c2ln", stamp)
    assert verify(request, "s", 1_800_000_000_000) is Verdict.BAD_TIMESTAMP


def test_legacy_signatures_only_when_allowed_and_missing_signature() -> None:
    vector = next(v for v in VECTORS if v["version"] == "v2" and v["method"] == "POST")
    assert verify(_request(vector, vector["expected"]), SECRET, 0) is Verdict.LEGACY_REFUSED
    assert verify(SignedRequest("POST", "u", b"[]"), SECRET, 0) is Verdict.MISSING


def test_non_ascii_signature_is_refused_not_an_error() -> None:
    stamp = "1800000000000"
    request = SignedRequest("POST", "u", b"[]", signature_v3="é" * 44, timestamp=stamp)
    assert verify(request, "s", int(stamp)) is Verdict.BAD_SIGNATURE


def test_only_the_documented_escapes_are_decoded() -> None:
    assert normalize_uri("https://x/a%3a%2F%3F%40%21%24%27%28%29%2A%2C%3B%20%25%2B") == "https://x/a:/?@!$'()*,;%20%25%2B"
