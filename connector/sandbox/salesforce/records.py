"""The sandbox org's data: compact tables of rows built from synthetic people, read, queried and written.

A row is a handful of numbers (which person, which of their activities, three timestamps, a deleted flag)
in ``array`` columns; field values are rebuilt from the person on demand (``dataset``) and cached, and
whatever a client or test writes is kept per row as overrides. A million people cost tens of megabytes.

Behaviours, with their sources:
- Writes move LastModifiedDate and SystemModstamp and set LastModifiedById to the writing user (Object
  Reference, "System Fields"); the integration user for API writes, the owner for ``touch`` (a user edit).
- Deleted records stay in the Recycle Bin: query() skips them, queryAll() returns them with IsDeleted true,
  and reading one by id answers ENTITY_IS_DELETED (REST API Developer Guide, "QueryAll"; "Status Codes and
  Error Responses"). Deleting a lead or contact deletes its activities and campaign memberships with it.
- Merging (SOAP API "merge()"): the losing records are deleted with MasterRecordId set to the master, and
  their related records (tasks, events, campaign members) are re-parented to the master.
- A converted lead is read-only: updating it fails with CANNOT_UPDATE_CONVERTED_LEAD (Object Reference,
  Lead: "converted leads can't be updated").
"""

from __future__ import annotations

import bisect
import random
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector.sandbox.salesforce import dataset
from connector.sandbox.salesforce.dataset import USERS, Profile, epoch, from_epoch, profile
from connector.sandbox.salesforce.ids import make_id, parse_id, to18
from connector.sandbox.salesforce.schema import (
    DEFAULT_CUSTOM_FIELDS,
    LEAD_STATUSES,
    OPPORTUNITY_STAGES,
    CustomField,
    ObjectSpec,
    Schema,
)
from connector.sandbox.salesforce.soql import And, Comparison, Query
from connector.sandbox.salesforce.soql_eval import run
from connector.sandbox.salesforce.values import FieldError, InvalidValue, json_value, parse_write
from connector.sandbox.synthetic import Person, people, person

ACTIVITY_OBJECTS = ("Task", "Event", "CampaignMember")
_SYSTEM = frozenset({"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"})
_STAGES = {s[0]: s for s in OPPORTUNITY_STAGES}


@dataclass(frozen=True)
class DataSettings:
    """What data the org holds: ``people`` synthetic people (those in Salesforce become records)."""

    people: int = 5_000
    seed: int = 7
    now: datetime | None = None  # None: the wall clock when the sandbox starts
    activities_mean: float = 20.0
    custom_fields: tuple[CustomField, ...] = DEFAULT_CUSTOM_FIELDS
    person_cache: int = 20_000  # people kept built in memory; more are rebuilt on demand


class Table:
    """One object's rows as parallel arrays; the row number is the record id's number (see ids.py)."""

    def __init__(self, spec: ObjectSpec):
        self.spec = spec
        self.name = spec.name
        self.prefix = spec.key_prefix
        self.person = array("i")
        self.ordinal = array("i")
        self.created = array("d")
        self.modified = array("d")
        self.modstamp = array("d")
        self.deleted = bytearray()
        self.overrides: dict[int, dict[str, Any]] = {}
        self.modified_by: dict[int, int] = {}

    def append(self, person_index: int, ordinal: int, created: float, modified: float) -> int:
        self.person.append(person_index)
        self.ordinal.append(ordinal)
        self.created.append(created)
        self.modified.append(modified)
        self.modstamp.append(modified)
        self.deleted.append(0)
        return len(self.person) - 1

    def __len__(self) -> int:
        return len(self.person)

    def id(self, seq: int) -> str:
        return make_id(self.prefix, seq)


class Org:
    """The emulated org: its schema, its tables and the operations the API routes and tests perform.

    Thread-safe: the server's handlers, the outbound sender and test code share one re-entrant lock.
    """

    def __init__(self, settings: DataSettings, clock: Callable[[], datetime]):
        self.settings = settings
        self.clock = clock
        self.data_now = clock() if settings.now is None else settings.now
        self.schema = Schema(settings.custom_fields)
        self.lock = threading.RLock()
        self.tables: dict[str, Table] = {spec.name: Table(spec) for spec in self.schema.objects.values()}
        self._by_prefix = {t.prefix: t for t in self.tables.values()}
        n = settings.people
        self.lead_of = array("i", [-1]) * n
        self.contact_of = array("i", [-1]) * n
        self.opportunity_of = array("i", [-1]) * n
        self.accounts: dict[str, int] = {}
        self.campaigns: dict[str, int] = {}
        self.campaign_names: list[str] = []
        self.redirect: dict[str, str] = {}
        self.merged_into: dict[str, list[str]] = {}
        self.listeners: list[Callable[[str, int], None]] = []
        self.organization_id = make_id("00D", settings.seed)
        self._people: OrderedDict[int, tuple[Person, Profile]] = OrderedDict()
        self._records: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._record_cache = 8_192
        self._build()

    # ------------------------------------------------------------------------------------------ building

    def _person(self, index: int) -> Person:
        """Person ``index``, from the cache or built again (building is deterministic)."""
        return self._person_and_profile(index)[0]

    def profile(self, index: int) -> Profile:
        """The Salesforce-side facts of person ``index`` (see dataset.profile)."""
        return self._person_and_profile(index)[1]

    def _person_and_profile(self, index: int) -> tuple[Person, Profile]:
        cached = self._people.get(index)
        if cached is not None:
            self._people.move_to_end(index)
            return cached
        s = self.settings
        built = person(index, s.seed, self.data_now, s.activities_mean)
        entry = (built, profile(built, s.seed))
        self._people[index] = entry
        if len(self._people) > s.person_cache:
            self._people.popitem(last=False)
        return entry

    def _build(self) -> None:
        s = self.settings
        t = self.tables
        leads, contacts, accounts = t["Lead"], t["Contact"], t["Account"]
        opportunities, roles = t["Opportunity"], t["OpportunityContactRole"]
        tasks, events, members, campaigns = t["Task"], t["Event"], t["CampaignMember"], t["Campaign"]
        org_created = epoch(self.data_now - timedelta(days=5 * 365))
        for i, _ in enumerate(USERS):
            t["User"].append(-1, i, org_created, org_created)
        for i, _ in enumerate(LEAD_STATUSES):
            t["LeadStatus"].append(-1, i, org_created, org_created)
        for p in people(s.people, s.seed, self.data_now, s.activities_mean):
            if not p.in_salesforce:
                continue
            prof = profile(p, s.seed)
            if len(self._people) < s.person_cache:
                # Keep the person just built, so the first queries do not build it again.
                self._people[p.index] = (p, prof)
            created, updated = epoch(p.created_at), epoch(p.updated_at)
            converted = epoch(prof.converted_at) if prof.converted_at else None
            if prof.form in ("contact", "converted"):
                account = self.accounts.get(p.company_domain)
                if account is None:
                    account = accounts.append(p.index, 0, created, created)
                    self.accounts[p.company_domain] = account
                else:
                    accounts.created[account] = min(accounts.created[account], created)
                contact_created = converted if converted is not None else created
                self.contact_of[p.index] = contacts.append(p.index, 0, contact_created, updated)
                if prof.stage is not None:
                    self.opportunity_of[p.index] = opportunities.append(p.index, 0, contact_created, updated)
                    roles.append(p.index, 0, contact_created, contact_created)
                    if prof.stage == "Closed Won":
                        accounts.ordinal[account] = 1  # a customer account
            if prof.form in ("lead", "converted"):
                lead_modified = converted if converted is not None else updated
                self.lead_of[p.index] = leads.append(p.index, 0, created, lead_modified)
            memberships: dict[str, int] = {}
            for ordinal, activity in enumerate(p.activities):
                at = epoch(activity.occurred_at)
                if activity.kind in dataset.TASK_KINDS:
                    tasks.append(p.index, ordinal, at, at)
                elif activity.kind in dataset.EVENT_KINDS:
                    events.append(p.index, ordinal, at, at)
                elif (name := dataset.campaign_of(activity)) is not None:
                    if name not in self.campaigns:
                        self.campaigns[name] = campaigns.append(-1, len(self.campaign_names), at, at)
                        self.campaign_names.append(name)
                    else:
                        seq = self.campaigns[name]
                        campaigns.created[seq] = min(campaigns.created[seq], at)
                    if name in memberships:
                        row = memberships[name]
                        members.modified[row] = members.modstamp[row] = max(members.modstamp[row], at)
                    else:
                        memberships[name] = members.append(p.index, ordinal, at, at)
        for seq in range(len(campaigns)):
            campaigns.modified[seq] = campaigns.modstamp[seq] = campaigns.created[seq]

    # ------------------------------------------------------------------------------------------ reading

    def table(self, sobject: str) -> Table:
        spec = self.schema.require(sobject)
        return self.tables[spec.name]

    def locate(self, record_id: str) -> tuple[Table, int] | None:
        """The table and row of an id, or None if it names no row of this org."""
        parsed = parse_id(record_id)
        if parsed is None:
            return None
        prefix, seq = parsed
        table = self._by_prefix.get(prefix)
        if table is None or not 0 <= seq < len(table):
            return None
        return table, seq

    def person_of(self, table: Table, seq: int) -> Person | None:
        index = table.person[seq]
        return self._person(index) if index >= 0 else None

    def who_id(self, person_index: int) -> str | None:
        """The Contact (or, with none, the Lead) a person's activities hang off, after any merge."""
        contact = self.contact_of[person_index]
        who = make_id("003", contact) if contact >= 0 else None
        if who is None and self.lead_of[person_index] >= 0:
            who = make_id("00Q", self.lead_of[person_index])
        return self.resolve(who) if who else None

    def resolve(self, record_id: str) -> str:
        """Follow merges: the id of the record that absorbed ``record_id``, or itself."""
        seen = 0
        while record_id in self.redirect and seen < 100:
            record_id = self.redirect[record_id]
            seen += 1
        return record_id

    def field(self, table: Table, seq: int, name: str) -> Any:
        """One field's value (canonical name) as a Python value."""
        if name in _SYSTEM:
            if name == "Id":
                return table.id(seq)
            if name == "IsDeleted":
                return bool(table.deleted[seq])
            column = {
                "CreatedDate": table.created,
                "LastModifiedDate": table.modified,
                "SystemModstamp": table.modstamp,
            }[name]
            return from_epoch(column[seq])
        overrides = table.overrides.get(seq)
        if overrides is not None and name in overrides:
            return overrides[name]
        if name == "WhoId" and table.name in ("Task", "Event"):
            return self.who_id(table.person[seq])
        return self.record(table, seq).get(name)

    def value(self, table: Table, seq: int, path: tuple[str, ...]) -> Any:
        """A field's value, following parent lookups (``("Account", "Name")``)."""
        if len(path) == 1:
            return self.field(table, seq, path[0])
        reference = self.field(table, seq, path[0] + "Id")
        located = self.locate(reference) if reference else None
        if located is None:
            return None
        return self.value(located[0], located[1], path[1:])

    def record(self, table: Table, seq: int) -> dict[str, Any]:
        """Every field of a row (canonical names -> Python values). Cached; do not mutate."""
        key = (table.name, seq)
        cached = self._records.get(key)
        if cached is not None:
            self._records.move_to_end(key)
            return cached
        values = self._build_record(table, seq)
        self._records[key] = values
        if len(self._records) > self._record_cache:
            self._records.popitem(last=False)
        return values

    def _build_record(self, table: Table, seq: int) -> dict[str, Any]:
        p = self.person_of(table, seq)
        builder = _BUILDERS[table.name]
        values: dict[str, Any] = {spec.name: None for spec in table.spec.fields.values()}
        values.update(builder(self, table, seq, p))
        owner = values.get("OwnerId")
        modifier = table.modified_by.get(seq)
        values.update(
            {
                "Id": table.id(seq),
                "IsDeleted": bool(table.deleted[seq]),
                "CreatedDate": from_epoch(table.created[seq]),
                "LastModifiedDate": from_epoch(table.modified[seq]),
                "SystemModstamp": from_epoch(table.modstamp[seq]),
                "CreatedById": owner or make_id("005", dataset.INTEGRATION_USER),
                "LastModifiedById": make_id("005", modifier)
                if modifier is not None
                else owner or make_id("005", dataset.INTEGRATION_USER),
            }
        )
        if table.spec.field("OwnerId") is None:
            values.pop("OwnerId", None)
        overrides = table.overrides.get(seq)
        if overrides:
            values.update(overrides)
            if table.name in ("Lead", "Contact") and ("FirstName" in overrides or "LastName" in overrides):
                values["Name"] = " ".join(v for v in (values.get("FirstName"), values.get("LastName")) if v)
        return values

    # ------------------------------------------------------------------------------------------ queries

    def select(self, query: Query, include_deleted: bool) -> list[int]:
        """The rows a bound query selects (row numbers of its object's table), in order."""
        with self.lock:
            table = self.tables[query.sobject]
            candidates: Iterable[int] = self._candidates(table, query.where)
            deleted = table.deleted
            if not include_deleted:
                candidates = (seq for seq in candidates if not deleted[seq])

            def get(seq: int, path: tuple[str, ...]) -> Any:
                return self.value(table, seq, path)

            return run(query, candidates, get, self.clock())

    def _candidates(self, table: Table, where: Any) -> Iterable[int]:
        # Id and WhoId filters name a few rows: find them directly instead of scanning the table (the query
        # still applies the whole WHERE to them, so this only saves time).
        comparisons = (
            [where] if isinstance(where, Comparison) else list(where.operands) if isinstance(where, And) else []
        )
        for node in comparisons:
            if not isinstance(node, Comparison) or node.operator not in ("=", "IN") or len(node.field.path) != 1:
                continue
            ids = node.value if node.operator == "IN" else (node.value,)
            if not all(isinstance(v, str) for v in ids):
                continue
            name = node.field.path[0]
            if name == "Id":
                rows = set()
                for record_id in ids:
                    located = self.locate(record_id)
                    if located is not None and located[0] is table:
                        rows.add(located[1])
                return sorted(rows)
            if name == "WhoId" and table.name in ("Task", "Event"):
                return self._rows_of_people(table, self._people_of_ids(ids))
            if name in ("LeadId", "ContactId", "LeadOrContactId") and table.name == "CampaignMember":
                return self._rows_of_people(table, self._people_of_ids(ids))
        return range(len(table))

    def _people_of_ids(self, ids: Iterable[str]) -> set[int]:
        found: set[int] = set()
        pending = list(ids)
        while pending:
            record_id = pending.pop()
            pending.extend(self.merged_into.get(record_id, ()))
            located = self.locate(record_id)
            if located is not None and located[0].person[located[1]] >= 0:
                found.add(located[0].person[located[1]])
        return found

    @staticmethod
    def _rows_of_people(table: Table, indexes: set[int]) -> list[int]:
        # Activity rows were appended person by person, so each person's rows are one sorted run.
        rows: list[int] = []
        for index in sorted(indexes):
            start = bisect.bisect_left(table.person, index)
            end = bisect.bisect_right(table.person, index)
            rows.extend(range(start, end))
        return rows

    # ------------------------------------------------------------------------------------------ writing

    def update(
        self,
        table: Table,
        seq: int,
        raw: Mapping[str, Any],
        *,
        user: int,
        lock_check: Callable[[str], bool] | None = None,
    ) -> list[FieldError]:
        """Apply a client's field values to a row; the errors Salesforce would give, or [] when saved."""
        with self.lock:
            values, errors = self.prepare(table, seq, raw, lock_check)
            if not errors:
                self.commit(table, seq, values, user)
            return errors

    def prepare(
        self, table: Table, seq: int, raw: Mapping[str, Any], lock_check: Callable[[str], bool] | None = None
    ) -> tuple[dict[str, Any], list[FieldError]]:
        """Check a write without applying it: the parsed values, or the errors Salesforce would give."""
        with self.lock:
            errors = self._check_writable(table, seq)
            if errors:
                return {}, errors
            values: dict[str, Any] = {}
            for name, value in raw.items():
                spec = table.spec.field(name)
                if spec is None:
                    errors.append(
                        FieldError("INVALID_FIELD", f"No such column '{name}' on sobject of type {table.name}", (name,))
                    )
                    continue
                if not spec.updateable:
                    errors.append(
                        FieldError(
                            "INVALID_FIELD_FOR_INSERT_UPDATE",
                            f"Unable to create/update fields: {spec.name}. Please check the security settings of this "
                            "field and verify that it is read/write for your profile or permission set.",
                            (spec.name,),
                        )
                    )
                    continue
                try:
                    values[spec.name] = parse_write(spec, value)
                except InvalidValue as exc:
                    errors.append(exc.error)
            if errors:
                return {}, errors
            record_id = table.id(seq)
            if lock_check is not None and lock_check(record_id):
                # "UNABLE_TO_LOCK_ROW" (StatusCode): another transaction holds the row; retrying later works.
                return {}, [
                    FieldError(
                        "UNABLE_TO_LOCK_ROW",
                        f"unable to obtain exclusive access to this record or 1 records: {record_id}",
                    )
                ]
            return values, []

    def commit(self, table: Table, seq: int, values: Mapping[str, Any], user: int) -> None:
        """Apply checked values: overrides, LastModifiedDate/SystemModstamp, LastModifiedById, listeners."""
        with self.lock:
            table.overrides.setdefault(seq, {}).update(values)
            self._stamp(table, seq, modified=True, user=user)
            self._notify(table, seq)

    def _check_writable(self, table: Table, seq: int) -> list[FieldError]:
        if table.deleted[seq]:
            return [FieldError("ENTITY_IS_DELETED", "entity is deleted")]
        if table.name == "Lead" and self.field(table, seq, "IsConverted"):
            return [FieldError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")]
        return []

    def _stamp(self, table: Table, seq: int, *, modified: bool, user: int | None = None) -> None:
        now = epoch(self.clock())
        # Never move backwards, even if the clock was set behind the data.
        now = max(now, table.modstamp[seq] + 0.001)
        table.modstamp[seq] = now
        if modified:
            table.modified[seq] = now
            if user is not None:
                table.modified_by[seq] = user
        self._records.pop((table.name, seq), None)

    def _notify(self, table: Table, seq: int) -> None:
        for listener in list(self.listeners):
            listener(table.name, seq)

    def delete(self, table: Table, seq: int) -> bool:
        """Move a record to the Recycle Bin (with its activities for a lead or contact); False if it was."""
        with self.lock:
            if table.deleted[seq]:
                return False
            table.deleted[seq] = 1
            self._stamp(table, seq, modified=True, user=dataset.INTEGRATION_USER)
            if table.name in ("Lead", "Contact"):
                record_id = table.id(seq)
                for name in ACTIVITY_OBJECTS:
                    related = self.tables[name]
                    for row in self._rows_of_people(related, {table.person[seq]}):
                        if self._related_to(related, row, record_id) and not related.deleted[row]:
                            related.deleted[row] = 1
                            self._stamp(related, row, modified=True)
            return True

    def _related_to(self, table: Table, row: int, record_id: str) -> bool:
        if table.name == "CampaignMember":
            return record_id in (self.field(table, row, "LeadId"), self.field(table, row, "ContactId"))
        return self.field(table, row, "WhoId") == record_id

    def merge(self, table: Table, master: int, losers: Iterable[int]) -> None:
        """Merge ``losers`` into ``master`` (same object): losers deleted with MasterRecordId, children moved."""
        with self.lock:
            master_id = table.id(master)
            for seq in losers:
                if seq == master:
                    continue
                loser_id = table.id(seq)
                table.overrides.setdefault(seq, {})["MasterRecordId"] = master_id
                self.redirect[loser_id] = master_id
                self.merged_into.setdefault(master_id, []).append(loser_id)
                table.deleted[seq] = 1
                self._stamp(table, seq, modified=True, user=dataset.INTEGRATION_USER)
                for name in ACTIVITY_OBJECTS:
                    related = self.tables[name]
                    for row in self._rows_of_people(related, {table.person[seq]}):
                        # Re-parented children get a new SystemModstamp, so incremental readers see them.
                        self._stamp(related, row, modified=False)
            self._stamp(table, master, modified=True, user=dataset.INTEGRATION_USER)
            self._notify(table, master)

    def touch(self, table: Table, seq: int, values: Mapping[str, Any]) -> list[FieldError]:
        """A user edit in the Salesforce UI: same checks as the API, attributed to the record's owner."""
        owner = self.field(table, seq, "OwnerId")
        parsed = parse_id(owner) if isinstance(owner, str) else None
        user = parsed[1] if parsed else dataset.INTEGRATION_USER
        return self.update(table, seq, values, user=user)


# ------------------------------------------------------------------------------------------------ builders


def _owner(org: Org, p: Person | None) -> str | None:
    if p is None:
        return None
    return make_id("005", org.profile(p.index).owner)


def _bant(p: Person) -> dict[str, Any]:
    return {
        "Budget__c": p.budget,
        "Authority__c": p.authority,
        "Need__c": p.need,
        "Timeline__c": p.timeline,
        "Pain_Points__c": p.pain_points,
        "Seniority__c": p.seniority,
    }


def _last_activity(org: Org, p: Person) -> Any:
    return org.profile(p.index).last_activity


def _lead(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    prof = org.profile(p.index)
    converted = prof.form == "converted"
    contact = org.contact_of[p.index]
    opportunity = org.opportunity_of[p.index]
    account = org.accounts.get(p.company_domain) if converted else None
    rating = "Hot" if p.propensity > 0.6 else "Warm" if p.propensity > 0.3 else "Cold"
    return {
        "FirstName": p.first_name,
        "LastName": p.last_name,
        "Name": f"{p.first_name} {p.last_name}",
        "Title": p.job_title,
        "Company": p.company,
        "Email": p.email,
        "Phone": p.phone,
        "Country": p.country,
        "Industry": p.industry,
        "LeadSource": p.lead_source,
        "Status": prof.lead_status,
        "NumberOfEmployees": p.company_size,
        "Website": f"https://{p.company_domain}",
        "Rating": rating,
        "HasOptedOutOfEmail": p.do_not_contact,
        "DoNotCall": p.do_not_contact,
        "IsConverted": converted,
        "ConvertedDate": prof.converted_at.date() if prof.converted_at else None,
        "ConvertedAccountId": make_id("001", account) if account is not None else None,
        "ConvertedContactId": make_id("003", contact) if converted and contact >= 0 else None,
        "ConvertedOpportunityId": make_id("006", opportunity) if converted and opportunity >= 0 else None,
        "LastActivityDate": _last_activity(org, p),
        "OwnerId": _owner(org, p),
        **_bant(p),
    }


def _contact(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    account = org.accounts.get(p.company_domain)
    return {
        "FirstName": p.first_name,
        "LastName": p.last_name,
        "Name": f"{p.first_name} {p.last_name}",
        "Title": p.job_title,
        "Email": p.email,
        "Phone": p.phone,
        "MailingCountry": p.country,
        "Department": p.department,
        "LeadSource": p.lead_source,
        "AccountId": make_id("001", account) if account is not None else None,
        "HasOptedOutOfEmail": p.do_not_contact,
        "DoNotCall": p.do_not_contact,
        "LastActivityDate": _last_activity(org, p),
        "OwnerId": _owner(org, p),
        **_bant(p),
    }


def _account(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    return {
        "Name": p.company,
        "Website": f"https://{p.company_domain}",
        "Industry": p.industry,
        "NumberOfEmployees": p.company_size,
        "BillingCountry": p.country,
        "Type": "Customer - Direct" if table.ordinal[seq] == 1 else "Prospect",
        "OwnerId": _owner(org, p),
    }


def _opportunity(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    prof = org.profile(p.index)
    stage = _STAGES[prof.stage or "Prospecting"]
    account = org.accounts.get(p.company_domain)
    return {
        "Name": f"{p.company} - Lead Qualification",
        "StageName": stage[0],
        "Probability": float(stage[1]),
        "IsClosed": stage[2],
        "IsWon": stage[3],
        "Amount": prof.amount,
        "CloseDate": prof.close_date,
        "AccountId": make_id("001", account) if account is not None else None,
        "ContactId": make_id("003", org.contact_of[p.index]),
        "LeadSource": p.lead_source,
        "Type": "New Business",
        "OwnerId": _owner(org, p),
    }


def _contact_role(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    senior = p.seniority in ("C-level", "VP", "Director", "Head of")
    return {
        "OpportunityId": make_id("006", seq),
        "ContactId": make_id("003", org.contact_of[p.index]),
        "Role": "Decision Maker" if senior else "Evaluator",
        "IsPrimary": True,
    }


def _task(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    fields = dataset.task_fields(p, p.activities[table.ordinal[seq]])
    return {**fields, "WhoId": org.who_id(p.index), "OwnerId": _owner(org, p)}


def _event(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    fields = dataset.event_fields(p, p.activities[table.ordinal[seq]])
    return {**fields, "WhoId": org.who_id(p.index), "OwnerId": _owner(org, p)}


def _campaign_member(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    assert p is not None
    name = dataset.campaign_of(p.activities[table.ordinal[seq]]) or ""
    lead, contact = org.lead_of[p.index], org.contact_of[p.index]
    lead_id = org.resolve(make_id("00Q", lead)) if lead >= 0 else None
    contact_id = org.resolve(make_id("003", contact)) if contact >= 0 else None
    return {
        "CampaignId": make_id("701", org.campaigns[name]),
        "LeadId": lead_id,
        "ContactId": contact_id,
        "LeadOrContactId": contact_id or lead_id,
        "Type": "Contact" if contact_id else "Lead",
        **dataset.member_fields(p, name),
    }


def _campaign(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    name = org.campaign_names[table.ordinal[seq]]
    return {**dataset.campaign_fields(name, from_epoch(table.created[seq])), "OwnerId": make_id("005", 0)}


def _lead_status(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    label, is_default, is_converted = LEAD_STATUSES[table.ordinal[seq]]
    return {
        "MasterLabel": label,
        "ApiName": label,
        "SortOrder": table.ordinal[seq] + 1,
        "IsDefault": is_default,
        "IsConverted": is_converted,
    }


def _user(org: Org, table: Table, seq: int, p: Person | None) -> dict[str, Any]:
    name, email = USERS[table.ordinal[seq]]
    return {"Name": name, "Email": email, "Username": email, "IsActive": True}


_BUILDERS: dict[str, Callable[[Org, Table, int, Person | None], dict[str, Any]]] = {
    "Lead": _lead,
    "Contact": _contact,
    "Account": _account,
    "Opportunity": _opportunity,
    "OpportunityContactRole": _contact_role,
    "Task": _task,
    "Event": _event,
    "CampaignMember": _campaign_member,
    "Campaign": _campaign,
    "LeadStatus": _lead_status,
    "User": _user,
}


def json_record(org: Org, table: Table, seq: int, paths: Iterable[tuple[str, ...]], version: str) -> dict[str, Any]:
    """A record as the REST API returns it: ``attributes`` then the selected fields, parents nested."""
    out: dict[str, Any] = {"attributes": attributes(table.name, table.id(seq), version)}
    values = org.record(table, seq)
    for path in paths:
        if len(path) == 1:
            out[path[0]] = json_value(values.get(path[0]))
        else:
            _put(org, out, table, seq, path, version)
    return out


def attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def _put(org: Org, out: dict[str, Any], table: Table, seq: int, path: tuple[str, ...], version: str) -> None:
    if len(path) == 1:
        out[path[0]] = json_value(org.field(table, seq, path[0]))
        return
    relationship = path[0]
    if relationship in out and out[relationship] is None:
        return
    reference = org.field(table, seq, relationship + "Id")
    located = org.locate(reference) if reference else None
    if located is None:
        out[relationship] = None  # an empty lookup is null, not an object of nulls
        return
    parent_table, parent_seq = located
    nested = out.get(relationship)
    if nested is None:
        nested = {"attributes": attributes(parent_table.name, parent_table.id(parent_seq), version)}
        out[relationship] = nested
    _put(org, nested, parent_table, parent_seq, path[1:], version)


def normalize_id(value: Any) -> str | None:
    """An id a client sent, in 18-character form, or None."""
    return to18(value) if isinstance(value, str) else None


def lock_checker(rate: float, seed: int, forced: dict[str, int]) -> Callable[[str], bool]:
    """A seeded decision "is this row locked right now?": forced ids first (counted down), then ``rate``."""
    rng = random.Random(seed)

    def locked(record_id: str) -> bool:
        if forced.get(record_id, 0) > 0:
            forced[record_id] -= 1
            return True
        return rate > 0 and rng.random() < rate

    return locked
