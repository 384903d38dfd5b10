"""HubSpot webhook request signatures as the sender computes them: v3 (HMAC, timestamped), v2 and v1.

One implementation for both ends: the sandbox signs with it, the receiver (webhooks.hubspot_signature)
verifies with it. Source: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
- v3: base64(HMAC-SHA256(key=client secret, msg=method + URI + raw body + X-HubSpot-Request-Timestamp)), with
  only ``%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B`` decoded in the URI.
- v2: hex(SHA-256(client secret + method + URI + body)); v1: hex(SHA-256(client secret + body)).
Checked against the public vectors in shared/reference/hubspot/signature-vectors.json by the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_DECODED = {
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
_ESCAPE = re.compile(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)


def normalize_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the documented escapes decoded, every other escape left as is."""
    return _ESCAPE.sub(lambda m: _DECODED[m.group(1).upper()], uri)


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    message = method.upper().encode() + normalize_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def sign_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + method.upper().encode() + uri.encode() + body).hexdigest()


def sign_v1(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()
