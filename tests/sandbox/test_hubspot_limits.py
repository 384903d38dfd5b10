"""Rate limits, authentication and injected faults as hubspot-api-client sees them."""

from __future__ import annotations

from collections.abc import Callable

from hubspot import HubSpot

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot_helpers import api_error

RATE_HEADERS = (
    "x-hubspot-ratelimit-daily",
    "x-hubspot-ratelimit-daily-remaining",
    "x-hubspot-ratelimit-interval-milliseconds",
    "x-hubspot-ratelimit-max",
    "x-hubspot-ratelimit-remaining",
    "x-hubspot-ratelimit-secondly",
    "x-hubspot-ratelimit-secondly-remaining",
)


def test_every_answer_carries_the_rate_limit_headers(hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    sandbox = hubspot_sandbox_factory(rate_limit=50, daily_limit=1_000)
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    _, status, headers = client.crm.contacts.basic_api.get_page_with_http_info(limit=1)
    got = {k.lower(): v for k, v in dict(headers).items()}
    assert status == 200 and all(name in got for name in RATE_HEADERS)
    assert got["x-hubspot-ratelimit-max"] == "50" and got["x-hubspot-ratelimit-remaining"] == "49"
    assert got["x-hubspot-ratelimit-interval-milliseconds"] == "10000"
    assert got["x-hubspot-ratelimit-daily"] == "1000" and got["x-hubspot-ratelimit-daily-remaining"] == "999"


def test_ten_secondly_limit_answers_429_with_policy_and_headers(
    hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
) -> None:
    sandbox = hubspot_sandbox_factory(rate_limit=3)
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    for _ in range(3):
        client.crm.contacts.basic_api.get_page(limit=1)
    status, body, headers = api_error(lambda: client.crm.contacts.basic_api.get_page(limit=1))
    assert status == 429
    assert body["status"] == "error" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT" and body["correlationId"] and body["requestId"]
    assert headers["x-hubspot-ratelimit-remaining"] == "0" and headers["x-hubspot-ratelimit-max"] == "3"
    assert "retry-after" not in headers  # HubSpot sends none; hubspot-api-client must not sleep-and-retry
    assert sandbox.log.count(status=429) == 1


def test_window_rolls_when_time_is_compressed(hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    from connector.sandbox.waiting import wait_until

    sandbox = hubspot_sandbox_factory(rate_limit=2, time_scale=200.0)  # the 10 s window lasts 50 ms
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)

    client.crm.contacts.basic_api.get_page(limit=1)
    client.crm.contacts.basic_api.get_page(limit=1)
    assert wait_until(lambda: sandbox.limits.ten_secondly.peek().remaining > 0, timeout_s=2)
    assert client.crm.contacts.basic_api.get_page(limit=1).results


def test_daily_limit(hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    sandbox = hubspot_sandbox_factory(daily_limit=2)
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    client.crm.contacts.basic_api.get_page(limit=1)
    client.crm.contacts.basic_api.get_page(limit=1)
    status, body, headers = api_error(lambda: client.crm.contacts.basic_api.get_page(limit=1))
    assert status == 429 and body["policyName"] == "DAILY"
    assert headers["x-hubspot-ratelimit-daily-remaining"] == "0"


def test_wrong_token_is_401(hubspot_sandbox: HubSpotSandbox) -> None:
    client = HubSpot(access_token="pat-wrong", host=hubspot_sandbox.url)
    status, body, _ = api_error(lambda: client.crm.contacts.basic_api.get_page(limit=1))
    assert status == 401 and body["category"] == "INVALID_AUTHENTICATION"


def test_injected_faults_look_like_hubspot(hubspot_sandbox_factory: Callable[..., HubSpotSandbox]) -> None:
    sandbox = hubspot_sandbox_factory()
    client = HubSpot(access_token=sandbox.access_token, host=sandbox.url)
    sandbox.faults.burst_429_rate, sandbox.faults.burst_429_length = 1.0, 1
    status, body, _ = api_error(lambda: client.crm.contacts.basic_api.get_page(limit=1))
    assert status == 429 and body["policyName"] == "TEN_SECONDLY_ROLLING"
    sandbox.faults.burst_429_rate, sandbox.faults.error_rate = 0.0, 1.0
    status, body, _ = api_error(lambda: client.crm.contacts.basic_api.get_page(limit=1))
    assert status == 503 and body["status"] == "error"
    sandbox.faults.error_rate = 0.0
    assert client.crm.contacts.basic_api.get_page(limit=1).results
    assert sandbox.log.count(path_prefix="/crm/v3/objects/contacts") == 3
