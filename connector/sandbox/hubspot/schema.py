"""Property definitions: the contact, deal and engagement properties the emulator knows, as the properties
API describes them, and which of them a client may write.

Names and types follow HubSpot's default properties
(https://knowledge.hubspot.com/properties/hubspots-default-contact-properties); the analytics and email
rollups are calculated (read-only) as in HubSpot. ``budget``, ``authority``, ``need``, ``timeline`` and
``pain_points`` are custom properties in a ``sales_qualification`` group, as a sales team would create them;
``seniority`` and ``department`` are custom contact properties filled by an enrichment tool.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: HubSpot's default lifecycle stages in funnel order. Writes may only move forward through this order
#: (source: https://integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333 — "first set the value to
#: "" (empty string), then (in a separate request) set the earlier lifecycle stage value").
LIFECYCLE_STAGES: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUSES = (
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
EMPLOYEE_RANGES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
)
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)

#: The timestamp HubSpot reports as the creation of its own property definitions.
_DEFINED_AT = "2019-08-06T02:41:52.000Z"


@dataclass(frozen=True)
class PropertyDef:
    """One property definition. ``read_only`` properties are calculated: a write is a 400 READ_ONLY_VALUE."""

    name: str
    label: str
    type: str = "string"  # string | number | date | datetime | enumeration | bool
    field_type: str = "text"
    group_name: str = "contactinformation"
    description: str = ""
    options: tuple[str, ...] = ()
    read_only: bool = False
    hubspot_defined: bool = True
    created_at: str = _DEFINED_AT
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "updatedAt": self.created_at,
            "createdAt": self.created_at,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [
                {"label": o, "value": o, "displayOrder": i, "hidden": False} for i, o in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": self.read_only,
            "externalOptions": False,
            "hasUniqueValue": self.name in ("email", "hs_object_id"),
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "formField": not self.read_only,
            "archived": False,
        }
        body.update(self.extra)
        return body

    @classmethod
    def from_create(cls, body: dict[str, Any], created_at: str) -> PropertyDef:
        options = tuple(str(o.get("value")) for o in body.get("options") or () if isinstance(o, dict))
        return cls(
            name=str(body["name"]),
            label=str(body.get("label") or body["name"]),
            type=str(body.get("type") or "string"),
            field_type=str(body.get("fieldType") or "text"),
            group_name=str(body.get("groupName") or "contactinformation"),
            description=str(body.get("description") or ""),
            options=options,
            hubspot_defined=False,
            created_at=created_at,
        )


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "displayOrder": self.display_order, "archived": False}


def _p(name: str, label: str, type_: str = "string", field_type: str | None = None, **kw: Any) -> PropertyDef:
    default_field = {
        "string": "text",
        "number": "number",
        "date": "date",
        "datetime": "date",
        "enumeration": "select",
        "bool": "booleancheckbox",
    }[type_]
    return PropertyDef(name, label, type_, field_type or default_field, **kw)


def _ro(name: str, label: str, type_: str = "number", group: str = "analyticsinformation") -> PropertyDef:
    return _p(name, label, type_, read_only=True, group_name=group)


CONTACT_GROUPS: tuple[PropertyGroup, ...] = (
    PropertyGroup("contactinformation", "Contact information", 0),
    PropertyGroup("analyticsinformation", "Web analytics history", 1),
    PropertyGroup("emailinformation", "Email information", 2),
    PropertyGroup("conversioninformation", "Conversion information", 3),
    PropertyGroup("sales_properties", "Sales properties", 4),
    PropertyGroup("sales_qualification", "Sales qualification", 5),
)

CONTACT_PROPERTIES: tuple[PropertyDef, ...] = (
    _ro("hs_object_id", "Record ID", "number", "contactinformation"),
    _ro("createdate", "Create Date", "datetime", "contactinformation"),
    _ro("lastmodifieddate", "Last Modified Date", "datetime", "contactinformation"),
    _p("email", "Email"),
    _p("firstname", "First Name"),
    _p("lastname", "Last Name"),
    _p("jobtitle", "Job Title"),
    _p("company", "Company Name"),
    _p("website", "Website URL"),
    _p("phone", "Phone Number", field_type="phonenumber"),
    _p("country", "Country/Region"),
    _p("industry", "Industry"),
    _p("numemployees", "Number of Employees", "enumeration", options=EMPLOYEE_RANGES),
    _p("lifecyclestage", "Lifecycle Stage", "enumeration", field_type="radio", options=LIFECYCLE_STAGES),
    _p("hs_lead_status", "Lead Status", "enumeration", field_type="radio", options=LEAD_STATUSES),
    _p("hubspot_owner_id", "Contact owner", "enumeration", group_name="sales_properties"),
    _p("hs_email_optout", "Unsubscribed from all email", "bool", group_name="emailinformation"),
    _ro("hs_analytics_source", "Original Source", "enumeration"),
    _ro("hs_analytics_num_visits", "Number of Sessions"),
    _ro("hs_analytics_num_page_views", "Number of Pageviews"),
    _ro("hs_analytics_first_visit_timestamp", "Time of First Session", "datetime"),
    _ro("hs_analytics_last_visit_timestamp", "Time of Last Session", "datetime"),
    _ro("hs_analytics_last_url", "Last Page Seen", "string"),
    _ro("num_conversion_events", "Number of Form Submissions", group="conversioninformation"),
    _ro("num_unique_conversion_events", "Number of Unique Forms Submitted", group="conversioninformation"),
    _ro("first_conversion_event_name", "First Conversion", "string", "conversioninformation"),
    _ro("first_conversion_date", "First Conversion Date", "datetime", "conversioninformation"),
    _ro("recent_conversion_event_name", "Recent Conversion", "string", "conversioninformation"),
    _ro("recent_conversion_date", "Recent Conversion Date", "datetime", "conversioninformation"),
    _ro("hs_email_open", "Marketing emails opened", group="emailinformation"),
    _ro("hs_email_click", "Marketing emails clicked", group="emailinformation"),
    _ro("hs_email_bounce", "Marketing emails bounced", group="emailinformation"),
    _ro("hs_email_last_open_date", "Last marketing email open date", "datetime", "emailinformation"),
    _ro("hs_email_last_click_date", "Last marketing email click date", "datetime", "emailinformation"),
    _ro("hs_sales_email_last_replied", "Recent Sales Email Replied Date", "datetime", "sales_properties"),
    _ro("notes_last_contacted", "Last Contacted", "datetime", "sales_properties"),
    _ro("num_associated_deals", "Number of Associated Deals", "number", "sales_properties"),
    _ro("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "contactinformation"),
    _ro("hubspotscore", "HubSpot Score", "number", "sales_properties"),
    _p("seniority", "Seniority", hubspot_defined=False),
    _p("department", "Department", hubspot_defined=False),
    _p("budget", "Budget", group_name="sales_qualification", hubspot_defined=False),
    _p("authority", "Authority", group_name="sales_qualification", hubspot_defined=False),
    _p("need", "Need", field_type="textarea", group_name="sales_qualification", hubspot_defined=False),
    _p("timeline", "Timeline", group_name="sales_qualification", hubspot_defined=False),
    _p("pain_points", "Pain points", field_type="textarea", group_name="sales_qualification", hubspot_defined=False),
)

#: Properties a contact read returns when the request names none (source: CRM search guide, "for contacts,
#: a search will return createdate, email, firstname, hs_object_id, lastmodifieddate, and lastname").
DEFAULT_CONTACT_PROPERTIES = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")

DEAL_PROPERTIES: tuple[PropertyDef, ...] = (
    _ro("hs_object_id", "Record ID", "number", "dealinformation"),
    _ro("createdate", "Create Date", "datetime", "dealinformation"),
    _ro("hs_lastmodifieddate", "Last Modified Date", "datetime", "dealinformation"),
    _p("dealname", "Deal Name", group_name="dealinformation"),
    _p("dealstage", "Deal Stage", "enumeration", field_type="radio", options=DEAL_STAGES, group_name="dealinformation"),
    _p("pipeline", "Pipeline", "enumeration", options=("default",), group_name="dealinformation"),
    _p("amount", "Amount", "number", group_name="dealinformation"),
    _p("closedate", "Close Date", "datetime", group_name="dealinformation"),
    _ro("hs_is_closed_won", "Is Closed Won", "bool", "dealinformation"),
)
DEFAULT_DEAL_PROPERTIES = (
    "amount",
    "closedate",
    "createdate",
    "dealname",
    "dealstage",
    "hs_lastmodifieddate",
    "hs_object_id",
    "pipeline",
)

_ENGAGEMENT_COMMON = ("hs_object_id", "hs_timestamp", "hs_createdate", "hs_lastmodifieddate")
#: Engagement object types and their own properties (source: the engagements guides, e.g.
#: https://developers.hubspot.com/docs/api/crm/email — hs_email_direction, hs_email_subject, hs_email_text).
ENGAGEMENT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "emails": (*_ENGAGEMENT_COMMON, "hs_email_direction", "hs_email_subject", "hs_email_text", "hs_email_status"),
    "calls": (
        *_ENGAGEMENT_COMMON,
        "hs_call_title",
        "hs_call_direction",
        "hs_call_status",
        "hs_call_duration",
        "hs_call_body",
    ),
    "meetings": (
        *_ENGAGEMENT_COMMON,
        "hs_meeting_title",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
        "hs_meeting_outcome",
        "hs_meeting_body",
    ),
    "notes": (*_ENGAGEMENT_COMMON, "hs_note_body"),
    "tasks": (
        *_ENGAGEMENT_COMMON,
        "hs_task_subject",
        "hs_task_status",
        "hs_task_type",
        "hs_task_priority",
        "hs_task_body",
    ),
}
DEFAULT_ENGAGEMENT_PROPERTIES = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def engagement_property_defs(object_type: str) -> tuple[PropertyDef, ...]:
    group = object_type[:-1] + "information"
    defs = []
    for name in ENGAGEMENT_PROPERTIES[object_type]:
        type_ = "datetime" if name.endswith(("timestamp", "date", "_time")) else "string"
        read_only = name in ("hs_object_id", "hs_createdate", "hs_lastmodifieddate")
        defs.append(
            _p(name, name.replace("hs_", "").replace("_", " ").title(), type_, read_only=read_only, group_name=group)
        )
    return tuple(defs)


class PropertyRegistry:
    """The property definitions and groups of one object type; created properties are added here."""

    def __init__(self, properties: Iterable[PropertyDef], groups: Iterable[PropertyGroup]) -> None:
        self._properties = {p.name: p for p in properties}
        self._groups = {g.name: g for g in groups}
        for p in self._properties.values():
            self._groups.setdefault(p.group_name, PropertyGroup(p.group_name, p.group_name.title()))

    def get(self, name: str) -> PropertyDef | None:
        return self._properties.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._properties

    @property
    def properties(self) -> list[PropertyDef]:
        return list(self._properties.values())

    @property
    def groups(self) -> list[PropertyGroup]:
        return list(self._groups.values())

    def group(self, name: str) -> PropertyGroup | None:
        return self._groups.get(name)

    def add(self, prop: PropertyDef) -> None:
        self._properties[prop.name] = prop

    def add_group(self, group: PropertyGroup) -> None:
        self._groups[group.name] = group


def contact_registry() -> PropertyRegistry:
    return PropertyRegistry(CONTACT_PROPERTIES, CONTACT_GROUPS)


def deal_registry() -> PropertyRegistry:
    return PropertyRegistry(DEAL_PROPERTIES, (PropertyGroup("dealinformation", "Deal information", 0),))
