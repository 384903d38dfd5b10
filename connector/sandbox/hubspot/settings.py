"""Settings of one HubSpot sandbox run: data size, credentials, limits, webhooks. Named defaults, typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connector.sandbox.faults import Faults


@dataclass
class WebhookSettings:
    """Where and how contact events are delivered.

    ``time_scale`` compresses HubSpot's retry schedule (and the batching delay): 1000 turns a one-minute
    backoff into 60 ms. ``duplicate_rate`` re-sends a delivered batch; ``shuffle`` delivers events out of
    order, as HubSpot does not guarantee order.
    """

    target_url: str | None = None
    client_secret: str = "sandbox-client-secret"
    app_id: int = 1_000_001
    subscription_id: int = 2_000_001
    batch_size: int = 100
    flush_interval_s: float = 0.05
    max_attempts: int = 10
    time_scale: float = 1.0
    duplicate_rate: float = 0.0
    shuffle: bool = False
    timeout_s: float = 5.0
    verify: str | bool = True
    seed: int = 0
    #: Property names whose changes are sent (None: all), like propertyChange subscriptions per property.
    properties: tuple[str, ...] | None = None


@dataclass
class HubSpotSettings:
    """One emulated portal. ``contacts`` is the size of the synthetic population: the people with
    ``in_hubspot`` (about 70% of it) are the portal's contacts."""

    contacts: int = 5_000
    seed: int = 7
    now: datetime | None = None
    activities_mean: float = 20.0
    access_token: str = "pat-sandbox-hubspot"
    portal_id: int = 62_515
    #: Requests per rolling 10 seconds (source: usage-details guide, 100 for free/starter private apps,
    #: 190 for professional/enterprise).
    rate_limit: int = 100
    rate_window_s: float = 10.0
    daily_limit: int = 250_000
    #: CRM search requests per second (source: search guide, "limited to five requests per second").
    search_rate_limit: int = 5
    #: >1 makes limiter time run faster (a benchmark can compress the 10-second window).
    time_scale: float = 1.0
    #: Persons kept decoded in memory (about 11 KB each); the rest are regenerated from the seed when read.
    cache_size: int = 4_000
    faults: Faults = field(default_factory=Faults)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
