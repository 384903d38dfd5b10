"""The Salesforce source: Leads and Contacts as contacts, Tasks, Events and CampaignMembers as activities.

    api = SalesforceApi.from_settings(settings)
    source = SalesforceSource(api, load_mapping(None, "salesforce"))
    destination = SalesforceDestination(source)           # connector.crm.salesforce_write
    run_salesforce_sync(store, source, model, destination=destination)   # connector.crm.salesforce_sync

Reading (REST API Developer Guide, "Query" and "QueryAll"; Object Reference, "System Fields"):
- Incremental: ``SystemModstamp >= cursor - lookback AND SystemModstamp < run start ORDER BY SystemModstamp,
  Id`` on each object through queryAll, so records deleted (IsDeleted) or merged away (MasterRecordId) in the
  window come back too and are reported as deleted. SystemModstamp rather than LastModifiedDate: it also
  moves on system changes (conversion, merges, roll-ups), and it is indexed. Lead and Contact streams are
  merged by (SystemModstamp, Id), so a page's checkpoint is safe for both objects under one cursor.
- Converted leads are not contacts of their own: the person is the Contact the conversion created (read
  from Contact), so a converted lead is reported deleted and results meant for it go to that contact.
- Full reads use query (live records only); above ``bulk_threshold`` records, Bulk API 2.0 (results are
  CSV), falling back to REST if the job fails.
- Activities are read with queryAll (archived activities count) for the run's window, streamed ahead of
  the contacts (``iter_activities``): a new task marks its contact for re-qualification even when the
  contact record itself did not change. Set the window with ``activities_window`` before the run.
- Opportunity and customer come from OpportunityContactRole -> Opportunity (IsClosed, IsWon), read once per
  run; contacts on an opportunity that changed in the window are re-read.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from connector.crm.base import ContactPage
from connector.crm.readahead import read_ahead
from connector.crm.salesforce_api import SalesforceApi
from connector.crm.salesforce_org import OrgInfo
from connector.crm.salesforce_soql import changed_window, chunks, in_list, select
from connector.errors import ConfigError, CrmError, FatalCrmError
from connector.mapping.records import ActivityReader, ContactReader, RecordError
from connector.mapping.schema import ActivitiesMap, ContactsMap
from connector.mapping.schema import Mapping as SourceMapping
from connector.mapping.transforms import parse_datetime
from connector.model import Activity, Contact

log = logging.getLogger(__name__)

SOURCE = "salesforce"
#: Columns the adapter computes (see mappings/salesforce.yaml).
OPEN_OPPORTUNITY = "leadbridge.open_opportunity"
WON_OPPORTUNITY = "leadbridge.won_opportunity"
CAMPAIGN_RESPONSE = "leadbridge.campaign_response"
VIRTUAL = frozenset({OPEN_OPPORTUNITY, WON_OPPORTUNITY, CAMPAIGN_RESPONSE})
#: Key object -> sObject, and back; an id's first three characters say which object it is.
SOBJECTS = {"lead": "Lead", "contact": "Contact"}
PREFIXES = {"00Q": "lead", "003": "contact"}


@dataclass(frozen=True)
class SalesforceOptions:
    page_size: int = 2_000  # contacts per page (REST answers up to 2,000 records per batch)
    bulk_threshold: int = 50_000  # full reads of more records than this use Bulk API 2.0
    lock_retries: int = 3  # rounds of retrying UNABLE_TO_LOCK_ROW records inside one write
    lock_pause_s: float = 0.5  # base pause between those rounds (jittered)


def key_of(record_id: str | None) -> str | None:
    """``salesforce:lead:00Q...`` or ``salesforce:contact:003...`` from an id, None for other objects."""
    if not record_id:
        return None
    object_type = PREFIXES.get(record_id[:3])
    return f"{SOURCE}:{object_type}:{record_id}" if object_type else None


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A REST record with nested parents (``{"Account": {"Name": ...}}``) as dotted keys (``Account.Name``),
    the shape Bulk API CSV headers have; ``attributes`` dropped."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name == "attributes":
            continue
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class _ContactObject:
    """One contacts section of the mapping bound to its sObject: reader and SOQL columns."""

    def __init__(self, mapping: SourceMapping, spec: ContactsMap, org: OrgInfo):
        if spec.object not in SOBJECTS:
            raise ConfigError(f"{mapping.file}: contacts object '{spec.object}' is not one Salesforce keeps people "
                              f"in; use {' or '.join(SOBJECTS)}")
        self.spec = spec
        self.sobject = SOBJECTS[spec.object]
        self.reader = ContactReader(mapping, spec)
        present, missing = [], []
        for column in self.reader.columns:
            if column in VIRTUAL or org.has_field(self.sobject, column):
                present.append(column)
            elif column in self.reader.required:
                missing.append(column)
        if missing:
            raise FatalCrmError(f"{self.sobject} has no field {', '.join(missing)} (named in {mapping.file}); fix the "
                                "mapping or run `leadbridge setup --source salesforce`", code="INVALID_FIELD")
        self.columns = tuple(self.reader.columns)
        system = ["Id", "SystemModstamp", "IsDeleted", "MasterRecordId"]
        system += ["IsConverted", "ConvertedContactId"] if self.sobject == "Lead" else ["AccountId"]
        self.soql_fields = [c for c in present if c not in VIRTUAL] + system
        self.wants_opportunities = any(c in (OPEN_OPPORTUNITY, WON_OPPORTUNITY) for c in present)


class SalesforceSource:
    """A Source over a Salesforce org (see the module docstring)."""

    name = SOURCE

    def __init__(self, api: SalesforceApi, mapping: SourceMapping, options: SalesforceOptions | None = None):
        if mapping.source != SOURCE:
            raise ConfigError(f"{mapping.file} is a {mapping.source} mapping; the Salesforce source needs one "
                              "with source: salesforce")
        self.api = api
        self.mapping = mapping
        self.options = options or SalesforceOptions()
        self.org = OrgInfo(api)
        self.disqualified_status = disqualified_status(mapping)
        self.activities_since: datetime | None = None
        self.activities_until: datetime | None = None
        self.skipped_activities = 0  # activity records that could not be read (no time, no person)
        self.bad_records: list[str] = []
        self._objects: list[_ContactObject] | None = None
        self._roles: dict[str, tuple[bool, bool]] | None = None  # contact id -> (open, won)

    # -- setup ---------------------------------------------------------------------------------------

    @property
    def objects(self) -> list[_ContactObject]:
        if self._objects is None:
            maps = self.mapping.contact_maps or (self.mapping.contacts,)
            self._objects = [_ContactObject(self.mapping, spec, self.org) for spec in maps]
        return self._objects

    def activities_window(self, since: datetime | None, until: datetime) -> None:
        """The window ``iter_activities`` reads (the run's: cursor minus lookback, run start)."""
        self.activities_since, self.activities_until = since, until

    # -- contacts ------------------------------------------------------------------------------------

    def read_changed(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        """Leads and contacts stamped in [since, until), merged in (SystemModstamp, Id) order, in pages.

        Pages are read one ahead in a thread (connector.crm.readahead): the next page's requests wait on
        Salesforce while the pipeline qualifies and writes this one."""
        _ = self.objects  # describe first, in this thread: a mapping error stops the run before any read
        return read_ahead(self._pages(since, until), name="salesforce-pages")

    def _pages(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        self._roles = None
        streams = [self._stream(obj, since, until) for obj in self.objects]
        merged = heapq.merge(*streams, key=lambda item: (item[0], item[2]["Id"]))
        page: list[tuple[datetime, _ContactObject, dict[str, Any]]] = []
        seen: set[str] = set()
        for item in merged:
            record_id = item[2]["Id"]
            if record_id in seen:  # a record read twice at a boundary (a restarted stream) counts once
                continue
            seen.add(record_id)
            page.append(item)
            if len(page) >= self.options.page_size:
                yield self._page(page)
                page = []
        if page:
            yield self._page(page)
        if since is not None:
            extra = self._opportunity_changes(since, until, seen)
            if extra:
                yield ContactPage(tuple(extra), None)

    def _stream(self, obj: _ContactObject, since: datetime | None, until: datetime,
                ) -> Iterator[tuple[datetime, _ContactObject, dict[str, Any]]]:
        soql = select(obj.soql_fields, obj.sobject, [changed_window("SystemModstamp", since, until)],
                      ["SystemModstamp", "Id"])
        for record in self._records(soql, obj.sobject, include_deleted=since is not None, full=since is None):
            yield parse_datetime(record["SystemModstamp"]), obj, record

    def _records(self, soql: str, sobject: str, *, include_deleted: bool, full: bool) -> Iterator[dict[str, Any]]:
        """Flattened records of a query: REST pages, or Bulk API 2.0 when a full read is big (the first REST
        answer's totalSize decides, so a small read costs no extra count query)."""
        first = self.api.query(soql, include_deleted)
        if full and not first.get("done", True) and first.get("totalSize", 0) > self.options.bulk_threshold:
            try:
                yield from self._bulk_records(soql, include_deleted)
                return
            except CrmError as exc:
                # Bulk API 2.0 may be off for the user or the object; REST reads the same records.
                log.warning("Bulk API query on %s failed (%s); reading through REST instead", sobject, exc)
        for batch in self.api.query_pages(soql, include_deleted, first):
            for record in batch:
                yield flatten(record)

    def _bulk_records(self, soql: str, include_deleted: bool) -> Iterator[dict[str, Any]]:
        # Collected before yielding: a failure halfway must not leave half the records read twice.
        rows = [row for batch in self.api.bulk_query(soql, include_deleted) for row in batch]
        for row in rows:
            yield {name: (value if value != "" else None) for name, value in row.items()}

    def _page(self, items: list[tuple[datetime, _ContactObject, dict[str, Any]]]) -> ContactPage:
        contacts: list[Contact] = []
        deleted: list[str] = []
        roles = self._opportunity_roles() if any(obj.wants_opportunities for _, obj, _ in items) else {}
        for _, obj, record in items:
            record_id = record["Id"]
            key = f"{SOURCE}:{obj.spec.object}:{record_id}"
            if _bool(record.get("IsDeleted")) or (obj.sobject == "Lead" and _bool(record.get("IsConverted"))):
                if record.get("ConvertedContactId"):
                    self.org.converted[record_id] = record["ConvertedContactId"]
                deleted.append(key)  # deleted, merged away (MasterRecordId) or converted into a contact
                continue
            if record.get("AccountId"):
                self.org.parents[record_id] = record["AccountId"]
            contact = self._contact(obj, record, roles)
            if contact is not None:
                contacts.append(contact)
        return ContactPage(tuple(contacts), items[-1][0], deleted=tuple(deleted))

    def _contact(self, obj: _ContactObject, record: dict[str, Any], roles: Mapping[str, tuple[bool, bool]],
                 ) -> Contact | None:
        if obj.wants_opportunities:
            open_deal, won_deal = roles.get(record["Id"], (False, False))
            record[OPEN_OPPORTUNITY], record[WON_OPPORTUNITY] = open_deal, won_deal
        try:
            contact = obj.reader.contact([record.get(c) for c in obj.columns])
        except RecordError as exc:
            self.bad_records.append(f"{obj.sobject} {record['Id']}: {exc}")
            return None
        return self._present_status(contact)

    def _present_status(self, contact: Contact) -> Contact:
        """Lead Status is written only to set the disqualified status: the write-back compares against the
        status when it is that one, and against "not disqualified" (False) otherwise (see salesforce_write)."""
        status_target = self.disqualified_status
        if status_target is None or "Status" not in contact.crm_values:
            return contact
        held = contact.crm_values.get("Status")
        if held != status_target:
            return replace(contact, crm_values={**contact.crm_values, "Status": False})
        return contact

    def _opportunity_roles(self) -> dict[str, tuple[bool, bool]]:
        """Contact id -> (on an open opportunity, on a won one), from every OpportunityContactRole."""
        if self._roles is None:
            roles: dict[str, tuple[bool, bool]] = {}
            soql = "SELECT ContactId, Opportunity.IsClosed, Opportunity.IsWon FROM OpportunityContactRole"
            for batch in self.api.query_pages(soql):
                for row in batch:
                    flat = flatten(row)
                    contact_id = flat.get("ContactId")
                    if not contact_id:
                        continue
                    was_open, was_won = roles.get(contact_id, (False, False))
                    roles[contact_id] = (was_open or not _bool(flat.get("Opportunity.IsClosed")),
                                         was_won or _bool(flat.get("Opportunity.IsWon")))
            self._roles = roles
        return self._roles

    def _opportunity_changes(self, since: datetime, until: datetime, seen: set[str]) -> list[Contact]:
        """Contacts whose opportunity changed in the window although they did not: re-read them."""
        contact_objects = [obj for obj in self.objects if obj.sobject == "Contact" and obj.wants_opportunities]
        if not contact_objects:
            return []
        soql = select(["ContactId"], "OpportunityContactRole",
                      [changed_window("Opportunity.SystemModstamp", since, until)])
        ids = sorted({row["ContactId"] for batch in self.api.query_pages(soql) for row in batch
                      if row.get("ContactId") and row["ContactId"] not in seen})
        return [c for c in self._read_ids(contact_objects[0], ids)]

    # -- re-reading (webhook worker) --------------------------------------------------------------------

    def reread(self, keys: Sequence[str]) -> list[Contact]:
        """The current state of the given contacts; deleted, converted and unknown ones are left out."""
        found: list[Contact] = []
        for obj in self.objects:
            ids = [k.rsplit(":", 1)[1] for k in keys if k.startswith(f"{SOURCE}:{obj.spec.object}:")]
            found.extend(self._read_ids(obj, ids))
        return found

    def _read_ids(self, obj: _ContactObject, ids: Sequence[str]) -> list[Contact]:
        found: list[Contact] = []
        for part in chunks(list(ids)):
            soql = select(obj.soql_fields, obj.sobject, [in_list("Id", part)])
            records = [flatten(r) for batch in self.api.query_pages(soql) for r in batch]
            if records:
                page = self._page([(parse_datetime(r["SystemModstamp"]), obj, r) for r in records])
                found.extend(page.contacts)
        return found

    # -- activities ----------------------------------------------------------------------------------

    def iter_activities(self) -> Iterator[Activity]:
        """Every activity stamped in the window (all of them without one), object by object. Batches are
        read ahead in a thread, so the next request waits on Salesforce while the store takes this one."""
        for batch in read_ahead(self._activity_batches(), depth=2, name="salesforce-activities"):
            yield from batch

    def _activity_batches(self, size: int = 2_000) -> Iterator[list[Activity]]:
        until = self.activities_until
        for spec in self.mapping.activity_maps or ((self.mapping.activities,) if self.mapping.activities else ()):
            reader, fields = self._activity_reader(spec)
            where = [changed_window("SystemModstamp", self.activities_since, until)] if until else []
            soql = select(fields, spec.object or "Task", where)
            full = self.activities_since is None
            batch: list[Activity] = []
            for record in self._records(soql, spec.object or "Task", include_deleted=True, full=full):
                activity = self._activity(reader, record)
                if activity is not None:
                    batch.append(activity)
                    if len(batch) >= size:
                        yield batch
                        batch = []
            if batch:
                yield batch

    def read_activities(self, keys: Sequence[str]) -> dict[str, list[Activity]]:
        """Activities of the given contacts, by key (queryAll by WhoId / LeadOrContactId)."""
        result: dict[str, list[Activity]] = {key: [] for key in keys}
        ids = [key.rsplit(":", 1)[1] for key in keys]
        for spec in self.mapping.activity_maps or ((self.mapping.activities,) if self.mapping.activities else ()):
            reader, fields = self._activity_reader(spec)
            for part in chunks(ids):
                soql = select(fields, spec.object or "Task", [in_list(spec.contact_id.name, part)])
                for batch in self.api.query_pages(soql, include_deleted=True):
                    for record in batch:
                        activity = self._activity(reader, flatten(record))
                        if activity is not None and activity.contact_key in result:
                            result[activity.contact_key].append(activity)
        return result

    def _activity_reader(self, spec: ActivitiesMap) -> tuple[ActivityReader, list[str]]:
        reader = ActivityReader(self.mapping, spec)
        fields = [c for c in reader.columns if c not in VIRTUAL] + ["Id", "SystemModstamp", "IsDeleted"]
        if CAMPAIGN_RESPONSE in reader.columns:
            fields += ["Campaign.Type", "Status"]
        return reader, fields

    def _activity(self, reader: ActivityReader, record: dict[str, Any]) -> Activity | None:
        if _bool(record.get("IsDeleted")):
            return None  # deleted with its lead or contact, or by a user: it no longer counts
        if CAMPAIGN_RESPONSE in reader.columns:
            record[CAMPAIGN_RESPONSE] = f"{record.get('Campaign.Type') or ''}: {record.get('Status') or ''}"
        values = [record.get(c) for c in reader.columns]
        try:
            contact_id = reader.contact_id(values)
            key = key_of(contact_id)
            if key is None:
                self.skipped_activities += 1  # about an account or opportunity, not a person
                return None
            activity = reader.activity(values, contact_id)
        except RecordError:
            self.skipped_activities += 1  # an open task has no completion time yet, for instance
            return None
        return activity if activity.contact_key == key else replace(activity, contact_key=key)


def disqualified_status(mapping: SourceMapping) -> str | None:
    """The Lead Status the mapping sets on disqualification (its ``disqualified -> Status`` write entry)."""
    for write in mapping.write:
        if write.output == "disqualified" and write.to == "Status" and write.value_map:
            value = write.value_map.get("true")
            return str(value) if value is not None else None
    return None
