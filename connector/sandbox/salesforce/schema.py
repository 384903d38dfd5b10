"""The sandbox org's objects and fields, as describe() reports them, plus the custom fields leadbridge writes.

Field names, types and updateability follow the Object Reference for Salesforce and Lightning Platform
(developer.salesforce.com/docs/atlas.en-us.object_reference): Lead, Contact, Account, Opportunity,
OpportunityContactRole, Task, Event, Campaign, CampaignMember, LeadStatus, User. Only the fields an
integration like ours reads or writes are modelled; the system fields every object has (Id, IsDeleted,
CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp) are added to each.

Custom fields are configurable (``CustomField``). The defaults are the BANT fields a sales team keeps on
Lead and Contact and the write-back fields leadbridge's shipped Salesforce mapping uses (LB_*__c).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

API_VERSION = "59.0"

# Standard Lead Status values of a new org (Setup > Lead Status): (label, is_default, is_converted).
LEAD_STATUSES: tuple[tuple[str, bool, bool], ...] = (
    ("Open - Not Contacted", True, False),
    ("Working - Contacted", False, False),
    ("Closed - Converted", False, True),
    ("Closed - Not Converted", False, False),
)
# Standard opportunity stages (Setup > Opportunity Stages): (stage, probability, is_closed, is_won).
OPPORTUNITY_STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    ("Prospecting", 10, False, False),
    ("Qualification", 10, False, False),
    ("Needs Analysis", 20, False, False),
    ("Value Proposition", 50, False, False),
    ("Id. Decision Makers", 60, False, False),
    ("Perception Analysis", 70, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
)
# CampaignMember statuses every new campaign starts with (Campaign Member Status: "Sent", "Responded").
CAMPAIGN_MEMBER_STATUSES: tuple[tuple[str, bool], ...] = (("Sent", False), ("Responded", True))
# Task.Type: the standard values plus the ones a marketing-automation sync adds for the engagement it logs.
TASK_TYPES = (
    "Call",
    "Email",
    "Meeting",
    "Other",
    "Email Open",
    "Email Click",
    "Email Reply",
    "Email Bounce",
    "Unsubscribe",
    "Chat",
    "Form Submission",
    "Demo Request",
    "Web Activity",
)
INDUSTRIES = (
    "Software",
    "SaaS",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Education",
    "Government",
    "Media",
    "Consulting",
    "Technology",
    "Other",
)
LEAD_SOURCES = (
    "Organic Search",
    "Paid Search",
    "Social",
    "Referral",
    "Direct",
    "Email",
    "Events",
    "Partner",
    "Web",
    "Other",
)


@dataclass(frozen=True)
class FieldSpec:
    """One field as describe() presents it."""

    name: str
    type: str
    label: str = ""
    updateable: bool = True
    nillable: bool = True
    length: int = 0
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    default_value: str | None = None
    reference_to: tuple[str, ...] = ()
    custom: bool = False
    precision: int = 0
    scale: int = 0

    @property
    def relationship_name(self) -> str | None:
        if self.type != "reference":
            return None
        return self.name[:-2] if self.name.endswith("Id") else self.name.replace("__c", "__r")

    def describe(self) -> dict[str, Any]:
        """The field entry of an sObject Describe answer (the keys integrations read)."""
        soap_type = {
            "id": "tns:ID",
            "reference": "tns:ID",
            "boolean": "xsd:boolean",
            "datetime": "xsd:dateTime",
            "date": "xsd:date",
            "double": "xsd:double",
            "currency": "xsd:double",
            "percent": "xsd:double",
            "int": "xsd:int",
        }.get(self.type, "xsd:string")
        return {
            "name": self.name,
            "label": self.label or _label(self.name),
            "type": self.type,
            "soapType": soap_type,
            "length": self.length,
            "precision": self.precision,
            "scale": self.scale,
            "custom": self.custom,
            "calculated": False,
            "createable": self.updateable,
            "updateable": self.updateable,
            "nillable": self.nillable,
            "filterable": True,
            "sortable": self.type not in ("textarea",),
            "unique": False,
            "externalId": False,
            "idLookup": self.name in ("Id", "Email"),
            "defaultValue": None,
            "defaultedOnCreate": self.name in ("Id", "IsDeleted", "CreatedDate", "SystemModstamp"),
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": value == self.default_value,
                    "label": value,
                    "validFor": None,
                    "value": value,
                }
                for value in self.picklist
            ],
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
        }


@dataclass(frozen=True)
class CustomField:
    """A custom field to add to objects: ``LB_Score__c`` as ``double`` on Lead and Contact, say."""

    name: str
    type: str
    objects: tuple[str, ...] = ("Lead", "Contact")
    length: int = 0
    picklist: tuple[str, ...] = ()
    label: str = ""

    def spec(self) -> FieldSpec:
        precision, scale = (18, 2) if self.type in ("double", "percent", "currency") else (0, 0)
        return FieldSpec(
            self.name,
            self.type,
            label=self.label,
            length=self.length,
            picklist=self.picklist,
            custom=True,
            precision=precision,
            scale=scale,
        )


#: The sales-qualification fields a team keeps on leads and contacts (the synthetic people fill them).
BANT_FIELDS: tuple[CustomField, ...] = (
    CustomField("Budget__c", "string", length=255),
    CustomField("Authority__c", "string", length=255),
    CustomField("Need__c", "string", length=255),
    CustomField("Timeline__c", "string", length=255),
    CustomField("Pain_Points__c", "textarea", length=32768),
    CustomField(
        "Seniority__c",
        "picklist",
        picklist=(
            "C-level",
            "VP",
            "Director",
            "Head of",
            "Manager",
            "Specialist",
            "Analyst",
            "Intern",
            "Student",
            "Consultant",
        ),
    ),
)
#: Where leadbridge writes its verdict (the shipped mappings/salesforce.yaml targets these).
WRITEBACK_FIELDS: tuple[CustomField, ...] = (
    CustomField("LB_Score__c", "double", label="Lead Score"),
    CustomField("LB_Fit__c", "double", label="Fit Score"),
    CustomField("LB_Engagement__c", "double", label="Engagement Score"),
    CustomField("LB_Grade__c", "string", length=2, label="Lead Grade"),
    CustomField(
        "LB_Stage__c",
        "picklist",
        label="Qualification Stage",
        picklist=("Subscriber", "Lead", "MQL", "SQL", "Opportunity", "Customer", "Evangelist"),
    ),
    CustomField("LB_Summary__c", "string", length=255, label="Qualification Summary"),
    CustomField("LB_Reasons__c", "textarea", length=32768, label="Qualification Reasons"),
    CustomField("LB_Disqualified__c", "boolean", label="Disqualified"),
    CustomField("LB_Disqualification_Reason__c", "string", length=255, label="Disqualification Reason"),
    CustomField("LB_Model_Version__c", "string", length=64, label="Scoring Model Version"),
    CustomField("LB_Qualified_At__c", "datetime", label="Qualified At"),
    CustomField("LB_MQL_Date__c", "datetime", label="MQL Date"),
    CustomField("LB_SQL_Date__c", "datetime", label="SQL Date"),
)
DEFAULT_CUSTOM_FIELDS: tuple[CustomField, ...] = BANT_FIELDS + WRITEBACK_FIELDS


def _label(name: str) -> str:
    base = name.removesuffix("__c").replace("_", " ")
    out = ""
    for index, char in enumerate(base):
        if index and char.isupper() and base[index - 1].islower():
            out += " "
        out += char
    return out


def _system_fields(owned: bool = True) -> list[FieldSpec]:
    fields = [
        FieldSpec("Id", "id", label="Record ID", updateable=False, nillable=False, length=18),
        FieldSpec("IsDeleted", "boolean", label="Deleted", updateable=False, nillable=False),
        FieldSpec("CreatedDate", "datetime", updateable=False, nillable=False),
        FieldSpec("CreatedById", "reference", updateable=False, nillable=False, length=18, reference_to=("User",)),
        FieldSpec("LastModifiedDate", "datetime", updateable=False, nillable=False),
        FieldSpec("LastModifiedById", "reference", updateable=False, nillable=False, length=18, reference_to=("User",)),
        FieldSpec("SystemModstamp", "datetime", updateable=False, nillable=False),
    ]
    if owned:
        fields.append(FieldSpec("OwnerId", "reference", nillable=False, length=18, reference_to=("User",)))
    return fields


def _s(name: str, length: int = 255, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "string", length=length, **kw)


def _ro(spec: FieldSpec) -> FieldSpec:
    return replace(spec, updateable=False)


def _ref(name: str, *targets: str, updateable: bool = True) -> FieldSpec:
    return FieldSpec(name, "reference", length=18, reference_to=targets, updateable=updateable)


def _picklist(
    name: str, values: Iterable[str], restricted: bool = False, default: str | None = None, updateable: bool = True
) -> FieldSpec:
    return FieldSpec(
        name,
        "picklist",
        length=255,
        picklist=tuple(values),
        restricted=restricted,
        default_value=default,
        updateable=updateable,
    )


def _standard_fields() -> dict[str, list[FieldSpec]]:
    person_fields = [
        _s("FirstName", 40),
        _s("LastName", 80),
        _ro(_s("Name", 121)),
        _s("Title", 128),
        FieldSpec("Email", "email", length=80),
        FieldSpec("Phone", "phone", length=40),
        _picklist("LeadSource", LEAD_SOURCES),
        FieldSpec("HasOptedOutOfEmail", "boolean", label="Email Opt Out", nillable=False),
        FieldSpec("DoNotCall", "boolean", nillable=False),
        FieldSpec("Description", "textarea", length=32000),
        _ref("MasterRecordId", "Lead", updateable=False),
        FieldSpec("LastActivityDate", "date", updateable=False),
    ]
    return {
        "Lead": person_fields
        + [
            _s("Company", 255),
            _s("Country", 80),
            _picklist("Industry", INDUSTRIES),
            FieldSpec("NumberOfEmployees", "int", label="Employees"),
            FieldSpec("Website", "url", length=255),
            _picklist("Status", (s[0] for s in LEAD_STATUSES), restricted=True, default=LEAD_STATUSES[0][0]),
            _picklist("Rating", ("Hot", "Warm", "Cold")),
            FieldSpec("IsConverted", "boolean", label="Converted", updateable=False, nillable=False),
            FieldSpec("ConvertedDate", "date", updateable=False),
            _ref("ConvertedAccountId", "Account", updateable=False),
            _ref("ConvertedContactId", "Contact", updateable=False),
            _ref("ConvertedOpportunityId", "Opportunity", updateable=False),
        ],
        "Contact": [
            f if f.name != "MasterRecordId" else _ref("MasterRecordId", "Contact", updateable=False)
            for f in person_fields
        ]
        + [
            _ref("AccountId", "Account"),
            _s("Department", 80),
            _s("MailingCountry", 80),
        ],
        "Account": [
            _s("Name", 255),
            FieldSpec("Website", "url", length=255),
            _picklist("Industry", INDUSTRIES),
            FieldSpec("NumberOfEmployees", "int", label="Employees"),
            _s("BillingCountry", 80),
            _picklist("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")),
            _ref("MasterRecordId", "Account", updateable=False),
        ],
        "Opportunity": [
            _ref("AccountId", "Account"),
            _ref("ContactId", "Contact"),
            _s("Name", 120),
            _picklist("StageName", (s[0] for s in OPPORTUNITY_STAGES), restricted=True),
            FieldSpec("Amount", "currency", precision=18, scale=2),
            FieldSpec("Probability", "percent"),
            FieldSpec("CloseDate", "date", nillable=False),
            FieldSpec("IsClosed", "boolean", label="Closed", updateable=False, nillable=False),
            FieldSpec("IsWon", "boolean", label="Won", updateable=False, nillable=False),
            _picklist("LeadSource", LEAD_SOURCES),
            _picklist("Type", ("New Business", "Existing Business")),
        ],
        "OpportunityContactRole": [
            _ref("OpportunityId", "Opportunity", updateable=False),
            _ref("ContactId", "Contact"),
            _picklist(
                "Role",
                (
                    "Business User",
                    "Decision Maker",
                    "Economic Buyer",
                    "Economic Decision Maker",
                    "Evaluator",
                    "Executive Sponsor",
                    "Influencer",
                    "Technical Buyer",
                    "Other",
                ),
            ),
            FieldSpec("IsPrimary", "boolean", label="Primary", nillable=False),
        ],
        "Task": [
            _ref("WhoId", "Contact", "Lead"),
            _ref("WhatId", "Account", "Opportunity", "Campaign"),
            FieldSpec("Subject", "combobox", length=255),
            FieldSpec("ActivityDate", "date", label="Due Date Only"),
            _picklist(
                "Status",
                ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"),
                restricted=True,
                default="Not Started",
            ),
            _picklist("Priority", ("High", "Normal", "Low"), restricted=True, default="Normal"),
            _picklist("TaskSubtype", ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"), updateable=False),
            _picklist("Type", TASK_TYPES),
            FieldSpec("Description", "textarea", length=32000),
            _picklist("CallType", ("Internal", "Inbound", "Outbound")),
            FieldSpec("CallDurationInSeconds", "int", label="Call Duration"),
            FieldSpec("CompletedDateTime", "datetime", updateable=False),
            FieldSpec("IsClosed", "boolean", label="Closed", updateable=False, nillable=False),
            FieldSpec("IsArchived", "boolean", label="Archived", updateable=False, nillable=False),
        ],
        "Event": [
            _ref("WhoId", "Contact", "Lead"),
            _ref("WhatId", "Account", "Opportunity", "Campaign"),
            FieldSpec("Subject", "combobox", length=255),
            FieldSpec("StartDateTime", "datetime"),
            FieldSpec("EndDateTime", "datetime"),
            FieldSpec("ActivityDateTime", "datetime", label="Due Date Time"),
            FieldSpec("ActivityDate", "date", label="Due Date Only"),
            FieldSpec("DurationInMinutes", "int", label="Duration"),
            _picklist("Type", ("Call", "Email", "Meeting", "Other")),
            _picklist("EventSubtype", ("Event",), updateable=False),
            _s("Location", 255),
            FieldSpec("Description", "textarea", length=32000),
            FieldSpec("IsArchived", "boolean", label="Archived", updateable=False, nillable=False),
        ],
        "Campaign": [
            _s("Name", 80),
            _picklist("Type", ("Conference", "Webinar", "Email", "Content", "Advertisement", "Other")),
            _picklist("Status", ("Planned", "In Progress", "Completed", "Aborted")),
            FieldSpec("StartDate", "date"),
            FieldSpec("IsActive", "boolean", label="Active", nillable=False),
        ],
        "CampaignMember": [
            _ref("CampaignId", "Campaign", updateable=False),
            _ref("LeadId", "Lead", updateable=False),
            _ref("ContactId", "Contact", updateable=False),
            _ref("LeadOrContactId", "Contact", "Lead", updateable=False),
            _picklist("Status", (s[0] for s in CAMPAIGN_MEMBER_STATUSES)),
            FieldSpec("HasResponded", "boolean", label="Responded", updateable=False, nillable=False),
            FieldSpec("FirstRespondedDate", "date", updateable=False),
            _s("Type", 40, updateable=False),
        ],
        "LeadStatus": [
            _s("MasterLabel", 255),
            _s("ApiName", 255),
            FieldSpec("SortOrder", "int"),
            FieldSpec("IsDefault", "boolean", nillable=False),
            FieldSpec("IsConverted", "boolean", nillable=False),
        ],
        "User": [
            _s("Username", 80),
            _s("Name", 121, updateable=False),
            FieldSpec("Email", "email", length=128),
            FieldSpec("IsActive", "boolean", nillable=False),
        ],
    }


KEY_PREFIXES: Mapping[str, str] = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "Task": "00T",
    "Event": "00U",
    "Campaign": "701",
    "CampaignMember": "00v",
    "LeadStatus": "01J",
    "User": "005",
}
_OWNED = frozenset({"Lead", "Contact", "Account", "Opportunity", "Task", "Event", "Campaign"})
_LABELS = {"OpportunityContactRole": "Contact Role", "CampaignMember": "Campaign Member", "LeadStatus": "Lead Status"}


@dataclass
class ObjectSpec:
    """One sObject: its fields (looked up case-insensitively, as SOQL does) and its parent lookups."""

    name: str
    key_prefix: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    catalog: Schema | None = field(default=None, repr=False)

    def field(self, name: str) -> FieldSpec | None:
        return self.fields.get(name.casefold())

    def parent(self, relationship: str) -> ObjectSpec | None:
        spec = self.field(relationship + "Id")
        if spec is None or spec.type != "reference" or len(spec.reference_to) != 1 or self.catalog is None:
            return None  # polymorphic lookups (Who, What) need TYPEOF, which the sandbox does not emulate
        return self.catalog.object(spec.reference_to[0])

    def describe(self, version: str) -> dict[str, Any]:
        """The sObject Describe answer (GET /services/data/vXX.X/sobjects/<Type>/describe)."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        read_only = self.name in ("LeadStatus", "User")
        return {
            "name": self.name,
            "label": _LABELS.get(self.name, self.name),
            "labelPlural": _LABELS.get(self.name, self.name) + "s",
            "keyPrefix": self.key_prefix,
            "custom": False,
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "createable": not read_only,
            "updateable": not read_only,
            "deletable": not read_only,
            "fields": [f.describe() for f in self.fields.values()],
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }


class Schema:
    """Every object of the sandbox org, with the configured custom fields added."""

    def __init__(self, custom_fields: Iterable[CustomField] = DEFAULT_CUSTOM_FIELDS):
        self.objects: dict[str, ObjectSpec] = {}
        standard = _standard_fields()
        for name, own_fields in standard.items():
            spec = ObjectSpec(name, KEY_PREFIXES[name], catalog=self)
            for f in _system_fields(owned=name in _OWNED) + own_fields:
                spec.fields[f.name.casefold()] = f
            self.objects[name.casefold()] = spec
        for custom in custom_fields:
            if not custom.name.endswith("__c"):
                raise ValueError(f"custom field {custom.name!r} must end with __c, as Salesforce API names do")
            for object_name in custom.objects:
                target = self.object(object_name)
                if target is None:
                    raise ValueError(f"custom field {custom.name}: unknown object {object_name!r}")
                target.fields[custom.name.casefold()] = custom.spec()

    def object(self, name: str) -> ObjectSpec | None:
        return self.objects.get(name.casefold())

    def require(self, name: str) -> ObjectSpec:
        spec = self.object(name)
        if spec is None:
            raise KeyError(name)
        return spec
