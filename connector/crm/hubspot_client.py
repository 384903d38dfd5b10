"""HubSpot requests: the hubspot-api-client API objects (built once), the request budget, timeouts,
retries, and the one place where an HTTP answer becomes data or a typed error.

    api = HubSpotApi(HubSpotConfig.from_settings(get_settings()))
    body = api.call("list", api.contacts.get_page, limit=100, properties=[...])   # parsed JSON

Why not the client's models and retries:
- each ``client.crm.contacts.basic_api`` access builds a new ApiClient with a new urllib3 pool (a new TCP
  and TLS connection), so the API objects are built once here and reused;
- its urllib3 Retry does not retry POST (batch reads, search, batch updates) and ends in MaxRetryError, so
  urllib3 retries are off and ours (tenacity) cover every method;
- answers are read as JSON (``_preload_content=False``): the generated models cost more CPU than the rest of
  the sync, and the raw answer keeps the rate-limit headers.

Errors (https://developers.hubspot.com/docs/api-reference/error-handling): 429, 5xx, 423 Locked ("locks last
2 seconds") and 477 Migration in Progress (with Retry-After) and connection errors are retried; 401/403 stop
the run; 400/404/409 are the caller's to record against the records involved, never retried.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import urllib3
from hubspot import HubSpot
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception_type
from urllib3.util.retry import Retry

from connector.crm.hubspot_budget import BudgetLimits, RateBudget
from connector.errors import CrmError, FatalCrmError, RetriableCrmError, SettingsError, SkippableCrmError
from connector.settings import Settings

log = logging.getLogger(__name__)

ENGAGEMENT_TYPES: tuple[str, ...] = ("emails", "calls", "meetings", "notes", "tasks")


@dataclass(frozen=True)
class HubSpotConfig:
    """How to reach one portal. The token is a SecretStr: its repr is masked, it is never logged."""

    access_token: SecretStr
    base_url: str = "https://api.hubapi.com"
    limits: BudgetLimits = field(default_factory=BudgetLimits)
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_attempts: int = 8
    #: 429s are expected when other apps share the portal's limit: they get more attempts than failures.
    rate_limit_attempts: int = 40
    #: A Retry-After longer than this (477 migrations say up to 24 hours) stops the run instead of waiting.
    max_wait_s: float = 120.0
    backoff_s: float = 0.5

    @classmethod
    def from_settings(cls, settings: Settings) -> HubSpotConfig:
        token = settings.hubspot_access_token
        if token is None or not token.get_secret_value().strip():
            raise SettingsError(
                "LEADBRIDGE_HUBSPOT_ACCESS_TOKEN is not set: create a private app in HubSpot (Settings > "
                "Integrations > Private Apps) with the crm.objects.contacts read/write, crm.objects.deals.read "
                "and crm.schemas.contacts read/write scopes, and set its access token"
            )
        return cls(
            access_token=token,
            base_url=settings.hubspot_base_url.rstrip("/"),
            limits=BudgetLimits(per_window=settings.hubspot_rate_limit),
            read_timeout_s=settings.request_timeout_s,
        )


@dataclass
class ApiStats:
    """What the requests cost: calls by kind, 429s by policy, retries."""

    calls: Counter[str] = field(default_factory=Counter)
    rate_limited: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    last_headers: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class HubSpotApi:
    """The API objects of one portal and ``call``: budgeted, timed out, retried, parsed."""

    def __init__(self, config: HubSpotConfig, *, budget: RateBudget | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.budget = budget or RateBudget(config.limits, sleep=sleep)
        self.stats = ApiStats()
        self._sleep = sleep
        # No urllib3 retries: ours cover POST too and honour HubSpot's headers.
        client = HubSpot(access_token=config.access_token.get_secret_value(), host=config.base_url,
                         retry=Retry(total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False))
        crm = client.crm
        self.contacts = crm.contacts.basic_api
        self.contacts_batch = crm.contacts.batch_api
        self.contacts_search = crm.contacts.search_api
        self.associations = crm.associations.v4.batch_api
        self.deals_batch = crm.deals.batch_api
        # One batch API object per engagement type: the reads of a page run in parallel, each on its own pool.
        self.engagements_batch = {kind: crm.objects.batch_api for kind in ENGAGEMENT_TYPES}
        self.properties = crm.properties.core_api
        self.property_groups = crm.properties.groups_api
        self._timeout = (config.connect_timeout_s, config.read_timeout_s)

    def call(self, kind: str, method: Callable[..., Any], *args: Any, search: bool = False, **kwargs: Any) -> Any:
        """Send one request through the budget and retries; the answer's JSON (None when it has no body).

        ``kind`` names the request in the stats (``list``, ``search``, ``batch_update``...).
        """
        retrying = Retrying(
            retry=retry_if_exception_type(RetriableCrmError),
            stop=self._stop,
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(self._once, kind, method, args, kwargs, search)

    def _once(self, kind: str, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
              search: bool) -> Any:
        slot = self.budget.acquire(search=search)
        self.stats.calls[kind] += 1
        try:
            response = method(*args, _preload_content=False, _request_timeout=self._timeout, **kwargs)
            data = response.data
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise RetriableCrmError(f"HubSpot {kind}: connection failed ({type(exc).__name__})") from None
        except Exception as exc:  # the client's ApiException family (it has no common import path per API)
            status = getattr(exc, "status", None)
            if status is None:
                raise
            if not status:  # status 0: the client failed before HubSpot answered (e.g. TLS)
                raise RetriableCrmError(f"HubSpot {kind}: {getattr(exc, 'reason', exc)}") from None
            raise self._error(kind, int(status), getattr(exc, "body", None), getattr(exc, "headers", None)) from None
        finally:
            self.budget.done(slot)
        self._remember_headers(response.headers)
        return json.loads(data) if data else None

    def _remember_headers(self, headers: Any) -> None:
        limit = headers.get("X-HubSpot-RateLimit-Max") if headers is not None else None
        if limit is not None:
            self.stats.last_headers = {k: v for k, v in headers.items() if k.lower().startswith("x-hubspot-ratelimit")}
            try:
                self.budget.adopt(int(limit))
            except ValueError:
                pass

    def _stop(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        limit = self.config.rate_limit_attempts if getattr(exc, "status", None) == 429 else self.config.max_attempts
        return state.attempt_number >= limit

    def _error(self, kind: str, status: int, raw: Any, headers: Any) -> CrmError:
        body = _json(raw)
        message = str(body.get("message") or f"HTTP {status}")
        category = body.get("category")
        if headers is not None:
            self._remember_headers(headers)
        what = f"HubSpot {kind} answered {status}"
        if status == 429:
            policy = str(body.get("policyName") or "TEN_SECONDLY_ROLLING")
            self.stats.rate_limited[policy] += 1
            if policy == "DAILY":
                return FatalCrmError(f"{what}: the portal's daily API limit is spent; run again tomorrow or raise "
                                     "the limit (API add-on)", status, policy)
            wait = _retry_after(headers) or (1.0 if policy == "SECONDLY" else _interval(headers, self.config))
            # Another app may share the portal's limit: hold every request of ours, not just this one.
            self.budget.pause(wait)
            return RetriableCrmError(f"{what} ({policy}): rate limited", status, policy, retry_after=wait)
        if status in (423, 477) or status >= 500:
            after = _retry_after(headers) or (2.0 if status == 423 else None)
            return RetriableCrmError(f"{what}: {message}", status, category, retry_after=after)
        if status == 401:
            return FatalCrmError(f"{what}: the access token is not valid (check LEADBRIDGE_HUBSPOT_ACCESS_TOKEN; "
                                 "private app tokens start with pat-)", status, category)
        if status == 403:
            return FatalCrmError(f"{what}: the private app lacks a scope for this request ({message}); add the "
                                 "scope in HubSpot and copy the new token", status, category)
        error = SkippableCrmError(f"{what}: {message}", status, category)
        error.body = body  # type: ignore[attr-defined]
        return error

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = exc.retry_after if isinstance(exc, RetriableCrmError) else None
        if after is not None:
            if after > self.config.max_wait_s:
                limit = self.config.max_wait_s
                raise FatalCrmError(f"{exc}; HubSpot asks to wait {after:.0f} s, more than {limit:.0f} s: run again "
                                    "later", getattr(exc, "status", None)) from None
            return float(after)
        return float(min(self.config.backoff_s * 2 ** (state.attempt_number - 1), 30.0))

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("retrying after: %s", exc)


def _json(raw: Any) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _interval(headers: Any, config: HubSpotConfig) -> float:
    """HubSpot's 429s carry no Retry-After; the interval header (or our window) says how long to back off.
    A rolling window frees its oldest slot within the window, so a tenth of it is enough to try again."""
    raw = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds") if headers is not None else None
    try:
        window = float(raw) / 1000.0 if raw else config.limits.window_s
    except ValueError:
        window = config.limits.window_s
    return max(0.05, min(window, config.limits.window_s) / 10.0)
