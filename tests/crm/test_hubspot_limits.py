"""Rate limits and failures: the budget keeps a sync under HubSpot's limits (no 429 at all), 429s and 5xx
are retried to the same final state, and each HTTP status is classified once (table-driven)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connector.crm.hubspot_budget import BudgetLimits, RateBudget
from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
from connector.errors import CrmError, FatalCrmError, RetriableCrmError, SkippableCrmError
from connector.sandbox.faults import Faults
from connector.sandbox.hubspot import HubSpotSandbox
from tests.crm.hubspot_support import adapter_for, new_store, sync

Factory = Callable[..., HubSpotSandbox]
# 30 requests per 10 sandbox seconds, with sandbox time 10x faster: 30 a second, 3 searches a second.
LIMITED = {"contacts": 300, "rate_limit": 30, "search_rate_limit": 3, "time_scale": 10.0}


def _scores(sandbox: HubSpotSandbox) -> dict[int, tuple[Any, ...]]:
    found = {}
    for cid in sandbox.contact_ids():
        view = sandbox.contact(cid)
        assert view is not None
        found[cid] = tuple(view.properties.get(p) for p in ("lb_score", "lb_grade", "lifecyclestage"))
    return found


def test_the_budget_keeps_full_and_incremental_syncs_under_the_limits(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    sandbox = hubspot_sandbox_factory(**LIMITED)
    hubspot = adapter_for(sandbox)
    store = new_store(tmp_path)
    sync(store, hubspot, sandbox)
    sandbox.touch(sandbox.contact_ids()[:3], {"jobtitle": "VP Marketing"})
    sync(store, hubspot, sandbox)
    assert hubspot.api.stats.calls["search"] >= 1
    assert sandbox.log.count(status=429) == 0
    assert not hubspot.api.stats.rate_limited


def test_429s_and_server_errors_are_retried_to_the_same_final_state(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    calm = hubspot_sandbox_factory(contacts=200)
    sync(new_store(tmp_path, "calm.db"), adapter_for(calm), calm)

    faults = Faults(error_rate=0.05, burst_429_rate=0.03, burst_429_length=3, seed=3)
    stormy = hubspot_sandbox_factory(contacts=200, faults=faults)
    hubspot = adapter_for(stormy)
    report = sync(new_store(tmp_path, "stormy.db"), hubspot, stormy).report
    assert hubspot.api.stats.retries > 0 and hubspot.api.stats.rate_limited
    assert not report.retryable and not report.rejected
    assert _scores(stormy) == _scores(calm)


def test_a_budget_above_the_portal_limit_adopts_the_limit_hubspot_reports(
    hubspot_sandbox_factory: Factory, tmp_path: Path
) -> None:
    # Configured for 1,000 requests; the portal's plan allows 30 (X-HubSpot-RateLimit-Max says so).
    sandbox = hubspot_sandbox_factory(**LIMITED)
    hubspot = adapter_for(sandbox, per_window=1_000, search_per_s=1_000)
    report = sync(new_store(tmp_path), hubspot, sandbox).report
    assert hubspot.api.budget.per_window == 30
    assert not report.retryable and report.written_contacts == report.planned_contacts


class FakeApiException(Exception):
    """Shaped like hubspot-api-client's ApiException (each sub-package has its own class)."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status = status
        self.reason = "error"
        self.body = json.dumps(body).encode()
        self.headers = headers or {}


def _api(sleeps: list[float]) -> HubSpotApi:
    config = HubSpotConfig(SecretStr("pat-test"), "http://127.0.0.1:9", max_attempts=2, rate_limit_attempts=2,
                          backoff_s=0.01)
    return HubSpotApi(config, sleep=sleeps.append)


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (400, {"category": "VALIDATION_ERROR", "message": "bad"}, {}, SkippableCrmError),
        (404, {"category": "OBJECT_NOT_FOUND"}, {}, SkippableCrmError),
        (409, {"category": "OBJECT_ALREADY_EXISTS"}, {}, SkippableCrmError),
        (401, {"category": "INVALID_AUTHENTICATION"}, {}, FatalCrmError),
        (403, {"category": "MISSING_SCOPES"}, {}, FatalCrmError),
        (429, {"policyName": "DAILY"}, {}, FatalCrmError),
        (429, {"policyName": "TEN_SECONDLY_ROLLING"}, {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
         RetriableCrmError),
        (429, {"policyName": "SECONDLY"}, {}, RetriableCrmError),
        (423, {"category": "LOCKED"}, {}, RetriableCrmError),
        (477, {"category": "MIGRATION_IN_PROGRESS"}, {"Retry-After": "3"}, RetriableCrmError),
        (500, {}, {}, RetriableCrmError),
        (502, {}, {}, RetriableCrmError),
        (503, {}, {}, RetriableCrmError),
        (504, {}, {}, RetriableCrmError),
    ],
)
def test_each_status_is_one_kind_of_error(status: int, body: dict[str, Any], headers: dict[str, str],
                                          kind: type[CrmError]) -> None:
    sleeps: list[float] = []
    api = _api(sleeps)
    calls = []

    def method(**_: Any) -> Any:
        calls.append(1)
        raise FakeApiException(status, body, headers)

    with pytest.raises(kind):
        api.call("test", method)
    retried = kind is RetriableCrmError
    assert len(calls) == (2 if retried else 1)
    if status == 477:
        assert sleeps == [3.0]  # Retry-After honoured
    if status == 423:
        assert sleeps == [2.0]  # HubSpot's locks last 2 seconds


def test_connection_errors_are_retried() -> None:
    sleeps: list[float] = []
    api = _api(sleeps)
    with pytest.raises(RetriableCrmError):
        api.call("list", api.contacts.get_page, limit=1)  # nothing listens on port 9
    assert api.stats.calls["list"] == 2 and len(sleeps) == 1


def test_the_budget_waits_for_the_oldest_request_to_leave_each_window() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    budget = RateBudget(BudgetLimits(per_window=10, window_s=10.0, search_per_s=2, margin_s=0.0),
                        clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        budget.acquire()
    assert now[0] == 0.0 and budget.remaining() == 0
    budget.acquire()
    assert now[0] == pytest.approx(10.0)
    budget.acquire(search=True)
    budget.acquire(search=True)
    start = now[0]
    budget.acquire(search=True)
    assert now[0] - start == pytest.approx(1.0)
