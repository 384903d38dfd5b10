"""sObject Collections: update up to 200 records in one call, and retrieve several records by id.

From the REST API Developer Guide ("Update Records Using sObject Collections", "Get Records Using sObject
Collections", "allOrNone Parameters in Composite and Collections Requests") and the SOAP API's SaveResult:
- PATCH /composite/sobjects takes ``{"allOrNone": bool, "records": [...]}``, each record with
  ``attributes.type`` and ``id``; at most 200 records, else 400 EXCEEDED_ID_LIMIT for the whole request.
  A well-formed request answers 200 with one SaveResult per record, in request order:
  ``{"id", "success", "errors": [{"statusCode", "message", "fields"}]}``. A failed record has no id when
  the id itself was the problem (MALFORMED_ID, MISSING_ARGUMENT).
- allOrNone false (the default): each record succeeds or fails on its own. allOrNone true: one failure
  rolls everything back and the other records report ALL_OR_NONE_OPERATION_ROLLED_BACK.
- Per-record errors include CANNOT_UPDATE_CONVERTED_LEAD, UNABLE_TO_LOCK_ROW, ENTITY_IS_DELETED,
  INVALID_FIELD (no such column), INVALID_FIELD_FOR_INSERT_UPDATE (read-only field) and value errors.
- GET /composite/sobjects/<Type>?ids=&fields= (or POST with a JSON body, for long id lists) answers the
  records in the order asked, null for ids that name no live record; at most 2,000 ids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connector.sandbox.salesforce.ids import to18
from connector.sandbox.salesforce.records import Org, Table, json_record
from connector.sandbox.salesforce.values import FieldError

MAX_RECORDS = 200
MAX_RETRIEVE = 2_000


class CollectionError(Exception):
    """A collections request refused as a whole (400 with one error)."""

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


def update_records(org: Org, body: Any, user: int, lock_check: Callable[[str], bool] | None) -> list[dict[str, Any]]:
    """The SaveResults of a PATCH /composite/sobjects request."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise CollectionError("JSON_PARSER_ERROR", "The request body must be an object with a records list")
    records: list[Any] = body["records"]
    if len(records) > MAX_RECORDS:
        raise CollectionError(
            "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    all_or_none = body.get("allOrNone", False) is True
    plans: list[tuple[Table, int, dict[str, Any]] | None] = []
    results: list[dict[str, Any]] = []
    with org.lock:
        for record in records:
            target, raw, error = _target(org, record)
            if error is not None:
                plans.append(None)
                results.append(_failure(None, [error]))
                continue
            assert target is not None
            table, seq = target
            values, errors = org.prepare(table, seq, raw, lock_check)
            if errors:
                plans.append(None)
                results.append(_failure(table.id(seq), errors))
            else:
                plans.append((table, seq, values))
                results.append({"id": table.id(seq), "success": True, "errors": []})
        failed = any(not r["success"] for r in results)
        if all_or_none and failed:
            rolled_back = FieldError(
                "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "Record rolled back because not all records were valid and the request was using AllOrNone header",
            )
            return [r if not r["success"] else _failure(r["id"], [rolled_back]) for r in results]
        for plan in plans:
            if plan is not None:
                org.commit(plan[0], plan[1], plan[2], user)
    return results


def _target(org: Org, record: Any) -> tuple[tuple[Table, int] | None, dict[str, Any], FieldError | None]:
    if not isinstance(record, dict):
        raise CollectionError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, dict) else None
    spec = org.schema.object(sobject) if isinstance(sobject, str) else None
    if spec is None:
        raise CollectionError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
    raw = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
    record_id = record.get("id", record.get("Id"))
    if not record_id:
        return None, raw, FieldError("MISSING_ARGUMENT", "Id not specified in an update call")
    normalized = to18(record_id) if isinstance(record_id, str) else None
    located = org.locate(normalized) if normalized else None
    if normalized is None or normalized[:3] != spec.key_prefix:
        return (
            None,
            raw,
            FieldError("MALFORMED_ID", f"{spec.name} ID: id value of incorrect type: {record_id}", ("Id",)),
        )
    if located is None:
        return None, raw, FieldError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    return located, raw, None


def _failure(record_id: str | None, errors: Sequence[FieldError]) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [e.as_json() for e in errors]}
    if record_id is not None:
        result = {"id": record_id, **result}
    return result


def retrieve_records(
    org: Org, sobject: str, ids: Sequence[str], fields: Sequence[str], version: str
) -> list[dict[str, Any] | None]:
    """Records by id, in the order asked; None where an id names no live record of ``sobject``."""
    spec = org.schema.object(sobject)
    if spec is None:
        raise CollectionError("NOT_FOUND", "The requested resource does not exist")
    if not ids or not fields:
        raise CollectionError("MISSING_ARGUMENT", "ids and fields are both required")
    if len(ids) > MAX_RETRIEVE:
        raise CollectionError("EXCEEDED_ID_LIMIT", f"cannot retrieve more than {MAX_RETRIEVE} records")
    paths: list[tuple[str, ...]] = []
    for name in fields:
        field = spec.field(name.strip())
        if field is None:
            raise CollectionError("INVALID_FIELD", f"No such column '{name.strip()}' on sobject of type {spec.name}")
        paths.append((field.name,))
    out: list[dict[str, Any] | None] = []
    with org.lock:
        for record_id in ids:
            normalized = to18(record_id.strip())
            located = org.locate(normalized) if normalized else None
            if located is None or located[0].name != spec.name or located[0].deleted[located[1]]:
                out.append(None)
                continue
            out.append(json_record(org, located[0], located[1], paths, version))
    return out
