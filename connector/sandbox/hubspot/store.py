"""The state of one emulated portal: synthetic contacts read lazily, plus the changes made since start.

Nothing is decoded up front. A contact of the population is regenerated from the seed when read (a bounded
LRU keeps recent ones); only contacts that changed, were created, archived or merged are held in full, as
``ContactState``. Listing scans population membership lazily; search builds a compact columnar index
(id, createdate, lastmodifieddate, email hash: 28 bytes a contact) on first use, so a million contacts fit.

Every mutation moves ``lastmodifieddate`` (strictly increasing, so two changes in one millisecond still
order) and notifies listeners with ``ContactChange`` events (the webhook sender is one).
"""

from __future__ import annotations

import threading
import time
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from connector.sandbox import synthetic
from connector.sandbox.hubspot import dataset
from connector.sandbox.hubspot.dataset import Deal, Engagement
from connector.sandbox.hubspot.errors import HubSpotApiError, validation_error
from connector.sandbox.hubspot.records import (
    API_SOURCE,
    UI_SOURCE,
    ChangeListener,
    ContactChange,
    ContactState,
    ContactView,
    SearchRow,
)
from connector.sandbox.hubspot.schema import LIFECYCLE_STAGES, PropertyRegistry, contact_registry, deal_registry
from connector.sandbox.hubspot.settings import HubSpotSettings
from connector.sandbox.hubspot.timefmt import iso, parse_ms, to_ms
from connector.sandbox.hubspot.validation import validate_properties
from connector.sandbox.synthetic import Person, SyntheticActivity

_STAGE_RANK = {stage: rank for rank, stage in enumerate(LIFECYCLE_STAGES)}


class HubSpotStore:
    """Contacts, deals, engagements and property definitions of one portal; thread-safe."""

    def __init__(self, settings: HubSpotSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.now = settings.now or synthetic.DEFAULT_NOW
        self.contact_properties: PropertyRegistry = contact_registry()
        self.deal_properties: PropertyRegistry = deal_registry()
        self._lock = threading.RLock()
        self._states: dict[int, ContactState] = {}
        self._redirects: dict[int, int] = {}  # merged-away id -> surviving id
        self._next_created_id = dataset.contact_id(settings.contacts) + 1_000
        self._last_ms = 0
        self._listeners: list[ChangeListener] = []
        # Lazy membership scan, in population order (ids ascending).
        self._member_ids = array("q")
        self._scanned = 0
        # Search columns of the population as generated, filled by the same scan.
        self._idx_created = array("q")
        self._idx_modified = array("q")
        self._idx_email = array("L")
        self._cache: OrderedDict[int, Person] = OrderedDict()
        # The generated properties of recently read contacts (rollups cost more than the rest of a read).
        self._base_props: OrderedDict[int, dict[str, str | None]] = OrderedDict()

    # ------------------------------------------------------------------------------------------------ basics

    def _generate(self, index: int) -> Person:
        s = self.settings
        return synthetic.person(index, s.seed, self.now, s.activities_mean)

    def _person(self, index: int) -> Person:
        """Person ``index`` from a bounded LRU: the scan fills it, so a listed page is generated once."""
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
            p = self._generate(index)
            self._remember(p)
            return p

    def _remember(self, p: Person) -> None:
        self._cache[p.index] = p
        if len(self._cache) > self.settings.cache_size:
            self._cache.popitem(last=False)

    def _generated_properties(self, p: Person) -> dict[str, str | None]:
        """The contact's properties as generated (callers copy before changing them)."""
        cached = self._base_props.get(p.index)
        if cached is not None:
            self._base_props.move_to_end(p.index)
            return cached
        props = dataset.contact_properties(p)
        self._base_props[p.index] = props
        if len(self._base_props) > self.settings.cache_size:
            self._base_props.popitem(last=False)
        return props

    def person(self, contact_id: int) -> Person | None:
        """The synthetic person behind a population contact (None for created or unknown ids)."""
        index = dataset.index_of(contact_id)
        if not 0 <= index < self.settings.contacts:
            return None
        p = self._person(index)
        return p if p.in_hubspot else None

    def subscribe(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def _emit(self, change: ContactChange) -> None:
        for listener in self._listeners:
            listener(change)

    def _tick(self) -> int:
        """Now in epoch ms, strictly after every earlier change and after the synthetic data's own dates."""
        now = int(self.clock() * 1000)
        self._last_ms = max(now, self._last_ms + 1, to_ms(self.now) + 1)
        return self._last_ms

    # ------------------------------------------------------------------------------------------------ reads

    def resolve(self, contact_id: int) -> int:
        """Follow merges: a merged-away id answers as the contact it was merged into."""
        seen = 0
        while contact_id in self._redirects and seen < 100:
            contact_id = self._redirects[contact_id]
            seen += 1
        return contact_id

    def get(self, contact_id: int, *, archived: bool = False) -> ContactView | None:
        """The contact, or None when unknown; archived contacts only when ``archived`` is set."""
        with self._lock:
            view = self._view(self.resolve(contact_id))
            if view is None or (view.archived_ms is not None) != archived:
                return None
            return view

    def _view(self, contact_id: int) -> ContactView | None:
        state = self._states.get(contact_id)
        p = self.person(contact_id)
        if p is None and (state is None or state.created_ms is None):
            return None
        if p is not None:
            props = dict(self._generated_properties(p))
            created = to_ms(p.created_at)
            modified = parse_ms(props["lastmodifieddate"] or "") or created
        else:
            props, created, modified = {}, 0, 0
        if state is not None:
            if state.extra_activities or state.merged_ids:
                activities = self._all_activities(contact_id, state)
                props.update(dataset.rollups(activities, do_not_contact=bool(p and p.do_not_contact)))
            props.update(state.overrides)
            if state.created_ms is not None:
                created = state.created_ms
            modified = max(modified, state.modified_ms)
            props["lastmodifieddate"] = iso(modified)
            if state.merged_ids:
                props["hs_merged_object_ids"] = ";".join(str(i) for i in state.merged_ids)
            return ContactView(contact_id, props, created, modified, state.archived_ms)
        return ContactView(contact_id, props, created, modified)

    def _alive(self, cid: int, state: ContactState | None) -> bool:
        """Exists and is not archived: cheaper than building the view when only that matters."""
        if state is not None and state.archived_ms is not None:
            return False
        return self.person(cid) is not None or (state is not None and state.created_ms is not None)

    def _scan_to(self, index: int) -> None:
        """Extend the membership scan (and the search columns) to population indexes below ``index``."""
        end = min(index, self.settings.contacts)
        while self._scanned < end:
            p = self._generate(self._scanned)
            if p.in_hubspot:
                self._remember(p)
                created = to_ms(p.created_at)
                self._member_ids.append(dataset.contact_id(p.index))
                self._idx_created.append(created)
                self._idx_modified.append(max(created, to_ms(p.updated_at)))
                self._idx_email.append(zlib.crc32(p.email.lower().encode()))
            self._scanned += 1

    def _ids_from(self, start_id: int) -> Iterator[int]:
        """Contact ids >= ``start_id`` in ascending order: population members, then created contacts.

        The scan advances in small chunks, so a page of 100 costs about 140 generated people, not a full scan.
        """
        position = self._bisect(start_id)
        while True:
            if position >= len(self._member_ids):
                if self._scanned >= self.settings.contacts:
                    break
                self._scan_to(self._scanned + 256)
                continue
            yield self._member_ids[position]
            position += 1
        yield from sorted(i for i, s in self._states.items() if s.created_ms is not None and i >= start_id)

    def _bisect(self, start_id: int) -> int:
        ids = self._member_ids
        self._scan_to(dataset.index_of(start_id))
        lo, hi = 0, len(ids)
        while lo < hi:
            mid = (lo + hi) // 2
            if ids[mid] < start_id:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def list_page(self, after_id: int, limit: int, *, archived: bool = False) -> tuple[list[ContactView], int | None]:
        """Up to ``limit`` contacts with id >= ``after_id``, and the id to continue from (None at the end)."""
        with self._lock:
            found: list[ContactView] = []
            for cid in self._ids_from(after_id):
                if cid in self._redirects:
                    continue
                view = self._view(cid)
                if view is None or (view.archived_ms is not None) != archived:
                    continue
                if len(found) == limit:
                    return found, cid
                found.append(view)
            return found, None

    # ------------------------------------------------------------------------------------------------ search

    def search_rows(self) -> Iterator[SearchRow]:
        """Every live (not archived, not merged-away) contact as a lazily loaded row, ids ascending."""
        with self._lock:
            self._scan_to(self.settings.contacts)
            rows: list[SearchRow] = []
            for position, cid in enumerate(self._member_ids):
                state = self._states.get(cid)
                if cid in self._redirects or (state is not None and state.archived_ms is not None):
                    continue
                if state is None:
                    rows.append(
                        SearchRow(cid, self._idx_created[position], self._idx_modified[position], self._loader(cid))
                    )
                else:
                    # The same dates _view computes for a population member, without building the view: a
                    # search over thousands of changed contacts loads only the rows it returns.
                    modified = max(self._idx_modified[position], state.modified_ms)
                    rows.append(SearchRow(cid, self._idx_created[position], modified, self._loader(cid)))
            for cid, state in sorted(self._states.items()):
                if state.created_ms is not None and state.archived_ms is None and cid not in self._redirects:
                    view = self._view(cid)
                    assert view is not None
                    rows.append(SearchRow(cid, view.created_ms, view.modified_ms, view))
        return iter(rows)

    def _loader(self, cid: int) -> Callable[[], ContactView]:
        def load() -> ContactView:
            with self._lock:
                view = self._view(cid)
            assert view is not None
            return view

        return load

    def find_by_email(self, email: str) -> int | None:
        """The live contact with this email (case-insensitive), via the email hash column."""
        wanted = email.strip().lower()
        with self._lock:
            for cid, state in self._states.items():
                if state.archived_ms is None and cid not in self._redirects:
                    view = self._view(cid)
                    if view and (view.properties.get("email") or "").lower() == wanted:
                        return cid
            self._scan_to(self.settings.contacts)
            crc = zlib.crc32(wanted.encode())
            for position, value in enumerate(self._idx_email):
                if value == crc:
                    cid = self._member_ids[position]
                    view = self.get(cid)
                    if view and (view.properties.get("email") or "").lower() == wanted:
                        return cid
        return None

    # ------------------------------------------------------------------------------------------------ writes

    def validate(self, properties: Mapping[str, Any], registry: PropertyRegistry | None = None) -> dict[str, str]:
        """Check a write against the property definitions (400 naming each bad property on failure)."""
        return validate_properties(properties, registry or self.contact_properties, self.settings.portal_id)

    def update(
        self,
        contact_id: int,
        properties: Mapping[str, Any],
        *,
        source: tuple[str, str | None] = API_SOURCE,
        forward_only: bool = True,
    ) -> ContactView | None:
        """Apply a write; None when the contact does not exist. Validation errors raise before any change.

        lifecyclestage only moves forward: a backward value is accepted and ignored, "" clears it (source:
        https://integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333). Only real changes move
        lastmodifieddate and produce propertyChange events.
        """
        clean = self.validate(properties)
        with self._lock:
            cid = self.resolve(contact_id)
            view = self._view(cid)
            if view is None or view.archived_ms is not None:
                return None
            changed = self._apply(cid, view, clean, forward_only)
            if not changed:
                return view
            now = self._tick()
            self._states.setdefault(cid, ContactState()).modified_ms = now
            result = self._view(cid)
        for name, value in changed.items():
            self._emit(ContactChange("propertyChange", cid, now, source[0], source[1], name, value or ""))
        return result

    def _apply(
        self, cid: int, view: ContactView, clean: Mapping[str, str], forward_only: bool
    ) -> dict[str, str | None]:
        changed: dict[str, str | None] = {}
        for name, value in clean.items():
            current = view.properties.get(name)
            new: str | None = value if value != "" else None
            if name == "lifecyclestage" and forward_only and current and new:
                if _STAGE_RANK.get(new, -1) < _STAGE_RANK.get(current, -1):
                    continue  # HubSpot accepts the request and keeps the later stage.
            if new == current:
                continue
            changed[name] = new
        if changed:
            state = self._states.setdefault(cid, ContactState())
            state.overrides.update(changed)
        return changed

    def create(self, properties: Mapping[str, Any], *, source: tuple[str, str | None] = API_SOURCE) -> ContactView:
        """A new contact; 409 CONFLICT when the email is taken (source: "Contact already exists. Existing ID")."""
        clean = self.validate(properties)
        email = clean.get("email")
        if email:
            existing = self.find_by_email(email)
            if existing is not None:
                raise HubSpotApiError(409, f"Contact already exists. Existing ID: {existing}", "CONFLICT")
        with self._lock:
            cid = self._next_created_id
            self._next_created_id += 1
            now = self._tick()
            overrides: dict[str, str | None] = {k: (v or None) for k, v in clean.items()}
            overrides.setdefault("lifecyclestage", "lead")
            base = {
                "hs_object_id": str(cid),
                "createdate": iso(now),
                "num_associated_deals": "0",
                **dataset.rollups(()),
            }
            self._states[cid] = ContactState({**base, **overrides}, modified_ms=now, created_ms=now)
            view = self._view(cid)
            assert view is not None
        self._emit(ContactChange("creation", cid, now, source[0], source[1]))
        return view

    def archive(self, contact_id: int, *, source: tuple[str, str | None] = API_SOURCE) -> bool:
        """Move a contact to the recycling bin; False when it does not exist (HubSpot still answers 204)."""
        with self._lock:
            cid = self.resolve(contact_id)
            view = self._view(cid)
            if view is None or view.archived_ms is not None:
                return False
            now = self._tick()
            state = self._states.setdefault(cid, ContactState())
            state.archived_ms = now
            state.modified_ms = now
        self._emit(ContactChange("deletion", cid, now, source[0], source[1]))
        return True

    def merge(self, primary_id: int, secondary_id: int, *, source: tuple[str, str | None] = API_SOURCE) -> ContactView:
        """Merge ``secondary`` into ``primary``: the primary keeps its id and values, takes the secondary's
        values where it has none, the later lifecycle stage, and its activities; the secondary id then
        answers as the primary (source: https://developers.hubspot.com/docs/api/crm/contacts, merge)."""
        with self._lock:
            primary_id, secondary_id = self.resolve(primary_id), self.resolve(secondary_id)
            if primary_id == secondary_id:
                raise validation_error("Cannot merge a contact into itself", objectId=[str(primary_id)])
            primary, secondary = self._view(primary_id), self._view(secondary_id)
            for cid, view in ((primary_id, primary), (secondary_id, secondary)):
                if view is None or view.archived_ms is not None:
                    raise HubSpotApiError(
                        404, f"Object not found. objectId are usually numeric. ({cid})", "OBJECT_NOT_FOUND"
                    )
            assert primary is not None and secondary is not None
            fill: dict[str, str | None] = {}
            for name, value in secondary.properties.items():
                definition = self.contact_properties.get(name)
                if value and not primary.properties.get(name) and definition is not None and not definition.read_only:
                    fill[name] = value
            stages = [
                s for s in (primary.properties.get("lifecyclestage"), secondary.properties.get("lifecyclestage")) if s
            ]
            if stages:
                fill["lifecyclestage"] = max(stages, key=lambda s: _STAGE_RANK.get(s, -1))
            now = self._tick()
            state = self._states.setdefault(primary_id, ContactState())
            state.overrides.update(fill)
            secondary_state = self._states.get(secondary_id)
            state.merged_ids.extend([secondary_id, *(secondary_state.merged_ids if secondary_state else [])])
            state.modified_ms = now
            self._redirects[secondary_id] = primary_id
            view = self._view(primary_id)
            assert view is not None
        merged = (primary_id, secondary_id)
        self._emit(ContactChange("merge", primary_id, now, source[0], source[1], merged_ids=merged))
        return view

    def add_activity(
        self,
        contact_id: int,
        kind: str,
        occurred_at: datetime | None = None,
        detail: Mapping[str, str] | None = None,
        *,
        source: tuple[str, str | None] = UI_SOURCE,
    ) -> int | None:
        """Record something a contact did: rollups follow, an engagement appears for sales activity.

        Returns the engagement id, or None when HubSpot keeps this kind only as rollups (page views...).
        """
        with self._lock:
            cid = self.resolve(contact_id)
            view = self._view(cid)
            if view is None:
                raise KeyError(f"no HubSpot contact {contact_id}")
            now = self._tick()
            at = occurred_at or datetime.fromtimestamp(now / 1000, UTC)
            state = self._states.setdefault(cid, ContactState())
            position = len(self._own_activities(cid))
            if position >= dataset.ENGAGEMENT_ID_FACTOR:
                raise ValueError(f"contact {cid} already has {position} activities; the sandbox keeps at most 999")
            activity = SyntheticActivity(kind, at, f"act-{dataset.index_of(cid)}-{position}", dict(detail or {}))
            state.extra_activities.append(activity)
            state.modified_ms = now
            engagement = dataset.engagement_for(activity, cid, position)
            after = self._view(cid)
            assert after is not None
            changed = {
                k: v for k, v in after.properties.items() if view.properties.get(k) != v and k != "lastmodifieddate"
            }
        for name, value in changed.items():
            self._emit(ContactChange("propertyChange", cid, now, source[0], source[1], name, value or ""))
        return engagement.id if engagement else None

    # ------------------------------------------------------------------------------------------------ related

    def _own_activities(self, cid: int) -> list[SyntheticActivity]:
        """Activities recorded on ``cid`` itself (generated, then added since start), in position order."""
        p = self.person(cid)
        state = self._states.get(cid)
        return [*(p.activities if p else ()), *(state.extra_activities if state else ())]

    def _all_activities(self, cid: int, state: ContactState | None) -> list[SyntheticActivity]:
        merged = state.merged_ids if state else []
        return [a for owner in (cid, *merged) for a in self._own_activities(owner)]

    def activities(self, contact_id: int) -> list[SyntheticActivity]:
        """Every activity of a contact: its own, those added since start, and those of contacts merged in."""
        with self._lock:
            cid = self.resolve(contact_id)
            return self._all_activities(cid, self._states.get(cid))

    def engagements(self, contact_id: int) -> list[Engagement]:
        """The contact's engagements; merged-in ones keep the ids they had on their first contact."""
        with self._lock:
            cid = self.resolve(contact_id)
            state = self._states.get(cid)
            if not self._alive(cid, state):
                return []
            found = []
            for owner in (cid, *(state.merged_ids if state else ())):
                for engagement in dataset.engagements(self._own_activities(owner), owner):
                    found.append(_reassigned(engagement, cid))
            return found

    def engagement_ids(self, contact_id: int, object_type: str) -> list[int]:
        """Ids of the contact's engagements of one type, without building them (associations need no more)."""
        with self._lock:
            cid = self.resolve(contact_id)
            state = self._states.get(cid)
            if not self._alive(cid, state):
                return []
            kinds = dataset.ENGAGEMENT_TYPE_BY_KIND
            return [
                owner * dataset.ENGAGEMENT_ID_FACTOR + position
                for owner in (cid, *(state.merged_ids if state else ()))
                for position, activity in enumerate(self._own_activities(owner))
                if kinds.get(activity.kind) == object_type
            ]

    def engagement(self, object_type: str, engagement_id: int) -> Engagement | None:
        """One engagement by id (decoded: original contact id * 1000 + activity position)."""
        owner, position = divmod(engagement_id, dataset.ENGAGEMENT_ID_FACTOR)
        with self._lock:
            live = self.resolve(owner)
            view = self._view(live)
            if view is None or view.archived_ms is not None:
                return None
            activities = self._own_activities(owner)
            if position >= len(activities):
                return None
            engagement = dataset.engagement_for(activities[position], owner, position)
            if engagement is None or engagement.object_type != object_type:
                return None
            return _reassigned(engagement, live)

    def deal(self, deal_id: int) -> Deal | None:
        with self._lock:
            p = self.person(deal_id)
            return dataset.deal_for(p) if p is not None else None

    def deals(self, contact_id: int) -> list[Deal]:
        with self._lock:
            cid = self.resolve(contact_id)
            state = self._states.get(cid)
            found = []
            for owner in [cid, *(state.merged_ids if state else [])]:
                deal = self.deal(owner)
                if deal is not None:
                    found.append(deal)
            return found


def _reassigned(engagement: Engagement, contact_id: int) -> Engagement:
    if engagement.contact_id == contact_id:
        return engagement
    return Engagement(engagement.id, engagement.object_type, contact_id, engagement.occurred_ms, engagement.properties)
