"""Sessions and logins: the OAuth 2.0 token endpoint, SOAP login(), and session expiry.

- OAuth 2.0 token endpoint ``POST /services/oauth2/token`` with the username-password flow
  (``grant_type=password``, client_id, client_secret, username, password) and the client credentials flow
  (``grant_type=client_credentials``, the client in an HTTP Basic header or in the form). The answer carries
  access_token, instance_url, id, token_type, issued_at and signature (Salesforce Help, "OAuth 2.0
  Username-Password Flow for Special Scenarios" and "OAuth 2.0 Client Credentials Flow for Server-to-Server
  Integration"): signature is the Base64 HMAC-SHA256 of ``id + issued_at`` keyed with the client secret.
  Failures answer 400 with ``{"error": "invalid_grant", "error_description": "authentication failure"}``
  (or invalid_client_id / invalid_client for a wrong client).
- SOAP ``login()`` at ``/services/Soap/u/<version>`` (SOAP API Developer Guide, "login()" and
  "LoginResult"): sessionId and serverUrl in a loginResponse, or a 500 SOAP fault with an
  ``sf:exceptionCode`` of INVALID_LOGIN. The password is the user's password followed by the security token.
- Sessions expire after a period of inactivity, and each call resets the timer (SOAP API Developer Guide,
  "Error Handling for Session Expiration"); an expired or unknown session answers 401
  ``[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]`` (REST API Developer Guide,
  "Status Codes and Error Responses").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from connector.sandbox.salesforce.dataset import INTEGRATION_USER
from connector.sandbox.salesforce.ids import make_id

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass(frozen=True)
class Credentials:
    """The one user and connected app of the sandbox org (printed by ``leadbridge sandbox``)."""

    username: str = "integration@sandbox.example.com"
    password: str = "sandbox-password"
    security_token: str = "SANDBOXTOKEN"
    client_id: str = "3MVG9sandbox.leadbridge.consumer.key"
    client_secret: str = "sandbox-consumer-secret"


class Sessions:
    """Issued session ids and when each expires; thread-safe."""

    def __init__(self, organization_id: str, lifetime_s: float, clock: Callable[[], float] = time.monotonic):
        self.organization_id = organization_id
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._expires: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> str:
        # Real session ids are the 15-character org id, "!", and an opaque token.
        token = f"{self.organization_id[:15]}!AQ{secrets.token_urlsafe(48)}"
        with self._lock:
            self._expires[token] = self.clock() + self.lifetime_s
        return token

    def use(self, token: str | None) -> bool:
        """Whether ``token`` is a live session; using it resets its inactivity timer."""
        if not token:
            return False
        with self._lock:
            expires = self._expires.get(token)
            now = self.clock()
            if expires is None or expires <= now:
                self._expires.pop(token, None)
                return False
            self._expires[token] = now + self.lifetime_s
            return True

    def expire_all(self) -> None:
        """End every session now (what an admin's "revoke" or a long idle period does)."""
        with self._lock:
            self._expires.clear()


def token_answer(
    credentials: Credentials,
    form: dict[str, str],
    basic_auth: tuple[str, str] | None,
    sessions: Sessions,
    instance_url: str,
    issued_at_ms: int,
) -> tuple[int, dict[str, str]]:
    """Status and JSON body of ``POST /services/oauth2/token`` for the given form."""
    grant = form.get("grant_type", "")
    client_id, client_secret = basic_auth or (form.get("client_id", ""), form.get("client_secret", ""))
    if grant not in ("password", "client_credentials"):
        return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
    if client_id != credentials.client_id:
        return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}
    if client_secret != credentials.client_secret:
        return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}
    if grant == "password":
        password = form.get("password", "")
        valid = (credentials.password, credentials.password + credentials.security_token)
        if form.get("username") != credentials.username or password not in valid:
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
    identity = f"{instance_url}/id/{sessions.organization_id}/{make_id('005', INTEGRATION_USER)}"
    issued_at = str(issued_at_ms)
    signature = base64.b64encode(
        hmac.new(credentials.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    return 200, {
        "access_token": sessions.issue(),
        "instance_url": instance_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": "api",
    }


def soap_login_answer(
    credentials: Credentials, body: bytes, sessions: Sessions, instance_url: str, version: str
) -> tuple[int, str]:
    """Status and XML of a SOAP ``login()`` call (partner WSDL)."""
    username, password = _login_arguments(body)
    if username is None:
        return 500, _fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    if username != credentials.username or password != credentials.password + credentials.security_token:
        return 500, _fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    org15 = sessions.organization_id[:15]
    server = f"{instance_url}/services/Soap/u/{version}/{org15}"
    user_id = make_id("005", INTEGRATION_USER)
    return 200, (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>'
        f"<metadataServerUrl>{escape(instance_url)}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{escape(server)}</serverUrl><sessionId>{escape(sessions.issue())}</sessionId>"
        f"<userId>{user_id}</userId><userInfo><organizationId>{sessions.organization_id}</organizationId>"
        f"<userEmail>{escape(credentials.username)}</userEmail><userId>{user_id}</userId>"
        f"<userName>{escape(credentials.username)}</userName></userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def _login_arguments(body: bytes) -> tuple[str | None, str | None]:
    try:
        root = ElementTree.fromstring(body)
    except Exception:  # defusedxml raises several types for hostile or broken XML
        return None, None
    username = password = None
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local == "username":
            username = element.text or ""
        elif local == "password":
            password = element.text or ""
    return username, password


def _fault(code: str, message: str) -> str:
    # simple-salesforce (and other clients) read sf:exceptionCode and sf:exceptionMessage from the fault.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring><detail>"
        f'<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault>"
        "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
