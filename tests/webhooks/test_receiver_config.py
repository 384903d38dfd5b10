"""Receiver configuration: the public URL behind a proxy, the insecure warning, secrets kept out of logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from connector.store import Store
from tests.webhooks.helpers import (
    HUBSPOT_SECRET,
    SALESFORCE_SECRET,
    hubspot_body,
    hubspot_event,
    receiver_config,
    signed_headers,
    stored,
)
from webhooks.app import create_app

BODY = hubspot_body(hubspot_event(1))


@pytest.mark.parametrize(
    ("public_url", "signed_for"),
    [
        ("https://hooks.example.com", "https://hooks.example.com/webhooks/hubspot"),
        ("https://hooks.example.com/", "https://hooks.example.com/webhooks/hubspot"),
        # A proxy mapping a path prefix onto the receiver: the configured URL names the endpoint in full.
        ("https://example.com/lb/webhooks/hubspot", "https://example.com/lb/webhooks/hubspot"),
    ],
)
def test_signature_is_checked_against_the_configured_public_url(
    receiver: Callable[..., httpx.Client], sqlite_store: Store, public_url: str, signed_for: str
) -> None:
    client = receiver(public_url=public_url)
    # The Host header says something else entirely, as it does behind a proxy.
    headers = {**signed_headers(BODY, uri=signed_for), "Host": "internal-host:8080"}
    assert client.post("/webhooks/hubspot", content=BODY, headers=headers).status_code == 200
    assert len(stored(sqlite_store)) == 1


def test_without_a_public_url_the_request_url_is_used(receiver: Callable[..., httpx.Client]) -> None:
    client = receiver(public_url=None)
    headers = signed_headers(BODY, uri=str(client.base_url).rstrip("/") + "/webhooks/hubspot")
    assert client.post("/webhooks/hubspot", content=BODY, headers=headers).status_code == 200


def test_insecure_mode_warns_at_start(sqlite_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="leadbridge.webhooks"):
        create_app(sqlite_store, receiver_config(insecure=True))
    assert any("LEADBRIDGE_WEBHOOKS_INSECURE=1" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)


def test_secrets_never_reach_logs_or_answers(receiver: Callable[..., httpx.Client],
                                             caplog: pytest.LogCaptureFixture) -> None:
    client = receiver()
    with caplog.at_level(logging.DEBUG):
        bad = {**signed_headers(BODY), "X-HubSpot-Signature-v3": "A" * 44}
        answers = [
            client.post("/webhooks/hubspot", content=BODY, headers=bad),
            client.post("/webhooks/salesforce/not-the-secret", content=b"<x/>", headers={"Content-Type": "text/xml"}),
            client.post(f"/webhooks/salesforce/{SALESFORCE_SECRET}", content=b"<x",
                        headers={"Content-Type": "text/xml"}),
            client.get("/metrics"),
        ]
    # Ours and the server's logs (the test's own HTTP client logs the URLs it calls, secret path included:
    # that is the sender's side; `leadbridge serve` runs uvicorn without an access log for this reason).
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("leadbridge", "uvicorn")))
    text = logged + "".join(a.text for a in answers) + repr(receiver_config())
    assert HUBSPOT_SECRET not in text and SALESFORCE_SECRET not in text
    assert "**********" in repr(receiver_config(hubspot_secret=SecretStr("x")))
