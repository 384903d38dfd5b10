"""pytest fixtures that start the sandbox emulators on free ports.

Registered from tests/conftest.py with ``pytest_plugins = ["connector.sandbox.pytest_plugin"]``. Each
emulator adds its fixtures below its own heading; keep them cheap (small datasets) and scoped so that one
server serves a whole module unless a test needs a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
import trustme

if TYPE_CHECKING:
    from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings
    from connector.sandbox.recorder import WebhookRecorder
    from connector.sandbox.server import SandboxServer

# ---------------------------------------------------------------------------------------------------------
# Shared


@pytest.fixture(scope="session")
def sandbox_ca() -> trustme.CA:
    """A local certificate authority for emulators served over TLS (clients trust ``server.ca_bundle``)."""
    return trustme.CA()


@pytest.fixture()
def webhook_recorder() -> Iterator[tuple[WebhookRecorder, SandboxServer]]:
    """A local endpoint recording what is POSTed to it: (recorder, server); target ``server.url + "/hook"``."""
    from connector.sandbox.recorder import WebhookRecorder
    from connector.sandbox.server import SandboxServer

    recorder = WebhookRecorder()
    with SandboxServer(recorder.app) as server:
        yield recorder, server


# ---------------------------------------------------------------------------------------------------------
# HubSpot

#: The module-wide HubSpot portal: 400 synthetic people, about 280 of them HubSpot contacts.
HUBSPOT_SANDBOX_PEOPLE = 400


@pytest.fixture(scope="module")
def hubspot_sandbox() -> Iterator[HubSpotSandbox]:
    """A small HubSpot portal shared by the tests of one module (starts in well under a second).

    Tests that change contacts should use ids of their own; tests that change limits or faults should use
    ``hubspot_sandbox_factory`` instead.
    """
    from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings

    with HubSpotSandbox(HubSpotSettings(contacts=HUBSPOT_SANDBOX_PEOPLE)) as sandbox:
        yield sandbox


@pytest.fixture()
def hubspot_sandbox_factory() -> Iterator[Callable[..., HubSpotSandbox]]:
    """Start HubSpot portals with custom settings (``factory(contacts=..., rate_limit=...)`` or
    ``factory(settings=HubSpotSettings(...))``); all are stopped at the end of the test."""
    from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings

    started: list[HubSpotSandbox] = []

    def factory(settings: HubSpotSettings | None = None, **overrides: Any) -> HubSpotSandbox:
        chosen = settings or HubSpotSettings(**{"contacts": HUBSPOT_SANDBOX_PEOPLE, **overrides})
        sandbox = HubSpotSandbox(chosen).start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture()
def hubspot_client(hubspot_sandbox: HubSpotSandbox) -> Any:
    """hubspot-api-client, unmodified, pointed at the module's sandbox with ``host=``."""
    from hubspot import HubSpot

    return HubSpot(access_token=hubspot_sandbox.access_token, host=hubspot_sandbox.url)
