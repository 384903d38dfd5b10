"""Write-back to Salesforce through sObject Collections: PATCH composite/sobjects, 200 records per call,
allOrNone false, one SaveResult per record (REST API Developer Guide, "Update Records Using sObject
Collections"; "allOrNone Parameters in Composite and Collections Requests").

Per-record errors decide per record (StatusCode, SOAP API Developer Guide):
- UNABLE_TO_LOCK_ROW: another transaction holds the row (or its parent account). Retried inside the write,
  a few rounds with a jittered pause, records ordered by parent so one call locks each account once
  ("Record Locking Cheat Sheet"; "General Guidelines for Data Loads": group records by parent); what is
  still locked is RETRYABLE (the next run retries it).
- CANNOT_UPDATE_CONVERTED_LEAD: the lead was converted after we read it. Converted leads are read-only, so
  the values go to the contact it was converted into (Lead.ConvertedContactId).
- ENTITY_IS_DELETED and validation errors (FIELD_CUSTOM_VALIDATION_EXCEPTION, STRING_TOO_LONG, ...):
  REJECTED, never retried blindly.
Only fields the object has and may update are sent (describe); text is cut to the field's length; Lead
Status is only ever set to the configured disqualified status, which the org must have.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connector.crm.base import FieldUpdate, WriteResult, WriteStatus
from connector.crm.salesforce import SOBJECTS, SalesforceSource, disqualified_status
from connector.crm.salesforce_limits import ApiBudgetExhausted
from connector.crm.salesforce_soql import chunks, in_list, select
from connector.errors import CrmError, FatalCrmError, RetriableCrmError

MAX_RECORDS = 200
LOCKED = "UNABLE_TO_LOCK_ROW"
CONVERTED = "CANNOT_UPDATE_CONVERTED_LEAD"


@dataclass
class _Pending:
    """One record to send: the update it serves, the object and id it goes to, and the values."""

    update: FieldUpdate
    sobject: str
    record_id: str
    values: dict[str, Any]
    redirected: bool = False


class SalesforceDestination:
    """A Destination writing qualification fields to Leads and Contacts."""

    batch_size = MAX_RECORDS

    def __init__(self, source: SalesforceSource, *, sleep: Callable[[float], None] = time.sleep):
        self.source = source
        self.api = source.api
        self.org = source.org
        self.options = source.options
        self.sleep = sleep
        self.calls = 0
        self.lock_retries = 0
        self.redirected = 0
        self._status = disqualified_status(source.mapping)
        self._status_checked = False
        self._targets_checked = False

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        self._check_targets()
        results: dict[str, WriteResult] = {}
        pending: list[_Pending] = []
        for update in updates:
            item = self._prepare(update)
            if item is None or not item.values:
                # Nothing this object can hold changed (e.g. Status back to "not disqualified": leadbridge never
                # reopens a lead): the CRM is as it should be.
                results[update.contact_key] = WriteResult(update.contact_key, WriteStatus.OK)
            else:
                pending.append(item)
        rounds = 0
        while pending:
            locked: list[_Pending] = []
            converted: list[_Pending] = []
            # ApiBudgetExhausted passes through: the page's transaction rolls back and the run stops; the next
            # run redoes the page (values already sent are sent again, which changes nothing).
            self._send(pending, results, locked, converted)
            pending = self._redirect(converted, results)
            if locked and rounds < self.options.lock_retries:
                rounds += 1
                self.lock_retries += len(locked)
                self.sleep(self.options.lock_pause_s * rounds * (0.5 + random.random()))
                pending += locked
            else:
                for item in locked:
                    results[item.update.contact_key] = WriteResult(
                        item.update.contact_key, WriteStatus.RETRYABLE, f"{LOCKED}: record locked by another "
                        "transaction", tuple(item.values))
        return [results[u.contact_key] for u in updates if u.contact_key in results]

    # -- building records ----------------------------------------------------------------------------

    def _prepare(self, update: FieldUpdate) -> _Pending | None:
        _, object_type, record_id = update.contact_key.split(":", 2)
        sobject = SOBJECTS.get(object_type)
        if sobject is None:
            return None
        redirected = False
        if sobject == "Lead" and record_id in self.org.converted:
            sobject, record_id, redirected = "Contact", self.org.converted[record_id], True
        return _Pending(update, sobject, record_id, self._values(sobject, update.values), redirected)

    def _values(self, sobject: str, values: dict[str, Any] | Any) -> dict[str, Any]:
        fields = self.org.object_fields(sobject)
        out: dict[str, Any] = {}
        for name, value in dict(values).items():
            info = fields.get(name.lower())
            if info is None or not info.updateable:
                continue  # not on this object (Status on Contact), or read-only for the integration user
            if name == "Status":
                if value != self._status or self._status is None:
                    continue  # only ever set the disqualified status; reopening a lead is sales' decision
                self._check_status()
            if isinstance(value, str) and info.length and len(value) > info.length:
                value = value[: info.length - 1] + "…"
            out[info.name] = value
        return out

    def _check_targets(self) -> None:
        """A write target no object has is a setup problem, not something to skip silently."""
        if self._targets_checked:
            return
        objects = [SOBJECTS[spec.object] for spec in self.source.mapping.contact_maps or (self.source.mapping.contacts,)
                   if spec.object in SOBJECTS]
        missing = [t for t in self.source.mapping.write_targets
                   if not any(t.lower() in self.org.object_fields(o) for o in objects)]
        if missing:
            raise FatalCrmError(f"the org has no field {', '.join(missing)} on {' or '.join(objects)}: run "
                                "`leadbridge setup --source salesforce` and deploy the package it writes",
                                code="INVALID_FIELD")
        self._targets_checked = True

    def _check_status(self) -> None:
        if not self._status_checked and self._status is not None:
            self.org.require_status(self._status)
            self._status_checked = True

    # -- sending -------------------------------------------------------------------------------------

    def _send(self, pending: list[_Pending], results: dict[str, WriteResult], locked: list[_Pending],
              converted: list[_Pending]) -> None:
        # Records of one parent together: one call then locks each account once, and two calls in flight
        # do not fight over the same parent.
        ordered = sorted(pending, key=lambda p: (p.sobject, self.org.parents.get(p.record_id, ""), p.record_id))
        for start in range(0, len(ordered), MAX_RECORDS):
            batch = ordered[start : start + MAX_RECORDS]
            body = {"allOrNone": False, "records": [
                {"attributes": {"type": p.sobject}, "id": p.record_id, **p.values} for p in batch]}
            try:
                answer = self.api.restful("composite/sobjects", method="PATCH", json=body)
            except CrmError as exc:
                status = WriteStatus.RETRYABLE if isinstance(exc, RetriableCrmError) else WriteStatus.REJECTED
                if isinstance(exc, FatalCrmError) and (exc.status in (401, 403) or isinstance(exc, ApiBudgetExhausted)):
                    raise  # budget, credentials or permissions: every record would fail the same way
                for item in batch:
                    results[item.update.contact_key] = WriteResult(item.update.contact_key, status, str(exc),
                                                                   tuple(item.values))
                continue
            self.calls += 1
            for item, saved in zip(batch, answer or [], strict=False):
                self._result(item, saved, results, locked, converted)
            for item in batch[len(answer or []):]:
                results[item.update.contact_key] = WriteResult(
                    item.update.contact_key, WriteStatus.RETRYABLE, "Salesforce gave no result for the record")

    def _result(self, item: _Pending, saved: dict[str, Any], results: dict[str, WriteResult],
                locked: list[_Pending], converted: list[_Pending]) -> None:
        key = item.update.contact_key
        if saved.get("success"):
            reason = f"written to converted contact {item.record_id}" if item.redirected else None
            results[key] = WriteResult(key, WriteStatus.OK, reason, tuple(item.values))
            return
        errors = saved.get("errors") or [{}]
        codes = [str(e.get("statusCode", "")) for e in errors]
        if LOCKED in codes:
            locked.append(item)
            return
        if CONVERTED in codes and item.sobject == "Lead":
            converted.append(item)
            return
        first = errors[0]
        fields = ", ".join(first.get("fields") or [])
        reason = f"{first.get('statusCode', 'UNKNOWN')}: {first.get('message', '')}"
        reason += f" ({fields})" if fields else ""
        results[key] = WriteResult(key, WriteStatus.REJECTED, reason, tuple(item.values))

    def _redirect(self, items: list[_Pending], results: dict[str, WriteResult]) -> list[_Pending]:
        """Leads converted since we read them: look up their contacts and send the values there."""
        if not items:
            return []
        ids = [item.record_id for item in items]
        for part in chunks(ids):
            soql = select(["Id", "ConvertedContactId"], "Lead", [in_list("Id", part)])
            for batch in self.api.query_pages(soql):
                for row in batch:
                    if row.get("ConvertedContactId"):
                        self.org.converted[row["Id"]] = row["ConvertedContactId"]
        out: list[_Pending] = []
        for item in items:
            contact_id = self.org.converted.get(item.record_id)
            if contact_id is None:
                key = item.update.contact_key
                results[key] = WriteResult(key, WriteStatus.REJECTED, f"{CONVERTED}: converted lead without a contact")
                continue
            self.redirected += 1
            out.append(_Pending(item.update, "Contact", contact_id, self._values("Contact", item.update.values), True))
        return out
