"""Rate limits as CRMs apply them: a rolling window (HubSpot's 10-second burst limit, Salesforce's rolling
24-hour allocation) and a calendar-day quota (HubSpot's daily limit, reset at midnight).

Both take an injectable clock and a ``time_scale``: sandbox time runs ``time_scale`` times faster than the
clock, so a benchmark can compress HubSpot's 10-second window to one real second with ``time_scale=10``
while the reported window stays the documented 10,000 ms.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateDecision:
    """The verdict on one request and the numbers the CRM reports in its headers."""

    allowed: bool
    limit: int
    remaining: int
    window_s: float
    #: Seconds of real (clock) time until a slot frees up; 0 when allowed.
    retry_after_s: float = 0.0


class RateLimiter:
    """At most ``limit`` requests in any rolling window of ``window_s`` sandbox seconds.

    Keeps the timestamps of the admitted requests (at most ``limit`` of them), so memory is bounded by the
    limit. ``limit`` may be changed while running.
    """

    def __init__(
        self, limit: int, window_s: float, *, clock: Clock = time.monotonic, time_scale: float = 1.0
    ) -> None:
        if window_s <= 0 or time_scale <= 0:
            raise ValueError("window_s and time_scale must be positive")
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.time_scale = time_scale
        self._admitted: deque[float] = deque()
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self.clock() * self.time_scale

    def _expire(self, now: float) -> None:
        horizon = now - self.window_s
        while self._admitted and self._admitted[0] <= horizon:
            self._admitted.popleft()

    def acquire(self) -> RateDecision:
        """Admit one request if the window has room, and say how much room is left."""
        with self._lock:
            now = self._now()
            self._expire(now)
            if len(self._admitted) < self.limit:
                self._admitted.append(now)
                return RateDecision(True, self.limit, self.limit - len(self._admitted), self.window_s)
            oldest = self._admitted[0] if self._admitted else now
            wait = max(0.0, oldest + self.window_s - now) / self.time_scale
            return RateDecision(False, self.limit, 0, self.window_s, retry_after_s=wait)

    def peek(self) -> RateDecision:
        """The current state without admitting anything."""
        with self._lock:
            self._expire(self._now())
            remaining = max(0, self.limit - len(self._admitted))
            return RateDecision(remaining > 0, self.limit, remaining, self.window_s)

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()


class DailyQuota:
    """At most ``limit`` requests per sandbox calendar day (UTC), counted, not timestamped."""

    DAY_S = 86_400.0

    def __init__(self, limit: int, *, clock: Clock = time.time, time_scale: float = 1.0) -> None:
        self.limit = limit
        self.clock = clock
        self.time_scale = time_scale
        self._day = -1
        self._used = 0
        self._lock = threading.Lock()

    def _roll(self) -> float:
        now = self.clock() * self.time_scale
        day = int(now // self.DAY_S)
        if day != self._day:
            self._day, self._used = day, 0
        return now

    def acquire(self) -> RateDecision:
        """Count one request against today's quota if any is left."""
        with self._lock:
            now = self._roll()
            if self._used < self.limit:
                self._used += 1
                return RateDecision(True, self.limit, self.limit - self._used, self.DAY_S)
            wait = ((self._day + 1) * self.DAY_S - now) / self.time_scale
            return RateDecision(False, self.limit, 0, self.DAY_S, retry_after_s=wait)

    @property
    def used(self) -> int:
        with self._lock:
            self._roll()
            return self._used

    @used.setter
    def used(self, value: int) -> None:
        """Pretend ``value`` requests were already made today (to test a nearly spent allocation)."""
        with self._lock:
            self._roll()
            self._used = value

    def peek(self) -> RateDecision:
        with self._lock:
            self._roll()
            remaining = max(0, self.limit - self._used)
            return RateDecision(remaining > 0, self.limit, remaining, self.DAY_S)
