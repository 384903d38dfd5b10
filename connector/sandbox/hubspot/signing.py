"""HubSpot webhook request signatures (v3), as the sender computes them.

Source: https://developers.hubspot.com/docs/api/webhooks/validating-requests — v3 is
base64(HMAC-SHA256(key=client secret, message=method + uri + body + timestamp)), the timestamp is the
X-HubSpot-Request-Timestamp header (epoch ms), and in the URI only %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A
%2C %3B are decoded before signing. Checked against the public vectors in
shared/reference/hubspot/signature-vectors.json by tests/sandbox/test_hubspot_webhooks.py.
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
    """The URI as HubSpot signs it: the listed escapes decoded, every other escape left as is."""
    return _ESCAPE.sub(lambda m: _DECODED[m.group(1).upper()], uri)


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: str) -> str:
    message = method.encode() + normalize_uri(uri).encode() + body + timestamp_ms.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
