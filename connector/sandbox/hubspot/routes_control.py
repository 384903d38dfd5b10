"""The sandbox's own HTTP endpoints (not HubSpot's): change contacts as users would and read counters, for
a `leadbridge sandbox` running in another process. No token, no rate limit, no injected faults.

    POST /_sandbox/hubspot/touch       {"ids": [1, 2], "properties": {"jobtitle": "CEO"}}
    POST /_sandbox/hubspot/activities  {"contactId": 1, "kind": "meeting", "detail": {"subject": "Demo"}}
    GET  /_sandbox/hubspot/stats
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.faults import CONTROL_PREFIX
from connector.sandbox.hubspot.api import json_body
from connector.sandbox.hubspot.errors import validation_error
from connector.sandbox.hubspot.timefmt import parse_ms

if TYPE_CHECKING:
    from connector.sandbox.hubspot.sandbox import HubSpotSandbox

BASE = CONTROL_PREFIX + "/hubspot"


class ControlRoutes:
    def __init__(self, sandbox: HubSpotSandbox) -> None:
        self.sandbox = sandbox

    def routes(self) -> list[Route]:
        return [
            Route(BASE + "/touch", self.touch, methods=["POST"]),
            Route(BASE + "/activities", self.add_activity, methods=["POST"]),
            Route(BASE + "/stats", self.stats, methods=["GET"]),
        ]

    async def touch(self, request: Request) -> JSONResponse:
        body = await json_body(request)
        ids = [int(i) for i in body.get("ids") or []]
        try:
            views = self.sandbox.touch(ids, body.get("properties") or None)
        except KeyError as exc:
            raise validation_error(str(exc.args[0])) from None
        return JSONResponse(
            {"contacts": [{"id": str(v.id), "updatedAt": v.properties.get("lastmodifieddate")} for v in views]}
        )

    async def add_activity(self, request: Request) -> JSONResponse:
        body = await json_body(request)
        if "contactId" not in body or "kind" not in body:
            raise validation_error("contactId and kind are required")
        occurred = body.get("occurredAt")
        at = None
        if occurred:
            ms = parse_ms(str(occurred))
            if ms is None:
                raise validation_error(f"occurredAt {occurred!r} is not a date-time")
            at = datetime.fromtimestamp(ms / 1000, UTC)
        try:
            engagement = self.sandbox.add_activity(int(body["contactId"]), str(body["kind"]), at, body.get("detail"))
        except (KeyError, ValueError) as exc:
            raise validation_error(str(exc.args[0])) from None
        return JSONResponse({"engagementId": None if engagement is None else str(engagement)})

    async def stats(self, request: Request) -> JSONResponse:
        log = self.sandbox.log
        hooks = self.sandbox.webhooks.stats
        return JSONResponse(
            {
                "requests": log.count(),
                "rateLimited": log.count(status=429),
                "errors": sum(1 for e in log.entries if e.status >= 500 or e.status == 0),
                "webhooks": {
                    "attempts": hooks.attempts,
                    "delivered": hooks.delivered,
                    "failedAttempts": hooks.failed_attempts,
                    "dead": hooks.dead,
                    "pending": self.sandbox.webhooks.pending,
                },
            }
        )
