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
    from connector.sandbox.salesforce import SalesforceSandbox, SalesforceSettings
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


# ---------------------------------------------------------------------------------------------------------
# Salesforce

#: The module-wide Salesforce org: 5,000 synthetic people, about half of them in Salesforce (~2,000 leads,
#: ~900 contacts) with ~15,000 tasks, so paging past 10,000 records needs no bigger org. Builds in ~0.6 s.
SALESFORCE_SANDBOX_PEOPLE = 5_000


@pytest.fixture(scope="module")
def salesforce_sandbox(sandbox_ca: trustme.CA) -> Iterator[SalesforceSandbox]:
    """A Salesforce org over HTTPS shared by the tests of one module.

    Tests that change records should use records of their own; tests that expire sessions, spend the API
    allocation or configure outbound messages should use ``salesforce_sandbox_factory``.
    """
    from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings

    settings = SalesforceSettings(data=DataSettings(people=SALESFORCE_SANDBOX_PEOPLE))
    with SalesforceSandbox(settings, ca=sandbox_ca) as sandbox:
        yield sandbox
        _release_client_sockets()


@pytest.fixture()
def salesforce_sandbox_factory(sandbox_ca: trustme.CA) -> Iterator[Callable[..., SalesforceSandbox]]:
    """Start Salesforce orgs with custom settings: ``factory(people=300, daily_api_limit=50)`` (``people``
    sets the dataset size, the rest are ``SalesforceSettings`` fields) or ``factory(settings=...)``; all are
    stopped at the end of the test."""
    from dataclasses import replace

    from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings

    started: list[SalesforceSandbox] = []

    def factory(settings: SalesforceSettings | None = None, *, people: int = 300,
                **overrides: Any) -> SalesforceSandbox:
        chosen = settings or replace(SalesforceSettings(data=DataSettings(people=people)), **overrides)
        sandbox = SalesforceSandbox(chosen, ca=sandbox_ca).start()
        started.append(sandbox)
        return sandbox

    yield factory
    _release_client_sockets()
    for sandbox in started:
        sandbox.stop()


def _release_client_sockets() -> None:
    # A test that kept a pytest.raises(...) ExceptionInfo holds a reference cycle through the traceback to
    # the client's Response, whose socket stays open until the cycle is collected; uvicorn would then wait
    # its whole graceful-shutdown timeout for that connection. Collecting first keeps teardown fast.
    import gc

    gc.collect()


@pytest.fixture()
def salesforce_client(salesforce_sandbox: SalesforceSandbox) -> Iterator[Any]:
    """simple-salesforce, unmodified, on the module's org over HTTPS (it trusts the sandbox CA through the
    requests.Session it is given)."""
    client = salesforce_sandbox.client()
    yield client
    client.session.close()
