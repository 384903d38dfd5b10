"""Associations v4: batch read (contact -> engagements/deals and back) and the per-object list.

Source: https://developers.hubspot.com/docs/api/crm/associations (v4): ``POST
/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read`` with ``inputs: [{id}]``; results carry
``toObjectId`` and ``associationTypes`` (category HUBSPOT_DEFINED, typeId); an input without associations
comes back as an error with subCategory crm.associations.NO_ASSOCIATIONS_FOUND (207 Multi-Status).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.hubspot.api import batch_inputs, batch_response, json_body, now_iso, object_id, object_type
from connector.sandbox.hubspot.dataset import CONTACT_ASSOCIATION_TYPE, TO_CONTACT_ASSOCIATION_TYPE
from connector.sandbox.hubspot.errors import validation_error
from connector.sandbox.hubspot.store import HubSpotStore


def _link(to_id: int, type_id: int) -> dict[str, Any]:
    return {
        "toObjectId": to_id,
        "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
    }


class AssociationRoutes:
    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def routes(self) -> list[Route]:
        return [
            Route("/crm/v4/associations/{from_type}/{to_type}/batch/read", self.batch_read, methods=["POST"]),
            Route(
                "/crm/v4/objects/{from_type}/{object_id}/associations/{to_type}", self.list_for_object, methods=["GET"]
            ),
        ]

    def associated(self, from_type: str, oid: int, to_type: str) -> list[dict[str, Any]]:
        """Links from one object to objects of ``to_type``."""
        if from_type == "contacts":
            if to_type == "deals":
                return [_link(d.id, CONTACT_ASSOCIATION_TYPE["deals"]) for d in self.store.deals(oid)]
            if to_type in CONTACT_ASSOCIATION_TYPE:
                type_id = CONTACT_ASSOCIATION_TYPE[to_type]
                return [_link(e, type_id) for e in self.store.engagement_ids(oid, to_type)]
            return []
        if to_type != "contacts":
            return []
        if from_type == "deals":
            deal = self.store.deal(oid)
            owner = deal.contact_id if deal else None
        else:
            engagement = self.store.engagement(from_type, oid)
            owner = engagement.contact_id if engagement else None
        if owner is None:
            return []
        return [_link(self.store.resolve(owner), TO_CONTACT_ASSOCIATION_TYPE[from_type])]

    async def batch_read(self, request: Request) -> JSONResponse:
        started = now_iso()
        from_type = object_type(request.path_params["from_type"])
        to_type = object_type(request.path_params["to_type"])
        if from_type == to_type:
            raise validation_error(f"Associations from {from_type} to {to_type} are not supported here")
        results, errors = [], []
        for item in batch_inputs(await json_body(request)):
            raw = str((item or {}).get("id", ""))
            links = self.associated(from_type, object_id(raw), to_type)
            if links:
                results.append({"from": {"id": raw}, "to": links})
            else:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                        "message": f"No {to_type[:-1]} is associated with {from_type[:-1]} {raw}.",
                        "context": {"fromObjectId": [raw], "toObjectType": [to_type[:-1]]},
                    }
                )
        return batch_response(results, started, errors or None)

    async def list_for_object(self, request: Request) -> JSONResponse:
        from_type = object_type(request.path_params["from_type"])
        to_type = object_type(request.path_params["to_type"])
        links = self.associated(from_type, object_id(request.path_params["object_id"]), to_type)
        return JSONResponse({"results": links})
