"""The records the store hands out: a contact's changed state, its API view, and change events."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.hubspot.timefmt import iso
from connector.sandbox.synthetic import SyntheticActivity


@dataclass
class ContactState:
    """A contact that differs from its synthetic origin (or has none: created through the API)."""

    overrides: dict[str, str | None] = field(default_factory=dict)
    modified_ms: int = 0
    created_ms: int | None = None  # set for contacts created after start
    archived_ms: int | None = None
    extra_activities: list[SyntheticActivity] = field(default_factory=list)
    merged_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ContactView:
    """A contact as the API returns it: all its stored properties and the object's metadata."""

    id: int
    properties: Mapping[str, str | None]
    created_ms: int
    modified_ms: int
    archived_ms: int | None = None

    def to_json(self, names: list[str] | None, defaults: tuple[str, ...], known: Container[str]) -> dict[str, Any]:
        """The API object; requested properties without a value are null, unknown names are left out."""
        wanted = names if names is not None else list(defaults)
        body: dict[str, Any] = {
            "id": str(self.id),
            "properties": {n: self.properties.get(n) for n in wanted if n in known},
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.modified_ms),
            "archived": self.archived_ms is not None,
        }
        if self.archived_ms is not None:
            body["archivedAt"] = iso(self.archived_ms)
        return body


@dataclass(frozen=True)
class ContactChange:
    """Something that happened to a contact, as webhook subscriptions see it."""

    kind: str  # creation | propertyChange | deletion | merge
    object_id: int
    occurred_ms: int
    change_source: str
    source_id: str | None = None
    property_name: str | None = None
    property_value: str | None = None
    merged_ids: tuple[int, ...] = ()


ChangeListener = Callable[[ContactChange], None]

#: Who made a change: our own API writes come from an integration (the private app), touches from the UI.
API_SOURCE = ("INTEGRATION", None)
UI_SOURCE = ("CRM_UI", "userId:1")


class SearchRow:
    """One contact as search sees it: id and dates from the index, other properties loaded on demand."""

    __slots__ = ("id", "created_ms", "modified_ms", "_view")

    def __init__(self, cid: int, created_ms: int, modified_ms: int, view: ContactView | Callable[[], ContactView]):
        self.id = cid
        self.created_ms = created_ms
        self.modified_ms = modified_ms
        self._view = view

    def value(self, name: str) -> str | None:
        if name == "hs_object_id":
            return str(self.id)
        if name == "createdate":
            return iso(self.created_ms)
        if name == "lastmodifieddate":
            return iso(self.modified_ms)
        return self.view().properties.get(name)

    def ms(self, name: str) -> int | None:
        """Fast path for the indexed datetime properties."""
        if name == "createdate":
            return self.created_ms
        if name == "lastmodifieddate":
            return self.modified_ms
        return None

    def view(self) -> ContactView:
        if not isinstance(self._view, ContactView):
            self._view = self._view()
        return self._view
