"""``HubSpotSandbox``: one emulated HubSpot portal served over HTTP, plus methods tests and the demo use to
change it as users would (``touch``, ``add_activity``, ``create_contact``...).

    with HubSpotSandbox(HubSpotSettings(contacts=2_000)) as hubspot:
        client = HubSpot(access_token=hubspot.access_token, host=hubspot.url)
        client.crm.contacts.basic_api.get_page(limit=100)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.sandbox.hubspot.errors import HubSpotApiError, fault_body
from connector.sandbox.hubspot.limits import HubSpotLimits, HubSpotLimitsMiddleware
from connector.sandbox.hubspot.records import UI_SOURCE, ContactView
from connector.sandbox.hubspot.routes_associations import AssociationRoutes
from connector.sandbox.hubspot.routes_contacts import ContactRoutes
from connector.sandbox.hubspot.routes_control import ControlRoutes
from connector.sandbox.hubspot.routes_objects import ObjectRoutes
from connector.sandbox.hubspot.routes_properties import PropertyRoutes
from connector.sandbox.hubspot.settings import HubSpotSettings
from connector.sandbox.hubspot.store import HubSpotStore
from connector.sandbox.hubspot.webhooks import WebhookSender
from connector.sandbox.requestlog import RequestLog
from connector.sandbox.server import SandboxServer, emulator_middleware


class HubSpotSandbox:
    """A HubSpot portal on a local port. Start it with ``start()`` or ``with``; read ``url``."""

    def __init__(self, settings: HubSpotSettings | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.settings = settings or HubSpotSettings()
        self.store = HubSpotStore(self.settings)
        self.limits = HubSpotLimits(self.settings)
        self.log = RequestLog()
        self.faults = self.settings.faults
        self.webhooks = WebhookSender(self.settings.webhooks, self.settings.portal_id)
        self.store.subscribe(self.webhooks.on_change)
        self.app = self._build_app()
        self.server = SandboxServer(self.app, host=host, port=port)

    def _build_app(self) -> Starlette:
        routes = [
            *ContactRoutes(self.store).routes(),
            *ObjectRoutes(self.store).routes(),
            *AssociationRoutes(self.store).routes(),
            *PropertyRoutes(self.store).routes(),
            *ControlRoutes(self).routes(),
        ]
        middleware = [
            *emulator_middleware(self.log, self.faults, fault_body, retry_after=False),
            Middleware(HubSpotLimitsMiddleware, limits=self.limits),
        ]
        return Starlette(
            routes=routes,
            middleware=middleware,
            exception_handlers={HubSpotApiError: _error_response, 404: _route_not_found, 405: _method_not_allowed},
        )

    # ------------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> HubSpotSandbox:
        self.server.start()
        self.webhooks.start()
        return self

    def stop(self) -> None:
        self.webhooks.stop()
        self.server.stop()

    def __enter__(self) -> HubSpotSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def access_token(self) -> str:
        return self.settings.access_token

    # ------------------------------------------------------------------------------------------------ control

    def contact_ids(self, limit: int | None = None) -> list[int]:
        """Live contact ids in ascending order (the first ``limit`` of them)."""
        found: list[int] = []
        after = 0
        while limit is None or len(found) < limit:
            page, after_id = self.store.list_page(after, 100 if limit is None else min(100, limit - len(found)))
            found.extend(v.id for v in page)
            if after_id is None:
                break
            after = after_id
        return found

    def contact(self, contact_id: int) -> ContactView | None:
        return self.store.get(contact_id)

    def touch(self, ids: Iterable[int], properties: Mapping[str, Any] | None = None) -> list[ContactView]:
        """Change contacts as a user in HubSpot would: set ``properties`` (any writable value, backward
        lifecycle stages included, as the UI allows) or, without properties, just bump lastmodifieddate.
        Sends the matching webhooks."""
        changed = []
        for cid in ids:
            if properties:
                view = self.store.update(cid, properties, source=UI_SOURCE, forward_only=False)
            else:
                view = self.store.update(
                    cid, {"hs_lead_status": _next_lead_status(self.store.get(cid))}, source=UI_SOURCE
                )
            if view is None:
                raise KeyError(f"no HubSpot contact {cid}")
            changed.append(view)
        return changed

    def add_activity(
        self, contact_id: int, kind: str, occurred_at: datetime | None = None, detail: Mapping[str, str] | None = None
    ) -> int | None:
        """Record an activity (an ``ActivityKind`` value) for a contact; rollups and engagements follow.
        Returns the new engagement's id, or None for kinds HubSpot keeps only as rollups."""
        return self.store.add_activity(contact_id, kind, occurred_at, detail)

    def create_contact(self, properties: Mapping[str, Any]) -> ContactView:
        return self.store.create(properties, source=UI_SOURCE)

    def archive_contact(self, contact_id: int) -> bool:
        return self.store.archive(contact_id, source=UI_SOURCE)

    def merge_contacts(self, primary_id: int, secondary_id: int) -> ContactView:
        return self.store.merge(primary_id, secondary_id, source=UI_SOURCE)

    def set_rate_limit(self, limit: int, search_limit: int | None = None, daily_limit: int | None = None) -> None:
        """Change the limits while running (and forget requests counted so far)."""
        self.limits.set_rate_limit(limit, search_limit, daily_limit)
        self.limits.reset()


def _next_lead_status(view: ContactView | None) -> str:
    # A touch without properties still has to change something for lastmodifieddate to move.
    current = view.properties.get("hs_lead_status") if view else None
    return "IN_PROGRESS" if current == "OPEN" else "OPEN"


async def _error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotApiError)
    return exc.response()


async def _route_not_found(request: Request, exc: Exception) -> Response:
    error = HubSpotApiError(404, f"Unable to route {request.method} {request.url.path}", "OBJECT_NOT_FOUND")
    return error.response()


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        HubSpotApiError(405, f"{request.method} is not allowed on {request.url.path}", "VALIDATION_ERROR").body(),
        status_code=405,
    )
