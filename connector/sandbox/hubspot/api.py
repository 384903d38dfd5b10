"""Request parsing and response helpers shared by the HubSpot routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from connector.sandbox.hubspot.errors import validation_error

#: Batch endpoints take at most 100 inputs (source: https://developers.hubspot.com/docs/api/crm/contacts,
#: "batch ... up to 100 records").
MAX_BATCH = 100

#: Object type names as the API accepts them: plural, singular and object type id.
OBJECT_TYPES = {
    "contacts": "contacts",
    "contact": "contacts",
    "0-1": "contacts",
    "deals": "deals",
    "deal": "deals",
    "0-3": "deals",
    "emails": "emails",
    "email": "emails",
    "0-49": "emails",
    "calls": "calls",
    "call": "calls",
    "0-48": "calls",
    "meetings": "meetings",
    "meeting": "meetings",
    "0-47": "meetings",
    "notes": "notes",
    "note": "notes",
    "0-46": "notes",
    "tasks": "tasks",
    "task": "tasks",
    "0-27": "tasks",
}
ENGAGEMENT_TYPES = ("emails", "calls", "meetings", "notes", "tasks")


def object_type(raw: str) -> str:
    try:
        return OBJECT_TYPES[raw.lower()]
    except KeyError:
        raise validation_error(f"Unknown object type {raw!r}", objectType=[raw]) from None


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError as exc:
        raise validation_error(f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object")
    return body


def query_list(request: Request, name: str) -> list[str] | None:
    """A list query parameter, repeated (``a=1&a=2``) or comma-separated (``a=1,2``); None when absent."""
    raw = request.query_params.getlist(name)
    if not raw:
        return None
    return [part for item in raw for part in item.split(",") if part]


def query_bool(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


def object_id(raw: Any) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        raise validation_error(f"Object id {raw!r} is not valid: ids are numeric", id=[str(raw)]) from None
    return value


def batch_inputs(body: dict[str, Any]) -> list[Any]:
    """The ``inputs`` of a batch body, refused past 100 as HubSpot does."""
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("inputs is required and must be a list")
    if len(inputs) > MAX_BATCH:
        # HubSpot's wording for an oversized batch (seen in public reports, e.g. activepieces#9359).
        raise validation_error(
            f"The maximum number of inputs supported in a batch request is {MAX_BATCH}. "
            f"Got {len(inputs)}; please reduce the number of items and try again"
        )
    return inputs


def batch_response(
    results: list[dict[str, Any]], started: str, errors: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """A batch answer: 200 COMPLETE, or 207 Multi-Status with ``errors`` when some inputs failed."""
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": now_iso()}
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return JSONResponse(body, status_code=207)
    return JSONResponse(body)


def not_found_error(label: str, ids: list[str]) -> dict[str, Any]:
    """One per-batch error for ids that do not exist (HubSpot's OBJECT_NOT_FOUND multi-status entry)."""
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": f"Could not get some {label} objects, they may be deleted or not exist. Check that ids are valid.",
        "context": {"ids": ids},
    }
