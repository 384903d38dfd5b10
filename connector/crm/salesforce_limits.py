"""The daily API budget guard: read ``Sforce-Limit-Info`` on every response, stop before a share of it is spent.

Salesforce counts API requests per org over a rolling 24 hours and answers every REST call with
``Sforce-Limit-Info: api-usage=<used>/<allocation>`` (REST API Developer Guide, "Limit Info Header"). The
allocation is shared with every other integration of the org, so a sync must not spend all of it: the guard
refuses further requests once ``stop_share`` of it is used, and the run stops cleanly — its cursor is at the
last committed page, so the next run resumes from there. Once the allocation is gone Salesforce itself answers
403 REQUEST_LIMIT_EXCEEDED ("TotalRequests Limit exceeded."), which the guard treats the same way.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from connector.errors import FatalCrmError, RunStoppedEarly

_USAGE = re.compile(r"(?:^|[;,\s])api-usage=(\d+)/(\d+)")


class ApiBudgetExhausted(FatalCrmError, RunStoppedEarly):
    """The configured share of the daily API allocation is used: stop now (the run is recorded ``partial``),
    resume next run. Fatal for the run, so that no caller retries it."""


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 1.0


def parse_limit_info(header: str | None) -> Usage | None:
    """``api-usage=18/5000`` (possibly followed by ``;per-app-api-usage=...``) -> Usage(18, 5000)."""
    if not header:
        return None
    match = _USAGE.search(header)
    return Usage(int(match.group(1)), int(match.group(2))) if match else None


class ApiBudget:
    """What the org's responses say about its daily allocation, and whether we may spend more of it.

    ``observe`` is a requests response hook (it sees every response, errors included); ``require`` is
    called before each request. Thread-safe: one budget may serve several sessions.
    """

    def __init__(self, stop_share: float = 0.9):
        if not 0 < stop_share <= 1:
            raise ValueError("stop_share is a fraction of the daily allocation, between 0 and 1")
        self.stop_share = stop_share
        self.last: Usage | None = None
        self.calls = 0  # responses seen by this process
        self.exhausted_by_org = False
        self._lock = threading.Lock()

    def observe(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        with self._lock:
            self.calls += 1
            if usage is not None:
                self.last = usage
            if response.status_code == 403 and b"REQUEST_LIMIT_EXCEEDED" in (response.content or b"") \
                    and b"TotalRequests" in response.content:
                self.exhausted_by_org = True
        return response

    @property
    def remaining(self) -> int | None:
        return None if self.last is None else max(0, self.last.limit - self.last.used)

    def spent(self) -> bool:
        """Whether the next request would go past the share we may use."""
        with self._lock:
            if self.exhausted_by_org:
                return True
            return self.last is not None and self.last.used + 1 > self.stop_share * self.last.limit

    def require(self) -> None:
        """Raise ApiBudgetExhausted when no more requests may be made."""
        if self.spent():
            raise ApiBudgetExhausted(self.describe(), code="API_BUDGET")

    def describe(self) -> str:
        last = self.last
        if self.exhausted_by_org:
            return ("Salesforce refused the request: the org's daily API allocation is spent "
                    "(REQUEST_LIMIT_EXCEEDED); the next run resumes where this one stopped")
        used = f"{last.used:,} of {last.limit:,}" if last else "unknown"
        return (f"stopped before the daily API allocation runs out: {used} requests used in the last 24 hours, "
                f"leadbridge stops at {self.stop_share:.0%}; the next run resumes where this one stopped "
                "(raise LEADBRIDGE_SALESFORCE_API_SHARE to use more of it)")
