"""A client-side request budget that keeps leadbridge under HubSpot's limits instead of hitting them.

HubSpot counts every request against a rolling 10-second window (100 for free/starter private apps, 190 for
professional/enterprise, 250 with the API add-on) and the CRM search endpoints against their own limit of 5
requests per second (source: https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details).
A 429 costs a round trip and a wait; waiting the right amount *before* sending costs nothing, so the
budget admits a request only when the windows it falls in have room, as HubSpot will count them.

Thread-safe: the adapter reads associations and engagements of a page in parallel, all through one budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetLimits:
    """The limits to stay under. ``window_s`` is HubSpot's 10 seconds unless a sandbox compresses time."""

    per_window: int = 100
    window_s: float = 10.0
    search_per_s: int = 5
    search_window_s: float = 1.0
    #: Extra time before a slot counts as free: HubSpot counts a request when it arrives, we when we send
    #: it; arrival jitter must not put 101 requests into HubSpot's window.
    margin_s: float = 0.05


class Slot:
    """One admitted request. Its time is when it was sent until ``RateBudget.done`` moves it to when the
    answer came: HubSpot counts the request at some moment in between, so the answer's time is the safe one
    (under load a request can take longer to arrive than the one after it)."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at


class _Window:
    """The requests of the last ``span`` seconds (at most ``limit`` of them)."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.sent: deque[Slot] = deque()

    def wait(self, now: float, margin: float) -> float:
        while self.sent and self.sent[0].at + self.span + margin <= now:
            self.sent.popleft()
        if len(self.sent) < self.limit:
            return 0.0
        return self.sent[0].at + self.span + margin - now


class RateBudget:
    """Admits requests so that no rolling window ever holds more than HubSpot allows."""

    def __init__(
        self,
        limits: BudgetLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits = limits = limits or BudgetLimits()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._all = _Window(limits.per_window, limits.window_s)
        self._search = _Window(limits.search_per_s, limits.search_window_s)
        self._paused_until = 0.0
        self.waited_s = 0.0

    def acquire(self, *, search: bool = False) -> Slot:
        """Block until one more request fits, then count it as sent now; pass the slot to ``done``."""
        margin = self.limits.margin_s
        while True:
            with self._lock:
                now = self._clock()
                wait = max(self._paused_until - now, self._all.wait(now, margin))
                if search:
                    wait = max(wait, self._search.wait(now, margin))
                if wait <= 0:
                    slot = Slot(now)
                    self._all.sent.append(slot)
                    if search:
                        self._search.sent.append(slot)
                    return slot
                self.waited_s += wait
            self._sleep(wait)

    def done(self, slot: Slot) -> None:
        """The answer to the slot's request arrived (or the request failed): count it from now."""
        with self._lock:
            slot.at = max(slot.at, self._clock())

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (HubSpot said 429 anyway: another app shares the portal's limit)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def adopt(self, per_window: int) -> None:
        """Take a lower limit than configured when HubSpot reports one (X-HubSpot-RateLimit-Max): the
        portal's plan decides, and a budget above it would only earn 429s."""
        with self._lock:
            if 0 < per_window < self._all.limit:
                self._all.limit = per_window

    @property
    def per_window(self) -> int:
        return self._all.limit

    def remaining(self) -> int:
        """Requests that could be sent right now in the 10-second window."""
        with self._lock:
            self._all.wait(self._clock(), self.limits.margin_s)
            return max(0, self._all.limit - len(self._all.sent))
