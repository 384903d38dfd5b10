"""Contacts: list, get, create, update, archive, batch read/update/create/archive, search, merge.

Source: https://developers.hubspot.com/docs/api/crm/contacts (endpoints, ``limit`` up to 100 on list,
``after`` cursor, ``properties``, ``archived``, ``idProperty=email`` on batch read, merge body
``primaryObjectId``/``objectIdToMerge``).
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox.hubspot import search
from connector.sandbox.hubspot.api import (
    batch_inputs,
    batch_response,
    json_body,
    not_found_error,
    now_iso,
    object_id,
    query_bool,
    query_list,
)
from connector.sandbox.hubspot.dataset import CONTACT_ASSOCIATION_TYPE
from connector.sandbox.hubspot.errors import not_found, validation_error
from connector.sandbox.hubspot.records import ContactView
from connector.sandbox.hubspot.schema import DEFAULT_CONTACT_PROPERTIES
from connector.sandbox.hubspot.store import HubSpotStore

BASE = "/crm/v3/objects/contacts"
MAX_LIST_LIMIT = 100


def encode_cursor(contact_id: int) -> str:
    """List cursors are opaque strings in HubSpot; callers must pass ``paging.next.after`` back as is."""
    return base64.urlsafe_b64encode(str(contact_id).encode()).decode().rstrip("=")


def decode_cursor(after: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode())
    except ValueError:
        raise validation_error(
            f"Invalid 'after' cursor {after!r}: pass paging.next.after from the previous page"
        ) from None


class ContactRoutes:
    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def routes(self) -> list[Route]:
        return [
            Route(BASE, self.list_contacts, methods=["GET"]),
            Route(BASE, self.create, methods=["POST"]),
            Route(BASE + "/search", self.search, methods=["POST"]),
            Route(BASE + "/merge", self.merge, methods=["POST"]),
            Route(BASE + "/batch/read", self.batch_read, methods=["POST"]),
            Route(BASE + "/batch/update", self.batch_update, methods=["POST"]),
            Route(BASE + "/batch/create", self.batch_create, methods=["POST"]),
            Route(BASE + "/batch/archive", self.batch_archive, methods=["POST"]),
            Route(BASE + "/{contact_id}", self.get, methods=["GET"]),
            Route(BASE + "/{contact_id}", self.update, methods=["PATCH"]),
            Route(BASE + "/{contact_id}", self.archive, methods=["DELETE"]),
        ]

    def _json(
        self, view: ContactView, names: list[str] | None, associations: list[str] | None = None
    ) -> dict[str, Any]:
        body = view.to_json(names, DEFAULT_CONTACT_PROPERTIES, self.store.contact_properties)
        if associations:
            body["associations"] = self._associations(view.id, associations)
        return body

    def _associations(self, contact_id: int, types: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for kind in types:
            if kind == "deals":
                ids = [d.id for d in self.store.deals(contact_id)]
            elif kind in CONTACT_ASSOCIATION_TYPE:
                ids = self.store.engagement_ids(contact_id, kind)
            else:
                continue
            if ids:
                label = f"contact_to_{kind[:-1]}"
                found[kind] = {"results": [{"id": str(i), "type": label} for i in ids]}
        return found

    async def list_contacts(self, request: Request) -> JSONResponse:
        limit = int(request.query_params.get("limit", "10"))
        if not 0 < limit <= MAX_LIST_LIMIT:
            raise validation_error(f"limit must be between 1 and {MAX_LIST_LIMIT}, got {limit}")
        after = request.query_params.get("after")
        start = decode_cursor(after) if after else 0
        names = query_list(request, "properties")
        associations = query_list(request, "associations")
        views, next_id = self.store.list_page(start, limit, archived=query_bool(request, "archived"))
        body: dict[str, Any] = {"results": [self._json(v, names, associations) for v in views]}
        if next_id is not None:
            cursor = encode_cursor(next_id)
            link = str(request.url.include_query_params(after=cursor))
            body["paging"] = {"next": {"after": cursor, "link": link}}
        return JSONResponse(body)

    async def get(self, request: Request) -> JSONResponse:
        raw = request.path_params["contact_id"]
        if request.query_params.get("idProperty") == "email":
            cid = self.store.find_by_email(raw)
            view = self.store.get(cid) if cid is not None else None
        else:
            view = self.store.get(object_id(raw), archived=query_bool(request, "archived"))
        if view is None:
            raise not_found("contact", raw)
        return JSONResponse(self._json(view, query_list(request, "properties"), query_list(request, "associations")))

    async def create(self, request: Request) -> JSONResponse:
        body = await json_body(request)
        view = self.store.create(body.get("properties") or {})
        return JSONResponse(self._json(view, list(view.properties)), status_code=201)

    async def update(self, request: Request) -> JSONResponse:
        raw = request.path_params["contact_id"]
        body = await json_body(request)
        properties = body.get("properties")
        if not properties:
            raise validation_error("No properties found to update, please provide at least one.")
        view = self.store.update(object_id(raw), properties)
        if view is None:
            raise not_found("contact", raw)
        return JSONResponse(self._json(view, [*DEFAULT_CONTACT_PROPERTIES, *properties]))

    async def archive(self, request: Request) -> Response:
        # HubSpot answers 204 whether or not the contact existed.
        self.store.archive(object_id(request.path_params["contact_id"]))
        return Response(status_code=204)

    async def batch_read(self, request: Request) -> JSONResponse:
        started = now_iso()
        body = await json_body(request)
        inputs = batch_inputs(body)
        names = body.get("properties") or None
        by_email = body.get("idProperty") == "email"
        archived = query_bool(request, "archived")
        results, missing = [], []
        seen: set[int] = set()
        for item in inputs:
            raw = str((item or {}).get("id", ""))
            if by_email:
                cid = self.store.find_by_email(raw)
                view = self.store.get(cid) if cid is not None else None
            else:
                view = self.store.get(object_id(raw), archived=archived)
            if view is None:
                missing.append(raw)
            elif view.id not in seen:
                seen.add(view.id)
                results.append(self._json(view, names))
        errors = [not_found_error("CONTACT", missing)] if missing else None
        return batch_response(results, started, errors)

    async def batch_update(self, request: Request) -> JSONResponse:
        started = now_iso()
        inputs = batch_inputs(await json_body(request))
        ids = [str((item or {}).get("id", "")) for item in inputs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise validation_error(
                f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique", ids=duplicates
            )
        # Validate every input before writing any, as HubSpot fails the whole batch on a bad property.
        for item in inputs:
            self.store.validate((item or {}).get("properties") or {})
        results, missing = [], []
        for item in inputs:
            properties = item.get("properties") or {}
            view = self.store.update(object_id(item.get("id")), properties)
            if view is None:
                missing.append(str(item.get("id")))
            else:
                results.append(self._json(view, [*DEFAULT_CONTACT_PROPERTIES, *properties]))
        errors = [not_found_error("CONTACT", missing)] if missing else None
        return batch_response(results, started, errors)

    async def batch_create(self, request: Request) -> JSONResponse:
        started = now_iso()
        inputs = batch_inputs(await json_body(request))
        for item in inputs:
            self.store.validate((item or {}).get("properties") or {})
        results = []
        for item in inputs:
            view = self.store.create(item.get("properties") or {})
            results.append(self._json(view, list(view.properties)))
        response = batch_response(results, started)
        response.status_code = 201
        return response

    async def batch_archive(self, request: Request) -> Response:
        for item in batch_inputs(await json_body(request)):
            self.store.archive(object_id((item or {}).get("id")))
        return Response(status_code=204)

    async def merge(self, request: Request) -> JSONResponse:
        body = await json_body(request)
        if "primaryObjectId" not in body or "objectIdToMerge" not in body:
            raise validation_error("primaryObjectId and objectIdToMerge are required")
        view = self.store.merge(object_id(body["primaryObjectId"]), object_id(body["objectIdToMerge"]))
        return JSONResponse(self._json(view, None))

    async def search(self, request: Request) -> JSONResponse:
        body = await json_body(request)
        parsed = search.parse(body, self.store.contact_properties)
        total, rows = search.run(parsed, self.store.search_rows(), self.store.contact_properties)
        results = [self._json(row.view(), parsed.properties) for row in rows]
        answer: dict[str, Any] = {"total": total, "results": results}
        following = parsed.after + len(rows)
        if following < total and rows:
            answer["paging"] = {"next": {"after": str(following)}}
        return JSONResponse(answer)
