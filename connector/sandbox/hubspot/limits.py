"""HubSpot's API limits as one ASGI middleware: authentication, the rolling 10-second limit, the daily limit,
the search limit, and the X-HubSpot-RateLimit-* headers on every answer.

Source: https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details — headers
X-HubSpot-RateLimit-Daily, -Daily-Remaining, -Interval-Milliseconds, -Max, -Remaining, -Secondly,
-Secondly-Remaining; a 429 body with "policyName" (TEN_SECONDLY_ROLLING, DAILY); the search endpoints have
their own per-second limit and "don't include the standard rate limit headers". HubSpot's 429s carry no
Retry-After: the interval header says how long the window is (and urllib3, inside hubspot-api-client,
would otherwise sleep and retry GETs on its own).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.sandbox.faults import CONTROL_PREFIX
from connector.sandbox.hubspot.errors import HubSpotApiError, rate_limited, unauthorized
from connector.sandbox.hubspot.settings import HubSpotSettings
from connector.sandbox.ratelimit import DailyQuota, RateDecision, RateLimiter


class HubSpotLimits:
    """The limiters of one portal; ``settings`` values may be changed while running (tests shrink them)."""

    def __init__(self, settings: HubSpotSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        scale = settings.time_scale
        self.ten_secondly = RateLimiter(settings.rate_limit, settings.rate_window_s, clock=clock, time_scale=scale)
        self.search = RateLimiter(settings.search_rate_limit, 1.0, clock=clock, time_scale=scale)
        self.daily = DailyQuota(settings.daily_limit, time_scale=scale)

    def set_rate_limit(self, limit: int, search_limit: int | None = None, daily_limit: int | None = None) -> None:
        self.ten_secondly.limit = limit
        if search_limit is not None:
            self.search.limit = search_limit
        if daily_limit is not None:
            self.daily.limit = daily_limit

    def reset(self) -> None:
        self.ten_secondly.reset()
        self.search.reset()


def _headers(burst: RateDecision, daily: RateDecision) -> dict[str, str]:
    window_ms = int(burst.window_s * 1000)
    per_second = max(1, round(burst.limit * 1000 / window_ms))
    return {
        "X-HubSpot-RateLimit-Daily": str(daily.limit),
        "X-HubSpot-RateLimit-Daily-Remaining": str(daily.remaining),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(window_ms),
        "X-HubSpot-RateLimit-Max": str(burst.limit),
        "X-HubSpot-RateLimit-Remaining": str(burst.remaining),
        "X-HubSpot-RateLimit-Secondly": str(per_second),
        "X-HubSpot-RateLimit-Secondly-Remaining": str(min(per_second, burst.remaining)),
    }


class HubSpotLimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: HubSpotLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        settings = self.limits.settings
        token = Headers(scope=scope).get("authorization", "")
        if token != f"Bearer {settings.access_token}":
            await _answer(send, unauthorized())
            return
        is_search = scope["method"] == "POST" and scope["path"].endswith("/search")
        if is_search:
            decision = self.limits.search.acquire()
            if not decision.allowed:
                error = rate_limited("SECONDLY", "You have reached your secondly limit.")
                await _answer(send, error)
                return
        daily = self.limits.daily.acquire()
        if not daily.allowed:
            error = rate_limited("DAILY", "You have reached your daily limit.")
            await _answer(send, error, {**_headers(self.limits.ten_secondly.peek(), daily)})
            return
        burst = self.limits.ten_secondly.acquire()
        headers = {} if is_search else _headers(burst, daily)
        if not burst.allowed:
            error = rate_limited("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
            await _answer(send, error, headers)
            return
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *raw]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _answer(send: Send, error: HubSpotApiError, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(error.body()).encode()
    raw = [(b"content-type", b"application/json;charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
