"""HubSpot JSON -> the values the mapping readers take, and the request bodies the adapter sends. Pure.

Nothing here talks to HubSpot: the adapter (``connector.crm.hubspot``) feeds these functions the JSON its
requests answered, so every conversion is testable on a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

#: Values the adapter computes from associated deals; mappings name them like properties (``deals.has_open``)
#: but they are not requested from HubSpot.
DEAL_COLUMNS = ("deals.has_open", "deals.has_won")

#: Properties every contact read asks for, whatever the mapping names: the id and change time, merges (the
#: surviving contact lists the ids merged into it) and whether any deal is associated (deals are read only
#: for those contacts).
ALWAYS_READ = ("hs_object_id", "lastmodifieddate", "hs_merged_object_ids", "num_associated_deals")

#: Properties read per engagement type, and which of them give the activity's subject, direction, outcome
#: (source: the engagements guides, e.g. https://developers.hubspot.com/docs/api/crm/email).
ENGAGEMENT_FIELDS: dict[str, dict[str, str]] = {
    "emails": {"subject": "hs_email_subject", "direction": "hs_email_direction", "outcome": "hs_email_status"},
    "calls": {"subject": "hs_call_title", "direction": "hs_call_direction", "outcome": "hs_call_status"},
    "meetings": {"subject": "hs_meeting_title", "outcome": "hs_meeting_outcome"},
    "notes": {"subject": "hs_note_body"},
    "tasks": {"subject": "hs_task_subject", "outcome": "hs_task_status"},
}
_SUBJECT_CHARS = 200

#: Deal stages that are closed in HubSpot's default pipeline; other pipelines say it with hs_is_closed.
_CLOSED_STAGES = frozenset({"closedwon", "closedlost"})
DEAL_PROPERTIES = ("dealstage", "hs_is_closed", "hs_is_closed_won")


def contact_properties(columns: Sequence[str]) -> list[str]:
    """The properties to request for a mapping's contact columns (computed deal columns left out)."""
    wanted = [c for c in columns if c not in DEAL_COLUMNS]
    return list(dict.fromkeys([*ALWAYS_READ, *wanted]))


def contact_values(record: Mapping[str, Any], columns: Sequence[str], deals: tuple[bool, bool]) -> list[Any]:
    """One contact record's values in the reader's column order; deal columns from ``deals`` (open, won)."""
    props = record.get("properties") or {}
    values: list[Any] = []
    for column in columns:
        if column == "hs_object_id":
            values.append(props.get(column) or record.get("id"))
        elif column == "deals.has_open":
            values.append(deals[0])
        elif column == "deals.has_won":
            values.append(deals[1])
        else:
            values.append(props.get(column))
    return values


def merged_ids(record: Mapping[str, Any]) -> list[str]:
    """Ids merged into this contact (HubSpot keeps them in hs_merged_object_ids, ``;``-separated)."""
    raw = (record.get("properties") or {}).get("hs_merged_object_ids") or ""
    return [part.strip() for part in str(raw).split(";") if part.strip()]


def deal_count(record: Mapping[str, Any]) -> int:
    raw = (record.get("properties") or {}).get("num_associated_deals")
    try:
        return int(float(raw)) if raw not in (None, "") else 0
    except ValueError:
        return 0


def deal_flags(deals: Iterable[Mapping[str, Any]]) -> tuple[bool, bool]:
    """(has an open deal, has a won deal) from deal records."""
    has_open = has_won = False
    for deal in deals:
        props = deal.get("properties") or {}
        stage = str(props.get("dealstage") or "").lower()
        won = str(props.get("hs_is_closed_won") or "").lower() == "true" or stage == "closedwon"
        closed = won or stage in _CLOSED_STAGES or str(props.get("hs_is_closed") or "").lower() == "true"
        has_won = has_won or won
        has_open = has_open or not closed
    return has_open, has_won


def engagement_properties(object_type: str) -> list[str]:
    return ["hs_timestamp", "hs_createdate", *ENGAGEMENT_FIELDS[object_type].values()]


def engagement_record(object_type: str, record: Mapping[str, Any], contact_id: str) -> dict[str, Any]:
    """An engagement as the activities mapping reads it: ``engagement_type`` (``email:INCOMING_EMAIL``,
    ``call:INBOUND``, ``meeting``...), ``hs_timestamp``, ``hs_object_id``, ``subject``, ``direction``,
    ``outcome`` and the object's own properties."""
    props = dict(record.get("properties") or {})
    fields = ENGAGEMENT_FIELDS[object_type]
    singular = object_type[:-1]
    direction = props.get(fields["direction"]) if "direction" in fields else None
    subject = props.get(fields["subject"]) or None
    if isinstance(subject, str) and len(subject) > _SUBJECT_CHARS:
        subject = subject[: _SUBJECT_CHARS - 1] + "…"
    return {
        **props,
        "contact_id": contact_id,
        "hs_object_id": str(record.get("id") or props.get("hs_object_id")),
        "hs_timestamp": props.get("hs_timestamp") or props.get("hs_createdate") or record.get("createdAt"),
        "engagement_type": f"{singular}:{direction}" if direction else singular,
        "subject": subject,
        "direction": direction,
        "outcome": props.get(fields["outcome"]) if "outcome" in fields else None,
    }


def association_targets(body: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """From an associations v4 batch read answer: source id -> associated ids. Inputs without associations
    come back as NO_ASSOCIATIONS_FOUND errors: they simply have none."""
    found: dict[str, list[str]] = {}
    for result in (body or {}).get("results") or ():
        source = str((result.get("from") or {}).get("id"))
        found.setdefault(source, []).extend(str(link.get("toObjectId")) for link in result.get("to") or ())
    return found


def epoch_ms(moment: datetime) -> str:
    """Epoch milliseconds, as search filters on datetime properties take them."""
    return str(int(moment.timestamp() * 1000))


def changed_search(since: datetime, until: datetime, above_id: int, properties: Sequence[str],
                   limit: int = 200) -> dict[str, Any]:
    """The search for contacts changed in [since, until) with an id above ``above_id``, ids ascending.

    Paging is by id, never by ``after`` offsets: HubSpot caps a query at 10,000 results (more than 10,000
    contacts can share one lastmodifieddate after a bulk import), and an offset also shifts when a contact
    already read leaves the window — which our own write-back does to every contact it writes.
    """
    return {
        "filterGroups": [{"filters": [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": epoch_ms(since)},
            {"propertyName": "lastmodifieddate", "operator": "LT", "value": epoch_ms(until)},
            {"propertyName": "hs_object_id", "operator": "GT", "value": str(above_id)},
        ]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
    }


def write_value(value: Any) -> str:
    """A rendered value as HubSpot takes it: text; booleans as true/false; None clears the property."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def property_problems(body: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(property, code, message) for each property a 400 names (PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE,
    INVALID_OPTION...), from the structured ``errors`` list."""
    problems = []
    for error in body.get("errors") or ():
        names = ((error.get("context") or {}).get("propertyName")) or []
        for name in names:
            problems.append((str(name), str(error.get("code") or ""), str(error.get("message") or "")))
    return problems


def missing_ids(body: Mapping[str, Any] | None) -> set[str]:
    """Ids a batch answer reports as not found (deleted, or never existed)."""
    found: set[str] = set()
    for error in (body or {}).get("errors") or ():
        if error.get("category") == "OBJECT_NOT_FOUND":
            found.update(str(i) for i in (error.get("context") or {}).get("ids") or ())
    return found
