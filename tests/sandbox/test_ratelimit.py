"""Rolling-window and daily rate limits with an injected clock."""

from __future__ import annotations

from connector.sandbox.ratelimit import DailyQuota, RateLimiter


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rolling_window_admits_limit_then_refuses_until_the_oldest_expires() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock)
    remaining = []
    for _ in range(3):
        remaining.append(limiter.acquire().remaining)
        clock.now += 2
    assert remaining == [2, 1, 0]
    refused = limiter.acquire()  # at t=6: the first admission (t=0) leaves the window at t=10
    assert not refused.allowed and refused.retry_after_s == 4.0
    clock.now += 4
    assert limiter.acquire().allowed
    assert limiter.peek().remaining == 0
    clock.now += 10
    assert limiter.peek().remaining == 3


def test_time_scale_compresses_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 10.0, clock=clock, time_scale=10.0)
    assert limiter.acquire().allowed
    refused = limiter.acquire()
    assert not refused.allowed and refused.retry_after_s == 1.0 and refused.window_s == 10.0
    clock.now += 1.0
    assert limiter.acquire().allowed


def test_daily_quota_resets_at_midnight_utc() -> None:
    clock = FakeClock(86_400.0 * 100 + 86_000)  # 400 s before midnight
    quota = DailyQuota(2, clock=clock)
    assert quota.acquire().remaining == 1 and quota.acquire().remaining == 0
    refused = quota.acquire()
    assert not refused.allowed and refused.retry_after_s == 400.0
    clock.now += 400
    assert quota.acquire().allowed and quota.used == 1
    quota.used = 2
    assert not quota.acquire().allowed
