"""HubSpot's error responses, in the shape its v3 APIs answer them.

Source: https://developers.hubspot.com/docs/api-reference/latest/error-handling ("status", "message",
"correlationId", "category", optional "errors"/"context"); property validation errors as seen in public
reports (mautic/mautic#8785, HubSpot.NET#50): message "Property values were not valid: [...]" with
PROPERTY_DOESNT_EXIST / READ_ONLY_VALUE / INVALID_OPTION per property.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

from connector.sandbox.faults import FaultKind


@dataclass
class HubSpotApiError(Exception):
    """Raised by a route; rendered by the app's exception handler as HubSpot's JSON error body."""

    status: int
    message: str
    category: str
    sub_category: str | None = None
    context: dict[str, list[str]] | None = None
    errors: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def validation_error(message: str, **context: list[str]) -> HubSpotApiError:
    """A 400 VALIDATION_ERROR (bad limit, too many inputs, malformed body...)."""
    return HubSpotApiError(400, message, "VALIDATION_ERROR", context=context or None)


def not_found(object_label: str, object_id: str) -> HubSpotApiError:
    return HubSpotApiError(404, f"resource not found: {object_label} {object_id} does not exist", "OBJECT_NOT_FOUND")


def conflict(message: str) -> HubSpotApiError:
    """A 409, as HubSpot answers a duplicate property or property group."""
    return HubSpotApiError(409, message, "OBJECT_ALREADY_EXISTS")


@dataclass(frozen=True)
class PropertyProblem:
    """One property that cannot be written, with HubSpot's code for why."""

    name: str
    code: str  # PROPERTY_DOESNT_EXIST | READ_ONLY_VALUE | INVALID_OPTION | INVALID_INTEGER ...
    message: str


def property_values_invalid(problems: list[PropertyProblem], portal_id: int) -> HubSpotApiError:
    """HubSpot's 400 for an update naming unknown, read-only or invalid properties.

    The top-level message embeds the legacy per-property list (what most clients log); ``errors`` carries the
    structured v3 form with ``context.propertyName``.
    """
    legacy = [
        {
            "isValid": False,
            "message": p.message,
            "error": p.code,
            "name": p.name,
            "localizedErrorMessage": p.message,
            "portalId": portal_id,
        }
        for p in problems
    ]
    structured = [{"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}} for p in problems]
    return HubSpotApiError(
        400,
        "Property values were not valid: " + json.dumps(legacy, separators=(",", ":")),
        "VALIDATION_ERROR",
        errors=structured,
    )


def unauthorized() -> HubSpotApiError:
    # Wording of HubSpot's 401 for a missing or wrong private-app token.
    return HubSpotApiError(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more "
        "details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def rate_limited(policy: str, message: str) -> HubSpotApiError:
    """A 429: ``policyName`` says which limit (TEN_SECONDLY_ROLLING, SECONDLY, DAILY).

    Source: https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details (429 body with
    "errorType": "RATE_LIMIT", "policyName", "requestId").
    """
    return HubSpotApiError(
        429,
        message,
        "RATE_LIMITS",
        extra={"errorType": "RATE_LIMIT", "policyName": policy, "requestId": str(uuid.uuid4())},
    )


def fault_body(status: int, kind: FaultKind) -> tuple[bytes, dict[str, str]]:
    """How injected faults look coming from HubSpot (a 429 burst is the ten-second limit)."""
    if kind == "429":
        error = rate_limited("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
    else:
        error = HubSpotApiError(status, "internal error", "INTERNAL_ERROR")
    return json.dumps(error.body()).encode(), {}
