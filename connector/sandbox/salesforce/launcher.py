"""The Salesforce emulator as `leadbridge sandbox` starts it and describes it (see connector/sandbox/command.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from connector.sandbox.faults import Faults
from connector.sandbox.salesforce.outbound import OutboundSettings
from connector.sandbox.salesforce.records import DataSettings
from connector.sandbox.salesforce.sandbox import SalesforceSandbox, SalesforceSettings

if TYPE_CHECKING:
    from connector.sandbox.command import SandboxOptions

#: Outbound messages retry on Salesforce's schedule sped up this much (the first retry after 0.3 s instead of
#: 30 s), so a listener being debugged sees retries while it is being watched.
OUTBOUND_TIME_SCALE = 100.0


def outbound_target(webhook_target: str | None) -> str | None:
    """Where outbound messages go for ``--webhook-target``: the same receiver, its Salesforce route.

    One URL serves both emulators; when it names the HubSpot route (``.../webhooks/hubspot``), Salesforce's
    messages go to the sibling ``.../webhooks/salesforce`` the receiver serves; any other URL is used as given.
    """
    if not webhook_target:
        return None
    parts = urlsplit(webhook_target)
    path = parts.path.rstrip("/")
    if path.endswith("/hubspot"):
        return urlunsplit(parts._replace(path=path[: -len("hubspot")] + "salesforce"))
    return webhook_target


class RunningSalesforce:
    """A started Salesforce sandbox org, for `leadbridge sandbox`."""

    name = "Salesforce"

    def __init__(self, options: SandboxOptions) -> None:
        faults = Faults(latency_ms=options.latency_ms, error_rate=options.fault_rate, seed=options.seed)
        settings = SalesforceSettings(
            data=DataSettings(people=options.contacts, seed=options.seed),
            port=options.salesforce_port,
            outbound=OutboundSettings(target=outbound_target(options.webhook_target), time_scale=OUTBOUND_TIME_SCALE),
        )
        self.sandbox = SalesforceSandbox(settings, faults=faults).start()

    def describe(self) -> list[tuple[str, str]]:
        sf = self.sandbox
        s = sf.settings
        c = sf.credentials
        org = sf.org
        leads, contacts = len(org.tables["Lead"]), len(org.tables["Contact"])
        return [
            ("instance URL", sf.url),
            ("LEADBRIDGE_SALESFORCE_INSTANCE_URL", sf.url),
            ("LEADBRIDGE_SALESFORCE_DOMAIN", f"{sf.login_domain}  (simple-salesforce domain=)"),
            ("LEADBRIDGE_SALESFORCE_CA_BUNDLE", str(sf.ca_bundle)),
            ("LEADBRIDGE_SALESFORCE_USERNAME", c.username),
            ("LEADBRIDGE_SALESFORCE_PASSWORD", c.password),
            ("LEADBRIDGE_SALESFORCE_SECURITY_TOKEN", c.security_token),
            ("LEADBRIDGE_SALESFORCE_CLIENT_ID", c.client_id),
            ("LEADBRIDGE_SALESFORCE_CLIENT_SECRET", c.client_secret),
            ("LEADBRIDGE_SALESFORCE_ORGANIZATION_ID", org.organization_id),
            ("LEADBRIDGE_SALESFORCE_API_VERSION", s.api_version),
            ("session id", sf.session_id),
            ("token endpoint", f"POST {sf.url}/services/oauth2/token (password or client_credentials)"),
            (
                "org",
                f"{leads:,} leads, {contacts:,} contacts from {s.data.people:,} synthetic people, seed {s.data.seed}",
            ),
            (
                "API allocation",
                f"{s.daily_api_limit:,} requests a rolling day; sessions idle out after "
                f"{s.session_lifetime_s / 60:.0f} min",
            ),
            ("outbound messages", s.outbound.target or "off (pass --webhook-target URL)"),
            ("change records", f"POST {sf.url}/_sandbox/salesforce/touch, .../delete, .../merge, .../lock"),
        ]

    def stop(self) -> None:
        self.sandbox.stop()
