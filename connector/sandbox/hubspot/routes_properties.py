"""Properties and property groups: list, get, create (409 on a duplicate name, as HubSpot answers).

Source: https://developers.hubspot.com/docs/api/crm/properties (``/crm/v3/properties/{objectType}``,
``/groups``; a property needs name, label, type, fieldType and an existing groupName).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.hubspot.api import json_body, now_iso, object_type
from connector.sandbox.hubspot.errors import conflict, not_found, validation_error
from connector.sandbox.hubspot.schema import (
    PropertyDef,
    PropertyGroup,
    PropertyRegistry,
    engagement_property_defs,
)
from connector.sandbox.hubspot.store import HubSpotStore

PROPERTY_TYPES = ("string", "number", "date", "datetime", "enumeration", "bool")
FIELD_TYPES = (
    "textarea",
    "text",
    "date",
    "file",
    "number",
    "select",
    "radio",
    "checkbox",
    "booleancheckbox",
    "calculation_equation",
    "phonenumber",
)


class PropertyRoutes:
    def __init__(self, store: HubSpotStore) -> None:
        self.store = store
        self._engagements: dict[str, PropertyRegistry] = {}

    def routes(self) -> list[Route]:
        base = "/crm/v3/properties/{object_type}"
        return [
            Route(base, self.list_properties, methods=["GET"]),
            Route(base, self.create_property, methods=["POST"]),
            Route(base + "/groups", self.list_groups, methods=["GET"]),
            Route(base + "/groups", self.create_group, methods=["POST"]),
            Route(base + "/groups/{group_name}", self.get_group, methods=["GET"]),
            Route(base + "/{property_name}", self.get_property, methods=["GET"]),
        ]

    def registry(self, raw_type: str) -> PropertyRegistry:
        kind = object_type(raw_type)
        if kind == "contacts":
            return self.store.contact_properties
        if kind == "deals":
            return self.store.deal_properties
        if kind not in self._engagements:
            self._engagements[kind] = PropertyRegistry(engagement_property_defs(kind), ())
        return self._engagements[kind]

    async def list_properties(self, request: Request) -> JSONResponse:
        registry = self.registry(request.path_params["object_type"])
        return JSONResponse({"results": [p.to_json() for p in registry.properties]})

    async def get_property(self, request: Request) -> JSONResponse:
        name = request.path_params["property_name"]
        found = self.registry(request.path_params["object_type"]).get(name)
        if found is None:
            raise not_found("property", name)
        return JSONResponse(found.to_json())

    async def create_property(self, request: Request) -> JSONResponse:
        registry = self.registry(request.path_params["object_type"])
        body = await json_body(request)
        missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
        if missing:
            raise validation_error(f"Missing required fields: {', '.join(missing)}", missing=missing)
        name = str(body["name"])
        if body["type"] not in PROPERTY_TYPES:
            raise validation_error(f"Invalid type {body['type']!r}; expected one of {', '.join(PROPERTY_TYPES)}")
        if body["fieldType"] not in FIELD_TYPES:
            raise validation_error(f"Invalid fieldType {body['fieldType']!r}; expected one of {', '.join(FIELD_TYPES)}")
        if registry.group(str(body["groupName"])) is None:
            raise validation_error(
                f"Property group {body['groupName']!r} does not exist", groupName=[str(body["groupName"])]
            )
        if name in registry:
            raise conflict(f"Property named '{name}' already exists.")
        prop = PropertyDef.from_create(body, now_iso())
        registry.add(prop)
        return JSONResponse(prop.to_json(), status_code=201)

    async def list_groups(self, request: Request) -> JSONResponse:
        registry = self.registry(request.path_params["object_type"])
        return JSONResponse({"results": [g.to_json() for g in registry.groups]})

    async def get_group(self, request: Request) -> JSONResponse:
        name = request.path_params["group_name"]
        group = self.registry(request.path_params["object_type"]).group(name)
        if group is None:
            raise not_found("property group", name)
        return JSONResponse(group.to_json())

    async def create_group(self, request: Request) -> JSONResponse:
        registry = self.registry(request.path_params["object_type"])
        body = await json_body(request)
        if not body.get("name") or not body.get("label"):
            raise validation_error("Property groups need a name and a label")
        name = str(body["name"])
        if registry.group(name) is not None:
            raise conflict(f"A property group named '{name}' already exists.")
        group = PropertyGroup(name, str(body["label"]), int(body.get("displayOrder", -1)))
        registry.add_group(group)
        return JSONResponse(group.to_json(), status_code=201)
