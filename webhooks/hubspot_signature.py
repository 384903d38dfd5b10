"""HubSpot webhook request signatures: v3 (HMAC, timestamped) and the legacy v1/v2 hashes.

Source: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
- v3: base64(HMAC-SHA256(key=client secret, msg=method + URI + raw body + X-HubSpot-Request-Timestamp)).
  The URI is the one HubSpot called, with only ``%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B`` decoded
  (every other escape stays as sent). Requests whose timestamp is more than 5 minutes old are rejected; we
  also reject ones more than 5 minutes in the future, since a signed future timestamp would otherwise stay
  replayable for as long as it is ahead.
- v2: hex(SHA-256(client secret + method + URI + body)); v1: hex(SHA-256(client secret + body)), named by
  ``X-HubSpot-Signature-Version``. They carry no timestamp, so a captured request can be replayed forever:
  accepted only when configured (legacy apps), and the inbox's dedupe absorbs replays of events we have seen.

Comparisons are constant-time (``hmac.compare_digest``). Pure: no I/O, the clock is an argument.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass

# Signing lives with the sender's side in connector (the sandbox signs with it too); re-exported for callers.
from connector.crm.hubspot_signing import normalize_uri as normalize_uri
from connector.crm.hubspot_signing import sign_v1 as sign_v1
from connector.crm.hubspot_signing import sign_v2 as sign_v2
from connector.crm.hubspot_signing import sign_v3 as sign_v3

#: How far the request timestamp may be from our clock, either way.
MAX_SKEW_MS = 5 * 60 * 1000



class Verdict(enum.Enum):
    """Why a request was accepted or refused; the values are the metrics' ``reason`` labels."""

    OK = "ok"
    MISSING = "signature_missing"
    BAD_SIGNATURE = "bad_signature"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE = "stale_timestamp"
    FUTURE = "future_timestamp"
    LEGACY_REFUSED = "legacy_signature_refused"


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers, as received: header values may be None when absent."""

    method: str
    uri: str
    body: bytes
    signature_v3: str | None = None
    timestamp: str | None = None
    signature: str | None = None  # X-HubSpot-Signature (v1/v2)
    signature_version: str | None = None  # X-HubSpot-Signature-Version


def verify(request: SignedRequest, secret: str, now_ms: int, *, allow_legacy: bool = False) -> Verdict:
    """Check ``request`` against the app's client secret; v3 wins when present."""
    if request.signature_v3 is not None:
        return _verify_v3(request, secret, now_ms)
    if request.signature is None:
        return Verdict.MISSING
    if not allow_legacy:
        return Verdict.LEGACY_REFUSED
    version = (request.signature_version or "v1").lower()
    if version == "v2":
        expected = sign_v2(secret, request.method, request.uri, request.body)
    elif version == "v1":
        expected = sign_v1(secret, request.body)
    else:
        return Verdict.BAD_SIGNATURE
    return Verdict.OK if _same(expected, request.signature.lower()) else Verdict.BAD_SIGNATURE


def _verify_v3(request: SignedRequest, secret: str, now_ms: int) -> Verdict:
    stamp = (request.timestamp or "").strip()
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 15:
        return Verdict.BAD_TIMESTAMP
    age = now_ms - int(stamp)
    if age > MAX_SKEW_MS:
        return Verdict.STALE
    if age < -MAX_SKEW_MS:
        return Verdict.FUTURE
    assert request.signature_v3 is not None
    expected = sign_v3(secret, request.method, request.uri, request.body, stamp)
    return Verdict.OK if _same(expected, request.signature_v3.strip()) else Verdict.BAD_SIGNATURE


def _same(expected: str, given: str) -> bool:
    # compare_digest on bytes: on str it raises for non-ASCII input, which an attacker controls.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))
