"""The HubSpot adapter: contacts, engagements and deals in; qualification properties out.

    api = HubSpotApi(HubSpotConfig.from_settings(get_settings()))
    hubspot = HubSpotAdapter(api, load_mapping(None, source="hubspot"))
    run_sync(store, hubspot, model, hubspot.mapping, destination=hubspot)

Reads (one ``ContactPage`` per ``page_size`` contacts):
- full load: the list endpoint, 100 a page, in id order (no result cap); a page of the sync is ``page_size``
  contacts (1,000: ten list pages), so the engagement reads of a page fill their batches of 100;
- incremental: search on lastmodifieddate in [since, until), paged by hs_object_id (see
  ``hubspot_records.changed_search`` for why never by offset); 200 a page, under the 5/s search limit;
- then archived contacts (``archived=true``): reported as deleted, as are ids merged into a surviving
  contact (its ``hs_merged_object_ids``): the store follows the survivor, nothing is written to them.
- deals, for contacts whose num_associated_deals is above zero: associations v4 + batch read, giving the
  computed ``deals.has_open``/``deals.has_won`` columns;
- engagements (``read_activities``): associations v4 batch reads, then batch reads of the emails, calls,
  meetings, notes and tasks found; the five types in parallel (one budget keeps them under the limit). A
  sync's pages carry their engagements, read a page ahead while the pipeline works (``readahead``).

Writes (``write``, 100 per call): batch update of the changed values only (the pipeline plans them). A
backward lifecyclestage (only when the mapping's policy allows it) is cleared first, then set in a second
request: HubSpot ignores a backward value otherwise. Per-record failures come back as ``WriteResult``s.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from connector.crm import hubspot_records as records
from connector.crm.base import ContactPage, FieldUpdate, WriteResult, WriteStatus
from connector.crm.hubspot_client import ENGAGEMENT_TYPES, HubSpotApi
from connector.crm.hubspot_writes import BatchWriter
from connector.crm.readahead import read_ahead
from connector.errors import ConfigError
from connector.mapping.records import ActivityReader, ContactReader, RecordError
from connector.mapping.schema import Mapping as SourceMapping
from connector.model import Activity, Contact

BATCH = 100  # batch read/update inputs per call (source: https://developers.hubspot.com/docs/api/crm/contacts)
LIST_PAGE = 100  # the list endpoint's maximum
SEARCH_PAGE = 200  # the search endpoint's maximum


class HubSpotAdapter:
    """A Source and a Destination over one HubSpot portal."""

    batch_size = BATCH

    def __init__(self, api: HubSpotApi, mapping: SourceMapping, *, page_size: int = 1000,
                 read_archived: bool = True):
        if mapping.source != "hubspot":
            raise ConfigError(f"{mapping.file} is a {mapping.source} mapping; the HubSpot adapter needs a "
                              "hubspot mapping")
        self.name = "hubspot"
        self.api = api
        self.mapping = mapping
        self.page_size = max(1, page_size)
        self.read_archived = read_archived
        self._contacts = ContactReader(mapping)
        self._activities = ActivityReader(mapping) if mapping.activities is not None else None
        self._properties = records.contact_properties(self._contacts.columns)
        self._pool: ThreadPoolExecutor | None = None
        #: Ids known to be merged into another contact or archived: never written to.
        self.gone: dict[str, str] = {}
        self.bad_records: list[str] = []
        #: Records read per object type (contacts, deals, emails, ...): what the calls brought back.
        self.read_counts: Counter[str] = Counter()
        self._without_activities: deque[frozenset[str]] = deque(maxlen=4)
        self._writer = BatchWriter(api, mapping, self.gone)

    def close(self) -> None:
        """Stop the reader threads (the sync calls this at the end of a run; the next run starts new ones)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    # -- contacts -------------------------------------------------------------------------------------

    def read_changed(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        """Contacts changed in [since, until) (all of them when since is None), then the archived ones.

        Each page comes with its contacts' engagements, read one page ahead of the pipeline."""
        return read_ahead(self._pages(since, until), name="hubspot-pages")

    def _pages(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        raw = self._list_all() if since is None else self._search_changed(since, until)
        buffer: list[dict[str, Any]] = []
        for record in raw:
            buffer.append(record)
            if len(buffer) >= self.page_size:
                yield self._with_activities(self._page(buffer, None))
                buffer = []
        if buffer:
            yield self._with_activities(self._page(buffer, None))
        # Pages come in id order, not time order: only the end of the pass may move the cursor (to the run's
        # start), so a run that dies half-way re-reads its window; the fingerprints make that cheap.
        if self.read_archived:
            yield from self._archived(since, until)
        else:
            yield ContactPage((), until)

    def _with_activities(self, page: ContactPage) -> ContactPage:
        keys = [c.key for c in page.contacts]
        found = self.read_activities(keys)
        activities = tuple(a for key in keys for a in found.get(key, ()))
        if not activities:
            # The sync asks read_activities for a page that came without any: answer from memory.
            self._without_activities.append(frozenset(keys))
        return ContactPage(page.contacts, page.checkpoint, activities, page.deleted)

    def _list_all(self) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            body = self.api.call("list", self.api.contacts.get_page, limit=LIST_PAGE, after=after,
                                 properties=self._properties, archived=False)
            results = body.get("results") or ()
            self.read_counts["contacts"] += len(results)
            yield from results
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def _search_changed(self, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
        above = 0
        while True:
            request = records.changed_search(since, until, above, self._properties, SEARCH_PAGE)
            body = self.api.call("search", self.api.contacts_search.do_search, request, search=True)
            results = body.get("results") or []
            self.read_counts["contacts"] += len(results)
            yield from results
            if len(results) < SEARCH_PAGE:
                return
            above = int(results[-1]["id"])

    def _archived(self, since: datetime | None, until: datetime) -> Iterator[ContactPage]:
        """Archived contacts (archived since ``since``) as deleted keys; the last page carries the checkpoint."""
        after: str | None = None
        deleted: list[str] = []
        while True:
            body = self.api.call("list_archived", self.api.contacts.get_page, limit=LIST_PAGE, after=after,
                                 properties=["hs_object_id"], archived=True)
            for record in body.get("results") or ():
                archived_at = _parse_time(record.get("archivedAt"))
                if since is None or archived_at is None or archived_at >= since:
                    cid = str(record["id"])
                    self.gone[cid] = "archived"
                    deleted.append(self.mapping.key(cid))
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        yield ContactPage((), until, deleted=tuple(deleted))

    def _page(self, raw: list[dict[str, Any]], checkpoint: datetime | None) -> ContactPage:
        flags = self._deal_flags([r for r in raw if records.deal_count(r) > 0])
        contacts: list[Contact] = []
        deleted: list[str] = []
        held = self._writer.held_stage
        for record in raw:
            cid = str(record.get("id"))
            held[cid] = (record.get("properties") or {}).get("lifecyclestage")
            self.gone.pop(cid, None)  # read alive: restored from the recycling bin, if it was archived
            contact = self._contact(record, flags.get(cid, (False, False)))
            if contact is not None:
                contacts.append(contact)
            for merged in records.merged_ids(record):
                self.gone[merged] = f"merged into {record.get('id')}"
                deleted.append(self.mapping.key(merged))
        return ContactPage(tuple(contacts), checkpoint, deleted=tuple(deleted))

    def _contact(self, record: Mapping[str, Any], deals: tuple[bool, bool]) -> Contact | None:
        values = records.contact_values(record, self._contacts.columns, deals)
        try:
            return self._contacts.contact(values)
        except RecordError as exc:
            # One unreadable record must not stop the sync: note it (id and property) and go on.
            self.bad_records.append(f"contact {record.get('id')}: {exc}")
            return None

    def _deal_flags(self, raw: list[dict[str, Any]]) -> dict[str, tuple[bool, bool]]:
        """(open, won) per contact id, for contacts that have deals."""
        if not raw:
            return {}
        ids = [str(r["id"]) for r in raw]
        self.read_counts["contacts_with_deals"] += len(ids)
        links = self._associated(ids, "deals")
        deal_ids = sorted({d for found in links.values() for d in found})
        deals = {str(d["id"]): d for d in self._batch_read("deals", deal_ids, list(records.DEAL_PROPERTIES))}
        return {cid: records.deal_flags(deals[d] for d in found if d in deals) for cid, found in links.items()}

    def reread(self, keys: Sequence[str]) -> list[Contact]:
        """The current state of the given contacts; merged-away ids answer as their survivor."""
        ids = [key.rsplit(":", 1)[-1] for key in keys]
        raw: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            body = self.api.call("batch_read", self.api.contacts_batch.read,
                                 {"inputs": [{"id": i} for i in chunk], "properties": self._properties},
                                 archived=False)
            raw.extend(body.get("results") or ())
        return list(self._page(raw, None).contacts)

    # -- activities -----------------------------------------------------------------------------------

    def read_activities(self, keys: Sequence[str]) -> dict[str, list[Activity]]:
        """Engagements of the given contacts, by key: associations, then batch reads, types in parallel."""
        result: dict[str, list[Activity]] = {key: [] for key in keys}
        if self._activities is None or not keys or frozenset(keys) in self._without_activities:
            return result
        ids = [key.rsplit(":", 1)[-1] for key in keys]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=len(ENGAGEMENT_TYPES), thread_name_prefix="hubspot-read")
        futures = [self._pool.submit(self._engagements, kind, ids) for kind in ENGAGEMENT_TYPES]
        reader = self._activities
        for future in futures:
            for contact_id, record in future.result():
                values = [record.get(column) for column in reader.columns]
                try:
                    activity = reader.activity(values, contact_id)
                except RecordError as exc:
                    self.bad_records.append(f"engagement {record.get('hs_object_id')}: {exc}")
                    continue
                result.setdefault(activity.contact_key, []).append(activity)
        return result

    def _engagements(self, kind: str, contact_ids: list[str]) -> list[tuple[str, dict[str, Any]]]:
        links = self._associated(contact_ids, kind)
        owner = {eid: cid for cid, found in links.items() for eid in found}
        found = self._batch_read(kind, sorted(owner, key=int), records.engagement_properties(kind))
        return [(owner[str(r["id"])], records.engagement_record(kind, r, owner[str(r["id"])])) for r in found
                if str(r["id"]) in owner]

    def _associated(self, ids: list[str], to_type: str) -> dict[str, list[str]]:
        links: dict[str, list[str]] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            body = self.api.call(f"associations_{to_type}", self.api.associations.get_page, "contacts", to_type,
                                 {"inputs": [{"id": i} for i in chunk]})
            for source, targets in records.association_targets(body).items():
                links.setdefault(source, []).extend(targets)
        return links

    def _batch_read(self, kind: str, ids: list[str], properties: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            body = {"inputs": [{"id": i} for i in ids[start : start + BATCH]], "properties": properties}
            if kind == "deals":
                answer = self.api.call("read_deals", self.api.deals_batch.read, body)
            else:
                answer = self.api.call(f"read_{kind}", self.api.engagements_batch[kind].read, kind, body)
            found.extend(answer.get("results") or ())
        self.read_counts[kind] += len(found)
        return found

    # -- write-back -----------------------------------------------------------------------------------

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        """Write one batch (at most 100); one result per update, in order."""
        results = self._writer.write(updates)
        by_key = {r.contact_key: r for r in results}
        return [by_key.get(u.contact_key) or WriteResult(u.contact_key, WriteStatus.RETRYABLE, "no answer for it")
                for u in updates]


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None

