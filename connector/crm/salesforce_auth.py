"""Logging in to Salesforce: OAuth 2.0 client credentials, JWT bearer, username-password; one refresh per expiry.

Flows, in the order Salesforce recommends them for a server-to-server integration (Salesforce Help, "OAuth
Authorization Flows"):
- client credentials (``grant_type=client_credentials``): a connected app with a run-as user; needs the org's
  My Domain URL (``LEADBRIDGE_SALESFORCE_INSTANCE_URL``), as the flow is refused on login.salesforce.com;
- JWT bearer (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``): an RS256-signed assertion with
  iss = the connected app's consumer key, sub = the username, aud = the login host, a short exp;
- username-password (``grant_type=password``, the password followed by the security token), for older orgs;
  without a connected app, the SOAP ``login()`` through simple-salesforce.

A token answer gives ``access_token`` and ``instance_url``. Sessions expire after inactivity; the API then
answers 401 INVALID_SESSION_ID. ``Login.refresh`` gets a new token; callers refresh at most once per request
(simple-salesforce's own refresh retries without bound on a persistent 401).
Secrets are never put into messages.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests

from connector.errors import FatalCrmError, RetriableCrmError, SettingsError
from connector.settings import Settings


@dataclass(frozen=True)
class Token:
    """A live session: the bearer token and the org's instance URL."""

    access_token: str
    instance_url: str

    def __repr__(self) -> str:  # never print the token
        return f"Token(instance_url={self.instance_url!r})"


class Flow(Protocol):
    """One way of getting a token."""

    @property
    def name(self) -> str: ...

    def login(self, session: requests.Session, timeout: float) -> Token: ...


def login_host(domain: str) -> str:
    """``login`` -> ``https://login.salesforce.com``; ``test`` for sandboxes; ``acme.my`` for My Domain.

    simple-salesforce's convention, which the local sandbox follows: ``localhost:8443/login`` becomes
    ``https://localhost:8443/login.salesforce.com``.
    """
    domain = domain.strip().rstrip("/")
    if domain.startswith("https://"):
        return domain
    return f"https://{domain}.salesforce.com"


@dataclass(frozen=True)
class OAuthFlow:
    """The OAuth 2.0 token endpoint with a form: client credentials, password or JWT bearer."""

    name: str
    token_url: str
    form: tuple[tuple[str, str], ...]

    def login(self, session: requests.Session, timeout: float) -> Token:
        return _request_token(session, self.token_url, dict(self.form), self.name, timeout)


@dataclass(frozen=True)
class JwtFlow:
    """JWT bearer: the assertion is signed fresh for every login (it expires in minutes)."""

    name: str
    token_url: str
    audience: str
    client_id: str
    username: str
    private_key_file: Path

    def assertion(self, now: float | None = None) -> str:
        import jwt  # pyjwt, a dependency of simple-salesforce

        issued = int(now if now is not None else time.time())
        try:
            key = self.private_key_file.read_text()
        except OSError as exc:
            raise SettingsError(
                f"LEADBRIDGE_SALESFORCE_PRIVATE_KEY_FILE {self.private_key_file}: {exc.strerror}") from None
        # Salesforce Help, "OAuth 2.0 JWT Bearer Flow": exp within 3 minutes, aud the login host.
        claims = {"iss": self.client_id, "sub": self.username, "aud": self.audience, "exp": issued + 180}
        return str(jwt.encode(claims, key, algorithm="RS256"))

    def login(self, session: requests.Session, timeout: float) -> Token:
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": self.assertion()}
        return _request_token(session, self.token_url, form, self.name, timeout)


@dataclass(frozen=True)
class SoapFlow:
    """Username, password and security token through SOAP login() (no connected app needed)."""

    name: str
    username: str
    password: str
    security_token: str
    domain: str
    version: str

    def login(self, session: requests.Session, timeout: float) -> Token:
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed
        from simple_salesforce.login import SalesforceLogin

        try:
            session_id, instance = SalesforceLogin(username=self.username, password=self.password,
                                                   security_token=self.security_token, domain=self.domain,
                                                   session=session, sf_version=self.version)
        except SalesforceAuthenticationFailed as exc:
            raise FatalCrmError(f"Salesforce login (username-password) refused: {exc.code}; check "
                                "LEADBRIDGE_SALESFORCE_USERNAME, _PASSWORD and _SECURITY_TOKEN",
                                code=str(exc.code)) from None
        except requests.RequestException as exc:
            raise RetriableCrmError(f"Salesforce login failed to connect: {type(exc).__name__}") from None
        return Token(session_id, f"https://{instance}")


@dataclass(frozen=True)
class GivenSession:
    """A session id handed in (tests, the demo): cannot be renewed."""

    name: str
    token: Token

    def login(self, session: requests.Session, timeout: float) -> Token:
        return self.token


def _request_token(session: requests.Session, url: str, form: dict[str, str], name: str, timeout: float) -> Token:
    """POST an OAuth token request; a connection failure is retriable, the answer is read by ``_token``."""
    try:
        response = session.post(url, data=form, timeout=timeout)
    except requests.RequestException as exc:
        raise RetriableCrmError(f"Salesforce login ({name}) failed to connect: {type(exc).__name__}") from None
    return _token(response, name)


def _token(response: requests.Response, flow: str) -> Token:
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 500:
        raise RetriableCrmError(f"Salesforce login ({flow}) answered {response.status_code}; try again later",
                                status=response.status_code)
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = body.get("error", "unknown_error") if isinstance(body, dict) else "unknown_error"
        detail = body.get("error_description", "") if isinstance(body, dict) else ""
        raise FatalCrmError(
            f"Salesforce login ({flow}) refused: {error} ({detail}); check the LEADBRIDGE_SALESFORCE_* credentials "
            "and that the connected app allows this flow", status=response.status_code, code=str(error))
    return Token(str(body["access_token"]), str(body["instance_url"]).rstrip("/"))


def flow_from_settings(settings: Settings) -> Flow:
    """The login flow the settings describe (JWT, then client credentials, then username-password)."""
    s = settings
    secret = s.salesforce_client_secret.get_secret_value() if s.salesforce_client_secret else None
    password = s.salesforce_password.get_secret_value() if s.salesforce_password else None
    security_token = s.salesforce_security_token.get_secret_value() if s.salesforce_security_token else ""
    host = login_host(s.salesforce_domain)
    if s.salesforce_private_key_file and s.salesforce_client_id and s.salesforce_username:
        token_host = s.salesforce_instance_url or host
        return JwtFlow("jwt", f"{token_host.rstrip('/')}/services/oauth2/token", host, s.salesforce_client_id,
                       s.salesforce_username, s.salesforce_private_key_file)
    if s.salesforce_client_id and secret and not password:
        # Client credentials are refused on login.salesforce.com: the token comes from the org's My Domain.
        token_host = s.salesforce_instance_url or host
        grant: tuple[tuple[str, str], ...] = (
            ("grant_type", "client_credentials"), ("client_id", s.salesforce_client_id), ("client_secret", secret))
        return OAuthFlow("client credentials", f"{token_host.rstrip('/')}/services/oauth2/token", grant)
    if s.salesforce_username and password:
        if s.salesforce_client_id and secret:
            form = (("grant_type", "password"), ("client_id", s.salesforce_client_id), ("client_secret", secret),
                    ("username", s.salesforce_username), ("password", password + security_token))
            return OAuthFlow("username-password", f"{host}/services/oauth2/token", form)
        return SoapFlow("username-password (SOAP)", s.salesforce_username, password, security_token,
                        s.salesforce_domain, s.salesforce_api_version)
    raise SettingsError(
        "no Salesforce credentials: set LEADBRIDGE_SALESFORCE_CLIENT_ID and _CLIENT_SECRET (client credentials, "
        "with LEADBRIDGE_SALESFORCE_INSTANCE_URL = your My Domain URL), or _CLIENT_ID, _USERNAME and "
        "_PRIVATE_KEY_FILE (JWT bearer), or _USERNAME, _PASSWORD and _SECURITY_TOKEN"
    )


class Login:
    """The current token of one flow, renewed on demand."""

    def __init__(self, flow: Flow, session: requests.Session, timeout: float = 30.0):
        self.flow = flow
        self.session = session
        self.timeout = timeout
        self.logins = 0
        self._token: Token | None = None
        self._lock = threading.Lock()

    @property
    def renewable(self) -> bool:
        return not isinstance(self.flow, GivenSession)

    def token(self) -> Token:
        with self._lock:
            if self._token is None:
                self._token = self.flow.login(self.session, self.timeout)
                self.logins += 1
            return self._token

    def refresh(self, stale: Token | None = None) -> Token:
        """A new token after INVALID_SESSION_ID on ``stale``; FatalCrmError when the flow cannot renew one.

        Single-flight: when several threads meet the expiry at once (reads run ahead of writes), the first
        logs in again and the others get its token instead of logging in once each.
        """
        if not self.renewable:
            raise FatalCrmError("the Salesforce session expired and was given without credentials to renew it; "
                                "set LEADBRIDGE_SALESFORCE_* credentials", status=401, code="INVALID_SESSION_ID")
        with self._lock:
            if self._token is not None and self._token is not stale and stale is not None:
                return self._token
            self._token = self.flow.login(self.session, self.timeout)
            self.logins += 1
            return self._token
