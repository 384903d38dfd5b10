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

    def close(self) -> None:
        for close in self.closers:
            close()


def hubspot_link(settings: Settings | None = None) -> CrmLink:
    from connector.commands.inputs import mapping_for
    from connector.crm.hubspot import HubSpotAdapter
    from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig

    settings = settings or get_settings()
    adapter = HubSpotAdapter(HubSpotApi(HubSpotConfig.from_settings(settings)), _mapping(mapping_for, "hubspot"))
    return CrmLink(adapter, adapter.mapping, adapter, [adapter.close])


def salesforce_link(settings: Settings | None = None) -> CrmLink:
    from connector.commands.inputs import mapping_for
    from connector.crm.salesforce import SalesforceSource
    from connector.crm.salesforce_api import SalesforceApi
    from connector.crm.salesforce_write import SalesforceDestination

    settings = settings or get_settings()
    api = SalesforceApi.from_settings(settings)
    source = SalesforceSource(api, _mapping(mapping_for, "salesforce"))
    return CrmLink(source, source.mapping, SalesforceDestination(source), [api.close])


def _mapping(mapping_for: Callable[..., SourceMapping], source: str) -> SourceMapping:
    from connector.errors import LeadbridgeError
    from connector.mapping.load import load_mapping

    # LEADBRIDGE_MAPPING names one mapping; a worker serving both CRMs uses the shipped one for the other.
    try:
        return mapping_for(None, source)
    except LeadbridgeError:
        return load_mapping(None, source=source)


BUILDERS: dict[str, Callable[[Settings | None], CrmLink]] = {"hubspot": hubspot_link, "salesforce": salesforce_link}


def links_from_settings(sources: Sequence[str], settings: Settings | None = None) -> dict[str, CrmLink]:
    """A link per source name; a source that is not configured is a UserError saying what to set."""
    links: dict[str, CrmLink] = {}
    for name in sources:
        if name not in BUILDERS:
            raise UserError(f"--source {name!r}: the worker serves {', '.join(sorted(BUILDERS))}")
        links[name] = BUILDERS[name](settings)
    return links
