"""The CRMs the worker re-reads and writes: one ``CrmLink`` per source name, built from settings.

Events are hints: the worker re-reads each contact through the same adapter the sync uses, and writes
through the same destination, so a contact qualified by a webhook and by the scheduled sync end up the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from connector.crm.base import Destination, Source
from connector.errors import UserError
from connector.mapping.schema import Mapping as SourceMapping
from connector.settings import Settings, get_settings


@dataclass
class CrmLink:
    """A source to re-read contacts from, where results go, and the mapping between them."""

    source: Source
    mapping: SourceMapping
    destination: Destination | None = None
    #: Called when the worker stops (adapters keep thread pools and HTTP sessions).
    closers: list[Callable[[], None]] = field(default_factory=list)
    #: The CRM's sustainable request rate, and a count of the requests made so far: with both, the worker
    #: paces its rounds to the rate instead of spending a rolling window's allowance in a burst and then
    #: stalling until the window slides (HubSpot counts requests per rolling 10 seconds).
    requests_per_s: float | None = None
    requests_made: Callable[[], int] | None = None

    def close(self) -> None:
        for close in self.closers:
            close()


def hubspot_links(settings: Settings | None = None) -> Callable[[], CrmLink]:
    """A factory of HubSpot links sharing one API client: one request budget per process, however many
    worker threads (each thread gets its own adapter: adapters keep per-run state)."""
    from connector.commands.inputs import mapping_for
    from connector.crm.hubspot import HubSpotAdapter
    from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig

    api = HubSpotApi(HubSpotConfig.from_settings(settings or get_settings()))
    mapping = _mapping(mapping_for, "hubspot")

    limits = api.config.limits
    rate = limits.per_window / limits.window_s

    def make() -> CrmLink:
        adapter = HubSpotAdapter(api, mapping)
        return CrmLink(adapter, adapter.mapping, adapter, [adapter.close], rate, lambda: api.stats.total)

    return make


def salesforce_links(settings: Settings | None = None) -> Callable[[], CrmLink]:
    """A factory of Salesforce links sharing one API budget (each with its own session and source)."""
    from connector.commands.inputs import mapping_for
    from connector.crm.salesforce import SalesforceSource
    from connector.crm.salesforce_api import ApiBudget, SalesforceApi
    from connector.crm.salesforce_write import SalesforceDestination

    settings = settings or get_settings()
    budget = ApiBudget(settings.salesforce_api_share)
    mapping = _mapping(mapping_for, "salesforce")

    def make() -> CrmLink:
        api = SalesforceApi.from_settings(settings, budget=budget)
        source = SalesforceSource(api, mapping)
        return CrmLink(source, source.mapping, SalesforceDestination(source), [api.close])

    return make


def _mapping(mapping_for: Callable[..., SourceMapping], source: str) -> SourceMapping:
    from connector.errors import LeadbridgeError
    from connector.mapping.load import load_mapping

    # LEADBRIDGE_MAPPING names one mapping; a worker serving both CRMs uses the shipped one for the other.
    try:
        return mapping_for(None, source)
    except LeadbridgeError:
        return load_mapping(None, source=source)


BUILDERS: dict[str, Callable[[Settings | None], Callable[[], CrmLink]]] = {
    "hubspot": hubspot_links,
    "salesforce": salesforce_links,
}


def link_factory(sources: Sequence[str], settings: Settings | None = None) -> Callable[[], dict[str, CrmLink]]:
    """What each worker thread calls for its links; the clients (and their budgets) are made once, here,
    so a source that is not configured fails now with a UserError saying what to set."""
    factories: dict[str, Callable[[], CrmLink]] = {}
    for name in sources:
        if name not in BUILDERS:
            raise UserError(f"--source {name!r}: the worker serves {', '.join(sorted(BUILDERS))}")
        factories[name] = BUILDERS[name](settings)
    return lambda: {name: make() for name, make in factories.items()}
