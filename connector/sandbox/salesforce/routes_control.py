"""The sandbox's own HTTP endpoints (not Salesforce's): change records as users and admins would, and read
counters, for a `leadbridge sandbox` running in another process. No session, no API allocation, no faults.

    POST /_sandbox/salesforce/touch            {"ids": ["00Q..."], "fields": {"Title": "CEO"}}
    POST /_sandbox/salesforce/delete           {"ids": ["003..."]}
    POST /_sandbox/salesforce/merge            {"master": "003...", "losers": ["003..."]}
    POST /_sandbox/salesforce/lock             {"ids": ["00Q..."], "times": 1}
    POST /_sandbox/salesforce/expire-sessions
    GET  /_sandbox/salesforce/stats
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.requestlog import CONTROL_PREFIX

if TYPE_CHECKING:
    from connector.sandbox.salesforce.sandbox import SalesforceSandbox

BASE = CONTROL_PREFIX + "/salesforce"


class _BadRequest(Exception):
    pass


def control_routes(sandbox: SalesforceSandbox) -> list[Route]:
    """The control endpoints of one sandbox org."""

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            raise _BadRequest("the body must be JSON") from None
        if not isinstance(parsed, dict):
            raise _BadRequest("the body must be a JSON object")
        return parsed

    def ids(payload: dict[str, Any], key: str = "ids") -> list[str]:
        values = payload.get(key)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _BadRequest(f"{key} must be a list of record ids")
        return values

    def handle(action: Any) -> Any:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                return JSONResponse(await action(request))
            except (_BadRequest, KeyError, ValueError) as exc:
                return JSONResponse({"error": str(exc.args[0]) if exc.args else type(exc).__name__}, 400)

        return endpoint

    async def touch(request: Request) -> dict[str, Any]:
        payload = await body(request)
        fields = payload.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise _BadRequest("fields must be an object of field values")
        results = []
        for record_id in ids(payload):
            errors = sandbox.touch(record_id, fields)
            record = sandbox.record(record_id)
            results.append(
                {"id": record_id, "errors": [e.as_json() for e in errors], "SystemModstamp": record["SystemModstamp"]}
            )
        return {"records": results}

    async def delete(request: Request) -> dict[str, Any]:
        return {"deleted": [record_id for record_id in ids(await body(request)) if sandbox.delete(record_id)]}

    async def merge(request: Request) -> dict[str, Any]:
        payload = await body(request)
        master = payload.get("master")
        if not isinstance(master, str):
            raise _BadRequest("master must be a record id")
        sandbox.merge(master, ids(payload, "losers"))
        return {"master": master}

    async def lock(request: Request) -> dict[str, Any]:
        payload = await body(request)
        times = payload.get("times", 1)
        if not isinstance(times, int) or times < 1:
            raise _BadRequest("times must be a positive integer")
        sandbox.lock(ids(payload), times)
        return {"locked": ids(payload), "times": times}

    async def expire_sessions(request: Request) -> dict[str, Any]:
        sandbox.expire_tokens()
        return {"expired": True}

    async def stats(request: Request) -> dict[str, Any]:
        log = sandbox.log
        used, limit = sandbox.api_usage
        deliveries = sandbox.outbound.deliveries
        return {
            "requests": log.count(),
            "errors": sum(1 for e in log.entries if e.status >= 500 or e.status == 0),
            "apiUsage": {"used": used, "limit": limit},
            "outbound": {
                "attempts": len(deliveries),
                "acknowledged": sum(1 for d in deliveries if d.acknowledged),
                "failedAttempts": sum(1 for d in deliveries if not d.acknowledged),
                "pending": sandbox.outbound.pending,
            },
        }

    return [
        Route(BASE + "/touch", handle(touch), methods=["POST"]),
        Route(BASE + "/delete", handle(delete), methods=["POST"]),
        Route(BASE + "/merge", handle(merge), methods=["POST"]),
        Route(BASE + "/lock", handle(lock), methods=["POST"]),
        Route(BASE + "/expire-sessions", handle(expire_sessions), methods=["POST"]),
        Route(BASE + "/stats", handle(stats), methods=["GET"]),
    ]
