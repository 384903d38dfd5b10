"""Small helpers shared by the HubSpot sandbox tests (not fixtures: those live in the sandbox plugin)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest


def api_error(call: Callable[[], Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Run a client call expected to fail; (status, JSON body, headers) of HubSpot's answer."""
    # Each hubspot-api-client sub-package has its own ApiException class, all shaped alike.
    with pytest.raises(Exception) as raised:
        call()
    exc = raised.value
    assert type(exc).__name__.endswith("Exception") and hasattr(exc, "status"), f"not an API error: {exc!r}"
    body = json.loads(exc.body) if exc.body else {}
    return exc.status, body, {k.lower(): v for k, v in dict(exc.headers or {}).items()}
