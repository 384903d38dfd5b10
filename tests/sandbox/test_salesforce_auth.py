"""Logins, sessions and the API allocation through simple-salesforce over HTTPS: SOAP username-password
login and OAuth client credentials reached with ``domain=``, the token endpoint our adapter calls, 401
INVALID_SESSION_ID after expiry (and simple-salesforce's own re-login), 403 REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from connector.sandbox.salesforce.auth import Sessions
from tests.sandbox.salesforce_helpers import sf_errors


@pytest.fixture()
def org(salesforce_sandbox_factory: Any) -> Any:
    return salesforce_sandbox_factory(people=200)


def test_expired_session_answers_401_invalid_session_id(org: Any) -> None:
    client = org.client()
    assert client.query("SELECT COUNT() FROM Lead")["totalSize"] > 0

    org.expire_tokens()

    with pytest.raises(SalesforceExpiredSession) as raised:
        client.query("SELECT COUNT() FROM Lead")
    assert raised.value.status == 401
    assert sf_errors(raised.value) == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    fresh = org.client(org.new_session())
    assert fresh.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
    client.session.close()
    fresh.session.close()


def test_sessions_expire_after_inactivity_and_each_call_resets_the_timer() -> None:
    now = [0.0]
    sessions = Sessions("00D5g0000000001AAA", lifetime_s=10, clock=lambda: now[0])
    token = sessions.issue()
    assert token.startswith("00D5g0000000001!")
    now[0] = 9
    assert sessions.use(token)
    now[0] = 18  # 9 s after the last use
    assert sessions.use(token)
    now[0] = 28.5
    assert not sessions.use(token)
    assert not sessions.use(token)  # expired stays expired
    assert not sessions.use("forged") and not sessions.use(None)


def test_soap_password_login_through_domain_and_transparent_relogin(org: Any) -> None:
    creds = org.credentials
    session = org.requests_session()
    client = Salesforce(
        username=creds.username,
        password=creds.password,
        security_token=creds.security_token,
        domain=org.login_domain,
        session=session,
    )
    assert client.sf_instance == org.instance
    assert client.query("SELECT COUNT() FROM Contact")["totalSize"] > 0

    org.expire_tokens()
    # simple-salesforce logs in again by itself when a call answers INVALID_SESSION_ID.
    assert client.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    logins = org.log.count("POST", "/login.salesforce.com/services/Soap/u/")
    assert logins == 2
    assert org.log.count(status=401) == 1
    session.close()


def test_wrong_password_is_an_invalid_login_fault(org: Any) -> None:
    with org.requests_session() as session, pytest.raises(SalesforceAuthenticationFailed) as raised:
        Salesforce(
            username=org.credentials.username,
            password="nope",
            security_token="x",
            domain=org.login_domain,
            session=session,
        )
    assert raised.value.code == "INVALID_LOGIN"


def test_oauth_client_credentials_through_domain(org: Any) -> None:
    creds = org.credentials
    with org.requests_session() as session:
        client = Salesforce(
            consumer_key=creds.client_id, consumer_secret=creds.client_secret, domain=org.login_domain, session=session
        )
        assert client.query("SELECT COUNT() FROM Lead")["totalSize"] > 0


def test_token_endpoint_password_grant_and_signature(org: Any) -> None:
    creds = org.credentials
    form = {
        "grant_type": "password",
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "username": creds.username,
        "password": creds.password + creds.security_token,
    }
    with org.requests_session() as session:
        answer = session.post(f"{org.url}/services/oauth2/token", data=form)
        assert answer.status_code == 200
        token = answer.json()
        assert token["instance_url"] == org.url and token["token_type"] == "Bearer"
        expected = hmac.new(
            creds.client_secret.encode(), (token["id"] + token["issued_at"]).encode(), hashlib.sha256
        ).digest()
        assert base64.b64decode(token["signature"]) == expected
        usable = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=session)
        assert usable.query("SELECT COUNT() FROM Lead")["totalSize"] > 0

        refused = session.post(f"{org.url}/services/oauth2/token", data={**form, "password": "wrong"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "invalid_grant", "error_description": "authentication failure"}
        wrong_client = session.post(f"{org.url}/services/oauth2/token", data={**form, "client_id": "other"})
        assert wrong_client.json()["error"] == "invalid_client_id"


def test_spent_allocation_answers_403_request_limit_exceeded(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=100, daily_api_limit=4)
    client = org.client()
    for expected_used in range(1, 5):
        client.query("SELECT Id FROM Lead LIMIT 1")
        assert client.api_usage["api-usage"].used == expected_used
        assert client.api_usage["api-usage"].total == 4

    with pytest.raises(SalesforceRefusedRequest) as raised:
        client.query("SELECT Id FROM Lead LIMIT 1")
    assert raised.value.status == 403
    limit_error = {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    assert sf_errors(raised.value) == [limit_error]
    assert org.api_usage == (4, 4)

    org.set_api_limit(10)  # more allocation bought: calls work again
    client.query("SELECT Id FROM Lead LIMIT 1")
    assert client.api_usage["api-usage"].used == 5
    client.session.close()
