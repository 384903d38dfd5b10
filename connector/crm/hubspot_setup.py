"""``leadbridge setup --source hubspot``: the property group and the custom properties the mapping writes to,
created idempotently (what exists is left as it is and reported).

Source: https://developers.hubspot.com/docs/api/crm/properties — a property needs name, label, type,
fieldType and an existing groupName; creating one that exists is a 409. Boolean properties take the two
options true/false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.crm.hubspot_client import HubSpotApi
from connector.errors import SkippableCrmError
from connector.mapping.schema import Mapping as SourceMapping
from connector.mapping.schema import WriteField

GROUP = "leadbridge"
GROUP_LABEL = "leadbridge lead qualification"

#: HubSpot's own properties: written to, never created.
HUBSPOT_DEFINED = frozenset({"lifecyclestage", "hs_lead_status", "hubspot_owner_id"})

#: output -> (type, fieldType, label, description)
_SPECS: dict[str, tuple[str, str, str, str]] = {
    "score": ("number", "number", "Lead score", "leadbridge score, 0-100 (fit and engagement combined)"),
    "fit": ("number", "number", "Fit score", "leadbridge fit, 0-100: who they are"),
    "engagement": ("number", "number", "Engagement score", "leadbridge engagement, 0-100: what they did"),
    "grade": ("string", "text", "Lead grade", "leadbridge grade: fit letter A-C and engagement digit 1-3"),
    "stage": ("enumeration", "select", "Qualified stage", "leadbridge lifecycle stage"),
    "disqualified": ("bool", "booleancheckbox", "Disqualified", "leadbridge: disqualified by a rule"),
    "disqualified_reason": ("string", "text", "Disqualified because", "leadbridge: the disqualifying rule"),
    "summary": ("string", "textarea", "Qualification summary", "leadbridge: why this score, in one line"),
    "stage_reason": ("string", "textarea", "Stage reason", "leadbridge: why this stage"),
    "model_version": ("string", "text", "Scoring model version", "leadbridge: version of the scoring model"),
    "computed_at": ("datetime", "date", "Scored at", "leadbridge: when the score was computed"),
    "mql_date": ("date", "date", "Became MQL on", "leadbridge: the day the contact first qualified as an MQL"),
    "sql_date": ("date", "date", "Became SQL on", "leadbridge: the day the contact first qualified as an SQL"),
}
_STAGE_OPTIONS = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist")


@dataclass
class SetupReport:
    group_created: bool = False
    created: list[str] = field(default_factory=list)
    existed: list[str] = field(default_factory=list)
    #: Properties that exist with another type than leadbridge writes: (name, problem).
    conflicts: list[tuple[str, str]] = field(default_factory=list)


def property_body(write: WriteField) -> dict[str, Any]:
    """The create body for one write target."""
    type_, field_type, label, description = _SPECS[write.output]
    body: dict[str, Any] = {"name": write.to, "label": label, "type": type_, "fieldType": field_type,
                            "groupName": GROUP, "description": description}
    if type_ == "bool":
        body["options"] = [{"label": "Yes", "value": "true", "displayOrder": 0},
                           {"label": "No", "value": "false", "displayOrder": 1}]
    elif type_ == "enumeration":
        values = [str((write.value_map or {}).get(s, s)) for s in _STAGE_OPTIONS]
        body["options"] = [{"label": v, "value": v, "displayOrder": i} for i, v in enumerate(values)]
    return body


def existing_properties(api: HubSpotApi) -> dict[str, dict[str, Any]]:
    """Contact property definitions by name (one request)."""
    answer = api.call("properties", api.properties.get_all, "contacts")
    return {str(p["name"]): p for p in (answer or {}).get("results") or ()}


def setup(api: HubSpotApi, mapping: SourceMapping, *, dry_run: bool = False) -> SetupReport:
    """Create what is missing; with ``dry_run`` only say what would be created."""
    report = SetupReport()
    groups = api.call("property_groups", api.property_groups.get_all, "contacts")
    if GROUP not in {g.get("name") for g in (groups or {}).get("results") or ()}:
        report.group_created = True
        if not dry_run:
            _create(api, "create_group", api.property_groups.create, {"name": GROUP, "label": GROUP_LABEL,
                                                                       "displayOrder": -1})
    existing = existing_properties(api)
    for write in mapping.write:
        if write.to in HUBSPOT_DEFINED:
            continue
        body = property_body(write)
        found = existing.get(write.to)
        if found is not None:
            report.existed.append(write.to)
            if found.get("type") != body["type"]:
                report.conflicts.append((write.to, f"is a {found.get('type')} property; leadbridge writes "
                                                   f"{body['type']} values to it"))
            continue
        report.created.append(write.to)
        if not dry_run:
            _create(api, "create_property", api.properties.create, body)
    return report


def _create(api: HubSpotApi, kind: str, method: Any, body: dict[str, Any]) -> None:
    try:
        api.call(kind, method, "contacts", body)
    except SkippableCrmError as exc:
        if exc.status != 409:  # created meanwhile by another run: fine
            raise
