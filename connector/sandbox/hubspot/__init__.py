"""A local emulator of the HubSpot CRM API endpoints leadbridge uses, served over real HTTP.

Point hubspot-api-client at it with ``HubSpot(access_token=sandbox.access_token, host=sandbox.url)``.
``HubSpotSandbox`` (in ``sandbox``) is the entry point; the other modules are its parts: ``settings``,
``schema`` (property definitions), ``dataset`` (synthetic people as HubSpot records), ``store`` (state and
mutations), ``search`` (filterGroups), ``limits`` (rate limits and their headers), ``webhooks`` (v3 events)
and the ``routes_*`` modules (HTTP endpoints).
"""

from connector.sandbox.hubspot.sandbox import HubSpotSandbox
from connector.sandbox.hubspot.settings import HubSpotSettings, WebhookSettings

__all__ = ["HubSpotSandbox", "HubSpotSettings", "WebhookSettings"]
