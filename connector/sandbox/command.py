"""`leadbridge sandbox`: run the local CRM emulators until Ctrl-C and print how to connect to them.

Each emulator is started by a launcher in ``EMULATORS``; a launcher takes the command's options and returns
a running emulator that can describe itself (base URL, credentials, CA bundle) and stop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import typer
from rich.console import Console
from rich.table import Table

from connector.errors import UserError


@dataclass(frozen=True)
class SandboxOptions:
    """What `leadbridge sandbox` was asked for; 0 as a port means a free one."""

    hubspot_port: int = 0
    salesforce_port: int = 0
    contacts: int = 5_000
    seed: int = 7
    rate_limit: int = 100
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    webhook_target: str | None = None


class RunningEmulator(Protocol):
    """A started emulator, as the command reports and stops it."""

    name: str

    def describe(self) -> list[tuple[str, str]]:
        """(label, value) rows: base URL, credentials, CA bundle... whatever a client needs."""
        ...

    def stop(self) -> None: ...


Launcher = Callable[[SandboxOptions], RunningEmulator]


class _RunningHubSpot:
    name = "HubSpot"

    def __init__(self, options: SandboxOptions) -> None:
        from connector.sandbox.faults import Faults
        from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings

        faults = Faults(latency_ms=options.latency_ms, error_rate=options.fault_rate, seed=options.seed)
        settings = HubSpotSettings(
            contacts=options.contacts,
            seed=options.seed,
            rate_limit=options.rate_limit,
            faults=faults,
            webhooks=WebhookSettings(target_url=options.webhook_target),
        )
        self.sandbox = HubSpotSandbox(settings, port=options.hubspot_port).start()

    def describe(self) -> list[tuple[str, str]]:
        s = self.sandbox.settings
        rows = [
            ("base URL (host=)", self.sandbox.url),
            ("LEADBRIDGE_HUBSPOT_BASE_URL", self.sandbox.url),
            ("LEADBRIDGE_HUBSPOT_ACCESS_TOKEN", s.access_token),
            ("LEADBRIDGE_HUBSPOT_APP_ID", str(s.webhooks.app_id)),
            ("LEADBRIDGE_HUBSPOT_CLIENT_SECRET", s.webhooks.client_secret),
            ("portal", f"{s.portal_id}: the HubSpot share of {s.contacts:,} synthetic people, seed {s.seed}"),
            ("rate limit", f"{s.rate_limit} per 10 s, search {s.search_rate_limit}/s, {s.daily_limit:,} a day"),
        ]
        rows.append(("webhooks", s.webhooks.target_url or "off (pass --webhook-target URL)"))
        rows.append(("change contacts", f"POST {self.sandbox.url}/_sandbox/hubspot/touch, .../activities"))
        return rows

    def stop(self) -> None:
        self.sandbox.stop()


def _running_salesforce(options: SandboxOptions) -> RunningEmulator:
    from connector.sandbox.salesforce.launcher import RunningSalesforce

    return RunningSalesforce(options)


#: The emulators `leadbridge sandbox` starts, in order. Each emulator package adds its launcher here.
EMULATORS: list[Launcher] = [_RunningHubSpot, _running_salesforce]


def run(options: SandboxOptions, console: Console, stop: threading.Event | None = None) -> None:
    """Start every emulator, print how to reach them, wait for Ctrl-C (or ``stop``), stop them all."""
    running: list[RunningEmulator] = []
    try:
        for launch in EMULATORS:
            running.append(launch(options))
        table = Table(title="leadbridge sandbox", show_lines=False)
        table.add_column("emulator", style="bold")
        table.add_column("setting")
        table.add_column("value", overflow="fold")
        for emulator in running:
            for label, value in emulator.describe():
                table.add_row(emulator.name, label, value)
        console.print(table)
        console.print("Running until Ctrl-C.")
        waiter = stop or threading.Event()
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for emulator in reversed(running):
            emulator.stop()
    console.print("sandbox stopped")


def register(app: typer.Typer) -> None:
    """Add `leadbridge sandbox` to the CLI."""

    @app.command("sandbox", rich_help_panel="Start here")
    def sandbox(
        hubspot_port: int = typer.Option(0, "--hubspot-port", help="Port for the HubSpot emulator (0: a free one)."),
        salesforce_port: int = typer.Option(
            0, "--salesforce-port", help="Port for the Salesforce emulator (0: a free one)."
        ),
        contacts: int = typer.Option(
            5_000, "--contacts", min=0, help="Synthetic people; each CRM holds its share of them."
        ),
        seed: int = typer.Option(7, "--seed", help="Seed of the synthetic data (same seed, same people)."),
        rate_limit: int = typer.Option(100, "--rate-limit", min=1, help="HubSpot requests per rolling 10 s."),
        latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, help="Added latency on every response."),
        fault_rate: float = typer.Option(
            0.0, "--fault-rate", min=0.0, max=1.0, help="Share of requests answered with a 5xx."
        ),
        webhook_target: str | None = typer.Option(
            None, "--webhook-target", help="URL that receives HubSpot webhooks and Salesforce outbound messages."
        ),
    ) -> None:
        """Run local HubSpot and Salesforce emulators with synthetic data until Ctrl-C."""
        if webhook_target is not None and not webhook_target.startswith(("http://", "https://")):
            raise UserError(f"--webhook-target must be an http:// or https:// URL, got {webhook_target!r}")
        options = SandboxOptions(
            hubspot_port, salesforce_port, contacts, seed, rate_limit, latency_ms, fault_rate, webhook_target
        )
        run(options, Console())
