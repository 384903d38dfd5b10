"""``SalesforceSandbox``: one emulated org served over HTTPS, with the handles tests and the demo use.

    with SalesforceSandbox(SalesforceSettings(data=DataSettings(people=5_000))) as sf:
        client = sf.client()                      # simple_salesforce.Salesforce over TLS, unmodified
        client.query("SELECT Id FROM Lead")
        sf.touch(lead_id, {"Title": "VP"})        # a user edit: outbound message, new SystemModstamp
        sf.expire_tokens()                        # next call: 401 INVALID_SESSION_ID

How a client connects (simple-salesforce builds https URLs itself, so the sandbox always serves TLS with a
local CA, and clients trust it through the ``requests.Session`` they pass in — ``sf.requests_session()``):
- with a session: ``Salesforce(instance_url=sf.url, session_id=sf.session_id, session=s)``;
- with a login: ``Salesforce(username=..., password=..., security_token=..., domain=sf.login_domain,
  session=s)`` (SOAP login) or ``consumer_key=..., consumer_secret=..., domain=sf.login_domain`` (OAuth
  client credentials); ``sf.login_domain`` is ``localhost:<port>/login``, which simple-salesforce turns into
  ``https://localhost:<port>/login.salesforce.com/...``, a path the sandbox answers;
- our adapter can also call ``{sf.url}/services/oauth2/token`` itself (password or client_credentials grant).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
import trustme

from connector.sandbox.faults import Faults
from connector.sandbox.ratelimit import RateLimiter
from connector.sandbox.requestlog import RequestLog
from connector.sandbox.salesforce.auth import Credentials, Sessions
from connector.sandbox.salesforce.bulk import BulkJobs
from connector.sandbox.salesforce.outbound import OutboundSender, OutboundSettings
from connector.sandbox.salesforce.query import QueryService
from connector.sandbox.salesforce.records import DataSettings, Org, json_record, lock_checker
from connector.sandbox.salesforce.routes import build_app
from connector.sandbox.salesforce.schema import API_VERSION
from connector.sandbox.salesforce.values import FieldError
from connector.sandbox.server import SandboxError, SandboxServer
from connector.sandbox.waiting import wait_until

DAY_S = 86_400.0


@dataclass(frozen=True)
class SalesforceSettings:
    """Everything that shapes one sandbox org. Defaults are a small, healthy Enterprise-like org."""

    data: DataSettings = field(default_factory=DataSettings)
    api_version: str = API_VERSION
    host: str = "127.0.0.1"
    port: int = 0
    # Sessions time out after this much inactivity ("Session Settings": 2 hours by default).
    session_lifetime_s: float = 2 * 3600.0
    # Daily API request allocation, a rolling 24 hours ("API Request Limits and Allocations": Enterprise
    # Edition starts at 100,000).
    daily_api_limit: int = 100_000
    # Chance that a write finds its row locked (UNABLE_TO_LOCK_ROW); seeded, so runs repeat.
    lock_rate: float = 0.0
    lock_seed: int = 0
    bulk_polls_to_complete: int = 1
    outbound: OutboundSettings = field(default_factory=OutboundSettings)
    credentials: Credentials = field(default_factory=Credentials)


class SandboxClock:
    """The org's clock: the wall clock, or ``now`` plus the time elapsed since start when ``now`` is fixed."""

    def __init__(self, now: datetime | None):
        self._base = now
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        if self._base is None:
            return datetime.now(UTC)
        return self._base + timedelta(seconds=time.monotonic() - self._started)


class SalesforceSandbox:
    """An emulated Salesforce org over HTTPS. ``start()`` (or ``with``) serves it on a free port."""

    def __init__(
        self,
        settings: SalesforceSettings | None = None,
        *,
        ca: trustme.CA | None = None,
        faults: Faults | None = None,
        log: RequestLog | None = None,
    ):
        self.settings = settings or SalesforceSettings()
        self.credentials = self.settings.credentials
        self.faults = faults or Faults()
        self.log = log or RequestLog()
        self.clock = SandboxClock(self.settings.data.now)
        self.org = Org(self.settings.data, self.clock)
        self.sessions = Sessions(self.org.organization_id, self.settings.session_lifetime_s)
        self.usage = RateLimiter(self.settings.daily_api_limit, DAY_S)
        self.queries = QueryService(self.org)
        self.bulk = BulkJobs(self.org, self.settings.bulk_polls_to_complete)
        self.forced_locks: dict[str, int] = {}
        self.lock_check = lock_checker(self.settings.lock_rate, self.settings.lock_seed, self.forced_locks)
        self.outbound = OutboundSender(
            self.settings.outbound,
            self.org.organization_id,
            lambda: self.url,
            self._outbound_fields,
            lambda: self._outbound_session,
            self.settings.api_version,
        )
        self.org.listeners.append(self._changed)
        self.server = SandboxServer(
            build_app(self), host=self.settings.host, port=self.settings.port, tls=ca or trustme.CA()
        )
        self.session_id = ""
        self._outbound_session = ""

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> SalesforceSandbox:
        self.server.start()
        self.session_id = self.sessions.issue()
        self._outbound_session = self.sessions.issue()
        self.outbound.start()
        return self

    def stop(self) -> None:
        self.outbound.stop()
        self.server.close()

    def __enter__(self) -> SalesforceSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ connecting

    @property
    def url(self) -> str:
        """The instance URL, ``https://localhost:<port>``."""
        return self.server.url

    @property
    def ca_bundle(self) -> Path:
        """The CA certificate clients must trust (PEM)."""
        if self.server.ca_bundle is None:
            raise SandboxError("the Salesforce sandbox is not started: call start() first")
        return self.server.ca_bundle

    @property
    def login_domain(self) -> str:
        """What to pass as simple-salesforce's ``domain=`` to log in to the sandbox."""
        return f"localhost:{self.server.port}/login"

    @property
    def instance(self) -> str:
        """simple-salesforce's ``instance=`` (host and port)."""
        return f"localhost:{self.server.port}"

    def requests_session(self) -> requests.Session:
        """A requests.Session that trusts the sandbox's CA (pass it to simple-salesforce as ``session=``)."""
        session = requests.Session()
        session.verify = str(self.ca_bundle)
        # With trust_env on, REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment silently replace
        # session.verify (psf/requests#3829, #4726), and proxy variables could route localhost away.
        session.trust_env = False
        return session

    def client(self, session_id: str | None = None) -> Any:
        """A simple_salesforce.Salesforce bound to this org with a live session."""
        from simple_salesforce import Salesforce

        return Salesforce(
            instance_url=self.url,
            session_id=session_id or self.session_id,
            session=self.requests_session(),
            version=self.settings.api_version,
        )

    def new_session(self) -> str:
        """A fresh session id (after ``expire_tokens``, say)."""
        return self.sessions.issue()

    # ------------------------------------------------------------------------------------ test and demo handles

    def record(self, record_id: str) -> dict[str, Any]:
        """Every field of a record as the REST API returns it (deleted records too)."""
        table, seq = self._locate(record_id)
        with self.org.lock:
            paths = [(spec.name,) for spec in table.spec.fields.values()]
            return json_record(self.org, table, seq, paths, self.settings.api_version)

    def ids(self, sobject: str, *, include_deleted: bool = False) -> list[str]:
        """Every record id of an object, in row order."""
        table = self.org.table(sobject)
        return [table.id(seq) for seq in range(len(table)) if include_deleted or not table.deleted[seq]]

    def touch(self, record_id: str, fields: Mapping[str, Any]) -> list[FieldError]:
        """A user edits a record in the UI: fields set, SystemModstamp moves, an outbound message follows."""
        table, seq = self._locate(record_id)
        return self.org.touch(table, seq, fields)

    def delete(self, record_id: str) -> bool:
        """Delete a record (to the Recycle Bin: queryAll still sees it). False if it already was."""
        table, seq = self._locate(record_id)
        return self.org.delete(table, seq)

    def merge(self, master_id: str, loser_ids: Iterable[str]) -> None:
        """Merge records of one object into ``master_id`` (losers deleted with MasterRecordId set)."""
        table, master = self._locate(master_id)
        if table.name not in ("Lead", "Contact", "Account"):
            raise ValueError(f"Salesforce merges leads, contacts and accounts, not {table.name}")
        losers = []
        for loser_id in loser_ids:
            loser_table, seq = self._locate(loser_id)
            if loser_table is not table:
                raise ValueError(f"cannot merge a {loser_table.name} into a {table.name}")
            losers.append(seq)
        self.org.merge(table, master, losers)

    def expire_tokens(self) -> None:
        """End every session: the next call with any of them answers 401 INVALID_SESSION_ID."""
        self.sessions.expire_all()

    def lock(self, record_ids: Iterable[str], times: int = 1) -> None:
        """Make the next ``times`` writes to each record fail with UNABLE_TO_LOCK_ROW."""
        for record_id in record_ids:
            self.forced_locks[record_id] = self.forced_locks.get(record_id, 0) + times

    def set_lock_rate(self, rate: float, seed: int = 0) -> None:
        """From now on, writes find their row locked with probability ``rate`` (seeded)."""
        self.lock_check = lock_checker(rate, seed, self.forced_locks)

    def set_api_limit(self, limit: int) -> None:
        """Change the daily API allocation (an admin buying more, or a test spending it quickly)."""
        self.usage.limit = limit

    @property
    def api_usage(self) -> tuple[int, int]:
        """(requests used in the last 24 hours, allocation)."""
        decision = self.usage.peek()
        return decision.limit - decision.remaining, decision.limit

    def limit_info(self) -> str:
        """The ``Sforce-Limit-Info`` header value."""
        used, limit = self.api_usage
        return f"api-usage={used}/{limit}"

    def wait_outbound(self, timeout_s: float = 10.0) -> bool:
        """Wait (polling with a deadline) until every queued outbound notification is acknowledged."""
        return wait_until(lambda: self.outbound.pending == 0, timeout_s)

    # ------------------------------------------------------------------------------------ internals

    def _locate(self, record_id: str) -> Any:
        located = self.org.locate(record_id)
        if located is None:
            raise KeyError(f"no record with id {record_id!r} in the Salesforce sandbox")
        return located

    def _changed(self, sobject: str, seq: int) -> None:
        self.outbound.notify(sobject, self.org.tables[sobject].id(seq))

    def _outbound_fields(self, sobject: str, record_id: str, fields: Iterable[str]) -> list[tuple[str, Any]]:
        table, seq = self._locate(record_id)
        with self.org.lock:
            values: list[tuple[str, Any]] = [("Id", record_id)]
            if table.deleted[seq]:
                return values  # a record deleted before delivery is sent without data
            for name in sorted(f for f in fields if f != "Id"):
                values.append((name, self.org.field(table, seq, name)))
            return values
