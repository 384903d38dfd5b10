"""The HTTP side of the Salesforce adapter: one requests.Session we own, simple-salesforce on top of it, and
every call through one function that decides what an error means.

    api = SalesforceApi.from_settings(get_settings())
    for records in api.query_pages("SELECT Id FROM Lead", include_deleted=True): ...
    api.restful("composite/sobjects", method="PATCH", json={...})

- Timeouts on every request (an adapter default; requests has none), the CA bundle setting for TLS.
- Transient failures (5xx, 429, connection errors, timeouts) are retried with exponential backoff and
  jitter, honouring Retry-After; validation and permission errors are not (``crm_error`` decides).
- INVALID_SESSION_ID: log in again once and repeat the request; a second 401 for the same request is fatal.
  simple-salesforce's own refresh would retry a persistent 401 without bound, so it is never given a login.
- Sforce-Limit-Info is read from every response (a response hook), and no request is sent once the budget
  guard says the run's share of the daily allocation is used.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import ColumnDelimiter, LineEnding, Operation, _Bulk2Client
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from connector.crm.salesforce_auth import GivenSession, Login, Token, flow_from_settings
from connector.crm.salesforce_limits import ApiBudget, ApiBudgetExhausted
from connector.errors import CrmError, FatalCrmError, RetriableCrmError
from connector.settings import Settings

T = TypeVar("T")

#: Records per Bulk API 2.0 results request (its default is 50,000 per set of results).
BULK_RESULTS_PAGE = 50_000


class _TimeoutAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless the caller chose one."""

    def __init__(self, timeout: float, **kwargs: Any):
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def make_session(timeout: float, ca_bundle: str | None, budget: ApiBudget) -> requests.Session:
    """The session every Salesforce request goes through."""
    session = requests.Session()
    adapter = _TimeoutAdapter(timeout, pool_connections=4, pool_maxsize=8)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if ca_bundle:
        session.verify = ca_bundle
        # With trust_env, REQUESTS_CA_BUNDLE in the environment would silently replace session.verify.
        session.trust_env = False
    session.hooks["response"].append(budget.observe)
    return session


def crm_error(exc: BaseException, what: str) -> CrmError:
    """The one place that decides what a failed Salesforce call means (fatal, retriable)."""
    if isinstance(exc, requests.Timeout):
        return RetriableCrmError(f"{what}: Salesforce did not answer in time")
    if isinstance(exc, requests.ConnectionError):
        return RetriableCrmError(f"{what}: cannot reach Salesforce ({type(exc).__name__})")
    if isinstance(exc, SalesforceError):
        status = int(getattr(exc, "status", 0) or 0)
        code, message = _first_error(getattr(exc, "content", None))
        text = f"{what}: Salesforce answered {status} {code}: {message}".rstrip(": ")
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED" and "TotalRequests" in message:
            return ApiBudgetExhausted(
                "Salesforce refused the request: the org's daily API allocation is spent (REQUEST_LIMIT_EXCEEDED); "
                "the next run resumes where this one stopped", status=status, code=code)
        if status in (429, 503) or status >= 500 or code in ("REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE",
                                                             "UNABLE_TO_LOCK_ROW", "QUERY_TIMEOUT"):
            return RetriableCrmError(text, status=status, code=code)
        if code == "INVALID_FIELD":
            text += " (does the mapping name a field the org lacks? run `leadbridge check --live --source salesforce`)"
        return FatalCrmError(text, status=status, code=code)
    if isinstance(exc, CrmError):
        return exc
    return FatalCrmError(f"{what}: {type(exc).__name__}: {exc}")


def _query_more(sf: Salesforce, url: str) -> dict[str, Any]:
    return sf.query_more(url, identifier_is_url=True)  # type: ignore[no-any-return]


def _first_error(content: Any) -> tuple[str, str]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode", "")), str(content.get("message", ""))
    return "", str(content or "")[:200]


class SalesforceApi:
    """simple-salesforce over our session, with refresh, retries and the budget guard around every call."""

    def __init__(self, login: Login, session: requests.Session, budget: ApiBudget, version: str, *,
                 retries: int = 4, backoff_s: float = 0.5, sleep: Callable[[float], None] = time.sleep):
        self.login = login
        self.session = session
        self.budget = budget
        self.version = version
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self._client: Salesforce | None = None
        self._client_token: Token | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, budget: ApiBudget | None = None) -> SalesforceApi:
        budget = budget or ApiBudget(settings.salesforce_api_share)
        ca = str(settings.salesforce_ca_bundle) if settings.salesforce_ca_bundle else None
        session = make_session(settings.request_timeout_s, ca, budget)
        login = Login(flow_from_settings(settings), session, settings.request_timeout_s)
        return cls(login, session, budget, settings.salesforce_api_version)

    @classmethod
    def with_session_id(cls, instance_url: str, session_id: str, *, ca_bundle: str | None, version: str,
                        budget: ApiBudget | None = None, timeout: float = 30.0) -> SalesforceApi:
        """An api over a session id already obtained (cannot renew it)."""
        budget = budget or ApiBudget()
        session = make_session(timeout, ca_bundle, budget)
        login = Login(GivenSession("session id", Token(session_id, instance_url.rstrip("/"))), session, timeout)
        return cls(login, session, budget, version)

    def close(self) -> None:
        self.session.close()

    @property
    def refreshes(self) -> int:
        """Logins after the first: sessions renewed after INVALID_SESSION_ID."""
        return max(0, self.login.logins - 1)

    # -- the one call path ----------------------------------------------------------------------------

    @property
    def client(self) -> Salesforce:
        return self.client_for(self.login.token())

    def client_for(self, token: Token) -> Salesforce:
        """simple-salesforce bound to ``token`` (rebuilt when the token changes; cheap, no request)."""
        client, bound = self._client, self._client_token
        if client is None or bound is not token:
            client = Salesforce(instance_url=token.instance_url, session_id=token.access_token,
                                session=self.session, version=self.version)
            self._client, self._client_token = client, token
        return client

    def call(self, what: str, action: Callable[[Salesforce], T]) -> T:
        """Run ``action`` with the client: budget first, one re-login on an expired session, retries for
        transient failures; anything else raised as the CrmError ``crm_error`` makes of it."""
        refreshed = False
        attempt = 0
        while True:
            self.budget.require()
            used = self.login.token()
            try:
                return action(self.client_for(used))
            except SalesforceExpiredSession:
                if refreshed:
                    raise FatalCrmError(f"{what}: Salesforce refused a freshly issued session (INVALID_SESSION_ID); "
                                        "check the integration user's access", status=401,
                                        code="INVALID_SESSION_ID") from None
                refreshed = True
                self.login.refresh(stale=used)
                continue
            except (SalesforceError, requests.RequestException) as exc:
                error = crm_error(exc, what)
            if not isinstance(error, RetriableCrmError) or attempt >= self.retries:
                raise error
            attempt += 1
            pause = error.retry_after or self.backoff_s * 2 ** (attempt - 1)
            self.sleep(pause * (0.5 + random.random()))  # jitter: several workers must not retry in step

    # -- REST ----------------------------------------------------------------------------------------

    def query(self, soql: str, include_deleted: bool = False) -> dict[str, Any]:
        return self.call("query", lambda sf: sf.query(soql, include_deleted=include_deleted))  # type: ignore[no-any-return]

    def query_pages(self, soql: str, include_deleted: bool = False, first: dict[str, Any] | None = None,
                    ) -> Iterator[list[dict[str, Any]]]:
        """The records of a query, one batch (up to 2,000) at a time, through nextRecordsUrl; ``first`` is
        the query's first answer when the caller already has it."""
        page = first if first is not None else self.query(soql, include_deleted)
        while True:
            yield page.get("records", [])
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self.call("query more", partial(_query_more, url=next_url))

    def count(self, sobject: str, where: str = "") -> int:
        soql = f"SELECT COUNT() FROM {sobject}" + (f" WHERE {where}" if where else "")
        return int(self.query(soql)["totalSize"])

    def restful(self, path: str, method: str = "GET", **kwargs: Any) -> Any:
        return self.call(f"{method} {path}", lambda sf: sf.restful(path, method=method, **kwargs))

    def describe(self, sobject: str) -> dict[str, Any]:
        return self.restful(f"sobjects/{sobject}/describe")  # type: ignore[no-any-return]

    # -- Bulk API 2.0 ---------------------------------------------------------------------------------

    def bulk_query(self, soql: str, include_deleted: bool = False, *, poll_s: float = 0.5,
                   timeout_s: float = 3600.0) -> Iterator[list[dict[str, str]]]:
        """A Bulk API 2.0 query job: create, poll until JobComplete, then the CSV results set by set, each
        as rows of text (empty text for null)."""
        operation = Operation.query_all if include_deleted else Operation.query

        def bulk(sf: Salesforce) -> _Bulk2Client:
            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + sf.session_id}
            return _Bulk2Client("", sf.bulk2_url, headers, self.session)

        job = self.call("bulk query job", lambda sf: bulk(sf).create_job(operation, soql, ColumnDelimiter.COMMA,
                                                                          LineEnding.LF))
        job_id = job["id"]
        deadline = time.monotonic() + timeout_s
        pause = 0.05
        while True:
            state = self.call("bulk job state", lambda sf: bulk(sf).get_job(job_id, True))["state"]
            if state == "JobComplete":
                break
            if state in ("Failed", "Aborted"):
                raise RetriableCrmError(f"Bulk API query job {job_id} ended {state}", code="BULK_JOB_" + state.upper())
            if time.monotonic() > deadline:
                raise RetriableCrmError(f"Bulk API query job {job_id} did not finish in {timeout_s:.0f} s")
            self.sleep(pause)
            pause = min(pause * 2, poll_s * 4)
        locator = ""
        while True:
            at = locator
            result = self.call("bulk results",
                               lambda sf: bulk(sf).get_query_results(job_id, at, BULK_RESULTS_PAGE))  # noqa: B023
            yield list(csv.DictReader(io.StringIO(result["records"])))
            locator = result["locator"]
            if not locator:
                return
