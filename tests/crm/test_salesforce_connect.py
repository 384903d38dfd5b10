"""Logging in (each flow the sandbox answers, refused credentials without secrets in the message) and the
Bulk API 2.0 path for big full reads, with its REST fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connector.crm.salesforce import SalesforceOptions, SalesforceSource
from connector.crm.salesforce_api import SalesforceApi
from connector.crm.salesforce_auth import JwtFlow, OAuthFlow, SoapFlow, flow_from_settings
from connector.errors import FatalCrmError, SettingsError
from connector.sandbox.salesforce import SalesforceSandbox
from connector.settings import Settings
from tests.crm.salesforce_support import api_for, mapping


def settings_for(org: SalesforceSandbox, **values: Any) -> Settings:
    return Settings(_env_file=None, salesforce_ca_bundle=org.ca_bundle, **values)  # type: ignore[call-arg]


def test_each_login_flow_reaches_the_org(salesforce_sandbox: SalesforceSandbox) -> None:
    creds = salesforce_sandbox.credentials
    variants = {
        "client credentials": dict(salesforce_instance_url=salesforce_sandbox.url, salesforce_client_id=creds.client_id,
                                   salesforce_client_secret=SecretStr(creds.client_secret)),
        "username-password": dict(salesforce_domain=salesforce_sandbox.login_domain,
                                  salesforce_client_id=creds.client_id,
                                  salesforce_client_secret=SecretStr(creds.client_secret),
                                  salesforce_username=creds.username, salesforce_password=SecretStr(creds.password),
                                  salesforce_security_token=SecretStr(creds.security_token)),
        "username-password (SOAP)": dict(salesforce_domain=salesforce_sandbox.login_domain,
                                         salesforce_username=creds.username,
                                         salesforce_password=SecretStr(creds.password),
                                         salesforce_security_token=SecretStr(creds.security_token)),
    }
    for name, values in variants.items():
        api = SalesforceApi.from_settings(settings_for(salesforce_sandbox, **values))
        assert api.login.flow.name == name
        assert api.count("Lead") > 0, name
        api.close()


def test_refused_credentials_are_fatal_and_never_echo_the_secret(salesforce_sandbox: SalesforceSandbox) -> None:
    creds = salesforce_sandbox.credentials
    api = SalesforceApi.from_settings(settings_for(
        salesforce_sandbox, salesforce_instance_url=salesforce_sandbox.url, salesforce_client_id=creds.client_id,
        salesforce_client_secret=SecretStr("wrong-secret-1234")))
    with pytest.raises(FatalCrmError, match="invalid_client") as raised:
        api.count("Lead")
    assert "wrong-secret-1234" not in str(raised.value)
    api.close()
    with pytest.raises(SettingsError, match="CLIENT_ID"):
        flow_from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


def test_flows_are_chosen_from_the_settings(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("unused")
    jwt = flow_from_settings(Settings(_env_file=None, salesforce_client_id="c", salesforce_username="u",  # type: ignore[call-arg]
                                      salesforce_private_key_file=key))
    assert isinstance(jwt, JwtFlow) and jwt.audience == "https://login.salesforce.com"
    soap = flow_from_settings(Settings(_env_file=None, salesforce_username="u",  # type: ignore[call-arg]
                                       salesforce_password=SecretStr("p")))
    assert isinstance(soap, SoapFlow)
    cc = flow_from_settings(Settings(_env_file=None, salesforce_client_id="c",  # type: ignore[call-arg]
                                     salesforce_client_secret=SecretStr("s"),
                                     salesforce_instance_url="https://acme.my.salesforce.com"))
    assert isinstance(cc, OAuthFlow) and cc.token_url == "https://acme.my.salesforce.com/services/oauth2/token"


def test_jwt_assertion_is_signed_with_the_private_key(tmp_path: Path) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = tmp_path / "server.key"
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    flow = JwtFlow("jwt", "https://login.salesforce.com/services/oauth2/token", "https://login.salesforce.com",
                   "consumer-key", "integration@example.com", key)
    claims = jwt.decode(flow.assertion(now=1_800_000_000), private.public_key(), algorithms=["RS256"],
                        audience="https://login.salesforce.com", options={"verify_exp": False})
    assert claims == {"iss": "consumer-key", "sub": "integration@example.com", "aud": "https://login.salesforce.com",
                      "exp": 1_800_000_180}


def keys_and_stamps(source: SalesforceSource) -> list[tuple[str, Any]]:
    until = datetime.now(UTC) + timedelta(seconds=1)
    return [(c.key, c.company, c.has_won_deal) for page in source.read_changed(None, until) for c in page.contacts]


def test_big_full_reads_use_bulk_api_and_fall_back_to_rest(salesforce_sandbox_factory: Any) -> None:
    org = salesforce_sandbox_factory(people=8_000)  # ~3,100 leads: more than one REST batch of 2,000
    api = api_for(org)
    rest = keys_and_stamps(SalesforceSource(api, mapping()))
    jobs = "/services/data/v59.0/jobs/query"
    org.log.clear()
    bulk = keys_and_stamps(SalesforceSource(api, mapping(), SalesforceOptions(bulk_threshold=2_500)))
    # Leads go through one Bulk API job; contacts fit in the first REST answer, which is kept.
    assert bulk == rest and org.log.count(method="POST", path_prefix=jobs) == 1

    org.faults.path_prefixes = (jobs,)
    org.faults.error_rate = 1.0  # Bulk API unavailable: the same records through REST
    fallback = keys_and_stamps(SalesforceSource(api, mapping(), SalesforceOptions(bulk_threshold=2_500)))
    assert fallback == rest
    api.close()
