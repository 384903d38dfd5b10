"""What the adapter learns about the org once per run: which fields each object has (describe), the Lead
Status values, and facts read along the way (lead -> converted contact, contact -> account) that the
write-back needs.

Lead.Status values differ per org (Setup > Lead Status), so they are read from the LeadStatus object, never
assumed (Object Reference, "LeadStatus": MasterLabel/ApiName, IsConverted, IsDefault).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.crm.salesforce_api import SalesforceApi
from connector.errors import FatalCrmError


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    updateable: bool
    length: int


@dataclass
class OrgInfo:
    """Per-object fields (by lower-case name), Lead Status values, and links read during the run."""

    api: SalesforceApi
    fields: dict[str, dict[str, FieldInfo]] = field(default_factory=dict)
    lead_statuses: dict[str, bool] | None = None  # value -> is a converted status
    converted: dict[str, str] = field(default_factory=dict)  # lead id -> converted contact id
    parents: dict[str, str] = field(default_factory=dict)  # record id -> parent (Account) id, for lock grouping

    def object_fields(self, sobject: str) -> dict[str, FieldInfo]:
        """The fields of ``sobject`` (one describe call per object and run)."""
        known = self.fields.get(sobject)
        if known is None:
            described: dict[str, Any] = self.api.describe(sobject)
            known = {
                f["name"].lower(): FieldInfo(f["name"], f["type"], bool(f.get("updateable")), int(f.get("length") or 0))
                for f in described.get("fields", [])
            }
            self.fields[sobject] = known
        return known

    def has_field(self, sobject: str, name: str) -> bool:
        """Whether ``name`` (``Account.Name`` checks the lookup ``AccountId``) exists on ``sobject``."""
        head = name.split(".", 1)[0]
        fields = self.object_fields(sobject)
        if "." in name:
            return f"{head}id".lower() in fields or head.lower() in fields
        return head.lower() in fields

    def statuses(self) -> dict[str, bool]:
        """Lead Status values of the org -> whether each is a converted status."""
        if self.lead_statuses is None:
            rows = self.api.query("SELECT ApiName, MasterLabel, IsConverted FROM LeadStatus ORDER BY SortOrder")
            self.lead_statuses = {}
            for row in rows.get("records", []):
                value = row.get("ApiName") or row.get("MasterLabel")
                if value:
                    self.lead_statuses[str(value)] = bool(row.get("IsConverted"))
        return self.lead_statuses

    def require_status(self, value: str) -> None:
        """Refuse a configured status the org does not have, or a converted one (conversion is not ours)."""
        statuses = self.statuses()
        if value not in statuses:
            valid = ", ".join(repr(s) for s, converted in statuses.items() if not converted)
            raise FatalCrmError(f"the mapping writes Lead Status {value!r} on disqualification, but the org's Lead "
                                f"Status values are: {valid}; change the Status entry of the mapping's write: section")
        if statuses[value]:
            raise FatalCrmError(f"Lead Status {value!r} is a converted status; leads are converted by sales, not set "
                                "to it: choose a closed, not converted status in the mapping")
