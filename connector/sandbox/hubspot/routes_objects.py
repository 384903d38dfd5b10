"""Deals and engagements (emails, calls, meetings, notes, tasks): get by id and batch read.

Source: https://developers.hubspot.com/docs/api/crm/engagements and .../crm/deals — the same object API
shape as contacts (``/crm/v3/objects/{type}/{id}``, ``/batch/read`` with ``inputs`` and ``properties``).
Engagements are read-only here: they come from synthetic activity and ``HubSpotSandbox.add_activity``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.hubspot.api import (
    ENGAGEMENT_TYPES,
    batch_inputs,
    batch_response,
    json_body,
    not_found_error,
    now_iso,
    object_id,
    query_list,
)
from connector.sandbox.hubspot.dataset import Deal, Engagement
from connector.sandbox.hubspot.errors import not_found
from connector.sandbox.hubspot.schema import (
    DEFAULT_DEAL_PROPERTIES,
    DEFAULT_ENGAGEMENT_PROPERTIES,
    ENGAGEMENT_PROPERTIES,
)
from connector.sandbox.hubspot.store import HubSpotStore
from connector.sandbox.hubspot.timefmt import iso


def _object_json(
    oid: int,
    properties: dict[str, str],
    created: int,
    modified: int,
    names: list[str] | None,
    defaults: tuple[str, ...],
) -> dict[str, Any]:
    wanted = names if names is not None else list(defaults)
    return {
        "id": str(oid),
        "properties": {n: properties.get(n) for n in wanted if n in properties or n in defaults},
        "createdAt": iso(created),
        "updatedAt": iso(modified),
        "archived": False,
    }


def engagement_json(e: Engagement, names: list[str] | None) -> dict[str, Any]:
    known = ENGAGEMENT_PROPERTIES[e.object_type]
    props = {n: e.properties.get(n) for n in known}
    return _object_json(e.id, props, e.occurred_ms, e.occurred_ms, names, DEFAULT_ENGAGEMENT_PROPERTIES)  # type: ignore[arg-type]


def deal_json(d: Deal, names: list[str] | None) -> dict[str, Any]:
    return _object_json(d.id, d.properties, d.created_ms, d.modified_ms, names, DEFAULT_DEAL_PROPERTIES)


Endpoint = Callable[[Request], Awaitable[JSONResponse]]


class ObjectRoutes:
    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def routes(self) -> list[Route]:
        routes = []
        for kind in (*ENGAGEMENT_TYPES, "deals"):
            base = f"/crm/v3/objects/{kind}"
            routes.append(Route(base + "/batch/read", self._batch_read(kind), methods=["POST"]))
            routes.append(Route(base + "/{object_id}", self._get(kind), methods=["GET"]))
        return routes

    def _find(self, kind: str, oid: int, names: list[str] | None) -> dict[str, Any] | None:
        if kind == "deals":
            deal = self.store.deal(oid)
            return deal_json(deal, names) if deal else None
        engagement = self.store.engagement(kind, oid)
        return engagement_json(engagement, names) if engagement else None

    def _get(self, kind: str) -> Endpoint:
        async def get(request: Request) -> JSONResponse:
            raw = request.path_params["object_id"]
            found = self._find(kind, object_id(raw), query_list(request, "properties"))
            if found is None:
                raise not_found(kind[:-1], raw)
            return JSONResponse(found)

        return get

    def _batch_read(self, kind: str) -> Endpoint:
        async def batch_read(request: Request) -> JSONResponse:
            started = now_iso()
            body = await json_body(request)
            names = body.get("properties") or None
            results, missing = [], []
            for item in batch_inputs(body):
                raw = str((item or {}).get("id", ""))
                found = self._find(kind, object_id(raw), names)
                if found is None:
                    missing.append(raw)
                else:
                    results.append(found)
            errors = [not_found_error(kind[:-1].upper(), missing)] if missing else None
            return batch_response(results, started, errors)

        return batch_read
