"""Write-back to HubSpot: one batch update per 100 contacts, one ``WriteResult`` per contact.

HubSpot validates a whole batch before writing any of it: one bad value fails all 100 with a 400 naming
the property. So a refused batch is split: records writing a property that does not exist or is read-only
are rejected at once (every record writing it would fail the same way; the reason says to run
``leadbridge setup``), and value problems are bisected down to the records that cause them, so the rest of
the batch goes through. Validation errors are never retried; transient failures come back RETRYABLE.

lifecyclestage only moves forward through the API: a backward value is accepted and ignored (source:
https://integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333, "first set the value to "" (empty
string), then (in a separate request) set the earlier lifecycle stage value"; the same thread found that a
batch does not apply its inputs in order, so the clear cannot ride in the same batch as the set). When the
mapping's policy allows a backward move, the stage is cleared in one request and set in the next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.crm import hubspot_records as records
from connector.crm.base import FieldUpdate, WriteResult, WriteStatus
from connector.crm.hubspot_client import HubSpotApi
from connector.errors import RetriableCrmError, SkippableCrmError
from connector.mapping.render import crm_stage
from connector.mapping.schema import Mapping as SourceMapping
from connector.mapping.schema import WriteField, WritePolicy

LIFECYCLE = "lifecyclestage"
_STRUCTURAL = ("PROPERTY_DOESNT_EXIST", "READ_ONLY_VALUE")


class BatchWriter:
    """Sends FieldUpdates as batch updates; knows which ids are gone and which stage HubSpot holds."""

    def __init__(self, api: HubSpotApi, mapping: SourceMapping, gone: dict[str, str]) -> None:
        self.api = api
        self.gone = gone
        #: Contact id -> the lifecyclestage HubSpot holds, as last read or written.
        self.held_stage: dict[str, str | None] = {}
        self.stage_field: WriteField | None = next(
            (f for f in mapping.write if f.to == LIFECYCLE and f.output == "stage"), None)
        self.backward_allowed = self.stage_field is not None and self.stage_field.policy is not WritePolicy.FORWARD_ONLY
        self._answered: dict[str, Any] = {}  # id -> lifecyclestage HubSpot answered, during one write()

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        live: list[FieldUpdate] = []
        self._answered = {}
        for update in updates:
            cid = _id(update.contact_key)
            if cid in self.gone:
                results[update.contact_key] = _rejected(update, f"contact is {self.gone[cid]} in HubSpot: not written")
            else:
                live.append(update)
        if self.backward_allowed:
            backward = [u for u in live if self._backward(u)]
            cleared = self._clear_stage(backward)
            for update in backward:
                if update.contact_key in cleared and cleared[update.contact_key].status is not WriteStatus.OK:
                    results[update.contact_key] = cleared[update.contact_key]
            live = [u for u in live if u.contact_key not in results]
        results.update(self._send(live))
        if self.backward_allowed:
            # HubSpot kept a later stage we did not know it had: clear, then set again.
            ignored = [u for u in live if results[u.contact_key].status is WriteStatus.OK and LIFECYCLE in u.values
                       and _id(u.contact_key) in self._answered
                       and not _same(self._answered[_id(u.contact_key)], u.values[LIFECYCLE])]
            if ignored:
                results.update(self._clear_stage(ignored))
                results.update(self._send([FieldUpdate(u.contact_key, {LIFECYCLE: u.values[LIFECYCLE]})
                                           for u in ignored if results[u.contact_key].status is WriteStatus.OK]))
        return [results[u.contact_key] for u in updates]

    def _backward(self, update: FieldUpdate) -> bool:
        if LIFECYCLE not in update.values or self.stage_field is None:
            return False
        held = crm_stage(self.stage_field, self.held_stage.get(_id(update.contact_key)))
        wanted = crm_stage(self.stage_field, update.values[LIFECYCLE])
        return held is not None and wanted is not None and wanted < held

    def _clear_stage(self, updates: Sequence[FieldUpdate]) -> dict[str, WriteResult]:
        return self._send([FieldUpdate(u.contact_key, {LIFECYCLE: None}) for u in updates])

    def _send(self, updates: Sequence[FieldUpdate]) -> dict[str, WriteResult]:
        """One batch update (split when refused): results by key. Notes the lifecyclestage HubSpot answered."""
        if not updates:
            return {}
        body = {"inputs": [{"id": _id(u.contact_key),
                            "properties": {k: records.write_value(v) for k, v in u.values.items()}} for u in updates]}
        try:
            answer = self.api.call("batch_update", self.api.contacts_batch.update, body)
        except SkippableCrmError as exc:
            return self._split(updates, exc)
        except RetriableCrmError as exc:
            return {u.contact_key: WriteResult(u.contact_key, WriteStatus.RETRYABLE, str(exc), tuple(u.values))
                    for u in updates}
        missing = records.missing_ids(answer)
        returned = {str(r.get("id")): r.get("properties") or {} for r in (answer or {}).get("results") or ()}
        results: dict[str, WriteResult] = {}
        for update in updates:
            cid = _id(update.contact_key)
            if cid in returned:
                results[update.contact_key] = WriteResult(update.contact_key, WriteStatus.OK,
                                                          fields=tuple(update.values))
                if LIFECYCLE in returned[cid]:
                    self._answered[cid] = self.held_stage[cid] = returned[cid][LIFECYCLE]
            elif cid in missing:
                self.gone[cid] = "deleted"
                results[update.contact_key] = _rejected(update, "contact no longer exists in HubSpot (deleted)")
            else:
                # Answered under another id: HubSpot resolved a merged-away id to its survivor.
                self.gone[cid] = "merged into another contact"
                results[update.contact_key] = _rejected(update, "contact was merged into another contact in HubSpot")
        return results

    def _split(self, updates: Sequence[FieldUpdate], exc: SkippableCrmError) -> dict[str, WriteResult]:
        """A refused batch: reject what cannot be written, send the rest again."""
        body: Mapping[str, Any] = getattr(exc, "body", {}) or {}
        problems = records.property_problems(body)
        structural = {name: code for name, code, _ in problems if code in _STRUCTURAL}
        if structural:
            results: dict[str, WriteResult] = {}
            rest: list[FieldUpdate] = []
            for update in updates:
                bad = sorted(p for p in update.values if p in structural)
                if bad:
                    results[update.contact_key] = _rejected(update, _structural_reason(bad[0], structural[bad[0]]))
                else:
                    rest.append(update)
            if rest:
                results.update(self._send(rest))
            return results
        if len(updates) == 1:
            update = updates[0]
            if problems:
                name, code, message = problems[0]
                reason = f"HubSpot refused {name} ({code}): {message}"
            else:
                reason = f"HubSpot refused the update: {exc}"
            return {update.contact_key: _rejected(update, reason)}
        middle = len(updates) // 2
        results = self._send(updates[:middle])
        results.update(self._send(updates[middle:]))
        return results


def _structural_reason(name: str, code: str) -> str:
    if code == "READ_ONLY_VALUE":
        return f"HubSpot property {name} is read-only: write this output to another property (mapping write:)"
    return f"HubSpot has no property {name}: run `leadbridge setup --source hubspot` to create it"


def _rejected(update: FieldUpdate, reason: str) -> WriteResult:
    return WriteResult(update.contact_key, WriteStatus.REJECTED, reason, tuple(update.values))


def _same(held: Any, wanted: Any) -> bool:
    return str(held or "").strip().lower() == str(wanted or "").strip().lower()


def _id(key: str) -> str:
    return key.rsplit(":", 1)[-1]
