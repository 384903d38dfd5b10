"""Receiver and worker settings as small typed objects, read from LEADBRIDGE_* settings.

The secrets and the public URL come from ``connector.settings`` (LEADBRIDGE_HUBSPOT_CLIENT_SECRET,
LEADBRIDGE_WEBHOOKS_SECRET, LEADBRIDGE_WEBHOOKS_PUBLIC_URL, ...); the tuning knobs below have named
defaults and can be set as LEADBRIDGE_WEBHOOKS_<NAME>.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from connector.errors import LeadbridgeError
from connector.settings import Settings, get_settings
from webhooks.hubspot_events import EchoGuard

log = logging.getLogger("leadbridge.webhooks")

#: Larger than any real delivery: 100 HubSpot events are ~30 KB, 100 Salesforce notifications with the
#: default fields well under 512 KB.
MAX_BODY_BYTES = 1024 * 1024


class WebhookTuning(BaseSettings):
    """LEADBRIDGE_WEBHOOKS_* knobs that are not secrets."""

    model_config = SettingsConfigDict(env_prefix="LEADBRIDGE_WEBHOOKS_", env_file=".env", extra="ignore")

    #: Accept HubSpot's v1/v2 signatures (no timestamp: replayable) for legacy apps without v3.
    hubspot_legacy_signatures: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    #: Events wait this long before they are due, so that a burst about one contact is one re-read.
    coalesce_ms: int = 250
    max_attempts: int = 8
    first_retry_s: float = 5.0
    max_retry_s: float = 3600.0
    #: How long a claimed event stays with a worker; a worker killed mid-batch gives its events up after it.
    lease_s: float = 60.0


@dataclass(frozen=True)
class ReceiverConfig:
    """What the receiver checks requests against. Secrets stay SecretStr: their repr hides them."""

    public_url: str | None = None
    hubspot_secret: SecretStr | None = None
    hubspot_legacy_signatures: bool = False
    salesforce_secret: SecretStr | None = None
    salesforce_organization_id: str | None = None
    insecure: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    echo: EchoGuard = field(default_factory=EchoGuard)
    coalesce: timedelta = timedelta(milliseconds=250)

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        tuning: WebhookTuning | None = None,
        owned_properties: frozenset[str] | None = None,
    ) -> ReceiverConfig:
        settings = settings or get_settings()
        tuning = tuning or WebhookTuning()
        if owned_properties is None:
            owned_properties = hubspot_owned_properties()
        return cls(
            public_url=settings.webhooks_public_url,
            hubspot_secret=settings.hubspot_client_secret,
            hubspot_legacy_signatures=tuning.hubspot_legacy_signatures,
            salesforce_secret=settings.webhooks_secret,
            salesforce_organization_id=settings.salesforce_organization_id,
            insecure=settings.webhooks_insecure,
            max_body_bytes=tuning.max_body_bytes,
            echo=EchoGuard(owned_properties, settings.hubspot_app_id),
            coalesce=timedelta(milliseconds=tuning.coalesce_ms),
        )

    def warnings(self) -> list[str]:
        """What an operator must hear at start (never a secret's value)."""
        notes = []
        if self.insecure:
            notes.append(
                "LEADBRIDGE_WEBHOOKS_INSECURE=1: unsigned webhook requests are ACCEPTED; use it only on a "
                "trusted network or for local testing"
            )
        if self.hubspot_secret is None:
            notes.append(
                "LEADBRIDGE_HUBSPOT_CLIENT_SECRET is not set: HubSpot signatures cannot be verified"
                + ("" if self.insecure else ", so HubSpot webhooks are refused")
            )
        if self.public_url is None:
            notes.append(
                "LEADBRIDGE_WEBHOOKS_PUBLIC_URL is not set: signatures are checked against the URL this "
                "server was called on, which is wrong behind a proxy"
            )
        if self.salesforce_secret is None or self.salesforce_organization_id is None:
            notes.append(
                "LEADBRIDGE_WEBHOOKS_SECRET or LEADBRIDGE_SALESFORCE_ORGANIZATION_ID is not set: "
                + (
                    "Salesforce messages are not checked"
                    if self.insecure
                    else "Salesforce outbound messages are refused"
                )
            )
        return notes


def hubspot_owned_properties() -> frozenset[str]:
    """The HubSpot properties leadbridge writes (the mapping's write targets): changes to them are echoes."""
    from connector.mapping.load import load_mapping

    settings = get_settings()
    try:
        mapping = load_mapping(settings.mapping, source="hubspot")
    except LeadbridgeError:
        # LEADBRIDGE_MAPPING may name another source's mapping: the shipped HubSpot one says what we write.
        try:
            mapping = load_mapping(None, source="hubspot")
        except LeadbridgeError as exc:
            log.warning("cannot read the HubSpot mapping (%s): no property changes are treated as echoes", exc)
            return frozenset()
    return frozenset(mapping.write_targets)


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker claims and retries."""

    batch_size: int = 100
    lease: timedelta = timedelta(seconds=60)
    poll_interval_s: float = 0.05
    idle_interval_s: float = 0.25
    max_attempts: int = 8
    first_retry_s: float = 5.0
    max_retry_s: float = 3600.0

    @classmethod
    def from_tuning(cls, tuning: WebhookTuning | None = None, **overrides: object) -> WorkerConfig:
        tuning = tuning or WebhookTuning()
        values: dict[str, object] = {
            "max_attempts": tuning.max_attempts,
            "first_retry_s": tuning.first_retry_s,
            "max_retry_s": tuning.max_retry_s,
            "lease": timedelta(seconds=tuning.lease_s),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
