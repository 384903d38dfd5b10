"""The pipeline: one batch of contacts through store -> qualify -> plan -> write -> record, in one transaction.

Both triggers use it: the scheduled sync (``connector.sync``) hands it pages read from a source, the
webhook worker hands it contacts it re-read after an event, rescore hands it keys from the store.

    with Pipeline(store, model, mapping, destination=dest, now=now) as pipeline:
        pipeline.process(contacts, activities)        # fresh from a source
        pipeline.process_stored(keys)                 # from the store (rescore, retries)
    pipeline.report                                   # what happened

Per batch, in one transaction: claim the contacts (another process holding one means we come back for
it), store new activities, compare the input fingerprint with the stored one, qualify only what needs it
(new or changed inputs, a new model version, or time-based decay that is due), record stage changes, plan
the write-back against what the CRM holds, write the batches, record what was written and what was
refused. If the process dies before the commit, nothing of the batch is recorded: the next run redoes it
and, since nothing was recorded as written, writes it (the files destination cuts its file back first).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy.engine import Connection

from connector.crm.base import Destination, WriteResult, WriteStatus
from connector.errors import StoreError
from connector.mapping.render import output_targets, render_outputs
from connector.mapping.schema import Mapping as SourceMapping
from connector.model import Activity, Contact, Stage
from connector.qualify import ScoringModel, qualify_batch
from connector.qualify.batch import gc_paused
from connector.runreport import RunReport
from connector.runs import Work
from connector.store import Store, history, rejected
from connector.store import activities as stored_activities
from connector.store import contacts as stored_contacts
from connector.store import fields as stored_fields
from connector.store import runs as run_rows
from connector.store.claims import claim
from connector.store.codec import (
    DetailCache,
    decode_contact,
    encode_contact,
    fingerprint,
    pack_activities,
    unpack_activities,
)
from connector.store.contacts import QUALIFICATION_COLUMNS, StoredContact
from connector.store.rejected import Rejection
from connector.store.types import value_json
from connector.writeplan import COMPANION_OUTPUTS, ContactPlan, batches, plan_contact

Finalize = Callable[[Connection], None]


@dataclass(frozen=True)
class PipelineOptions:
    #: With a decaying model, a sync re-qualifies a contact whose inputs did not change once this much time
    #: has passed since its last qualification (rescore always does).
    decay_refresh: timedelta = timedelta(days=1)
    #: How long to wait for contacts another process is working on before giving up.
    claim_timeout_s: float = 120.0
    #: Updates per destination call when the destination does not say.
    batch_size: int = 100


@dataclass(slots=True)
class _Item:
    """One contact moving through a batch: what ``_compute`` decided, for ``_apply`` to store and write."""

    key: str
    contact: Contact | None  # None when computed elsewhere (a rescore worker): only the results travel
    activities: list[Activity]
    prior: StoredContact | None
    fresh: bool  # read from the source just now (vs. from the store)
    fp: str = ""
    repack: bool = False  # activities came from the table: store them as the contact's pack again
    save_inputs: bool = False  # new or changed record, activities or pack: store the inputs
    qualified: bool = False
    columns: dict[str, Any] | None = None  # a new qualification to store (what a rep sees changed)
    change: tuple[str | None, str, str, str] | None = None  # stage change: from, to, why, model version
    desired: dict[str, Any] | None = None  # rendered write-back values (when qualified)
    desired_fp: str | None = None  # their fingerprint


#: What a rescore worker computed for one contact (see ``Pipeline.compute_stored``): key, the stored state it
#: saw, then the results. The state is compared again under the claim before anything is applied. The
#: qualification columns and the desired values travel as bare values (in the order of
#: ``QUALIFICATION_COLUMNS`` and ``output_targets``): pickling costs per object, and names are the same for all.
Computed = tuple[str, tuple[Any, ...], str, bool, "tuple[Any, ...] | None", "tuple[Any, ...] | None",
                 "tuple[Any, ...] | None", "str | None"]


def _state(prior: StoredContact) -> tuple[Any, ...]:
    """What a computation depended on: if any of it changed meanwhile, the contact is computed again."""
    return (prior.inputs_fp, prior.qualified_fp, prior.model_version, prior.outcome, prior.dirty, prior.deleted,
            prior.qualified_at)


class Pipeline:
    """Processes batches of contacts for one run (or one worker); accumulates the run report."""

    def __init__(
        self,
        store: Store,
        model: ScoringModel,
        mapping: SourceMapping,
        *,
        now: datetime,
        destination: Destination | None = None,
        run_id: int | None = None,
        report: RunReport | None = None,
        dry_run: bool = False,
        rescoring: bool = False,
        options: PipelineOptions | None = None,
    ):
        self.store = store
        self.model = model
        self.mapping = mapping
        self.now = now
        self.destination = destination
        self.run_id = run_id
        self.report = report if report is not None else RunReport()
        self.dry_run = dry_run
        self.rescoring = rescoring
        self.options = options or PipelineOptions()
        self.work = Work(store, dry_run)
        self._targets = mapping.write_targets
        self._substantive = tuple(f.to for f in mapping.write if f.output not in COMPANION_OUTPUTS)
        self._outputs = output_targets(mapping)
        self._committed_offset = self._offset()
        self._details = DetailCache()
        self._last_rescores: dict[str, datetime] | None = None

    def __enter__(self) -> Pipeline:
        self.work.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.work.__exit__(kind, exc, tb)

    # -- entry points ----------------------------------------------------------------------------------

    def process(
        self,
        contacts: Sequence[Contact],
        activities: Mapping[str, Sequence[Activity]] | Iterable[Activity] | None = None,
        *,
        deleted: Sequence[str] = (),
        finalize: Finalize | None = None,
    ) -> None:
        """Contacts fresh from a source (with the activities read with them, if any): store, qualify, write.

        ``finalize`` runs inside the transaction that completes the batch (the sync advances its cursor
        there, so the cursor moves exactly when the batch's writes are committed).
        """
        latest = {contact.key: contact for contact in contacts}  # a key twice in a batch: the last wins
        self.report.read += len(contacts)
        news = _flatten(activities)
        self.report.activities += len(news)

        def work(conn: Connection, keys: list[str]) -> None:
            chosen = set(keys)
            changed = stored_activities.upsert(conn, [a for a in news if a.contact_key in chosen])
            self.report.activities_changed += len(changed)
            prior = stored_contacts.load(conn, keys)
            self._evaluate(conn, self._items(conn, [(latest[k], prior.get(k)) for k in keys], changed))

        self._claimed(sorted(latest), work, finalize, deleted)

    def process_stored(self, keys: Sequence[str], *, retry: bool = False, finalize: Finalize | None = None) -> None:
        """Contacts as the store holds them: re-qualify what needs it and write what changed.

        ``retry`` plans every one of them even if nothing changed (earlier writes failed).
        """

        def work(conn: Connection, claimed: list[str]) -> None:
            prior = stored_contacts.load(conn, claimed)
            live = [(None, prior[k]) for k in claimed if k in prior and not prior[k].deleted]
            if not live:
                return
            items = self._items(conn, live, set())
            if retry:
                self.report.retried += len(items)
            self._evaluate(conn, items, force_plan=retry)

        self._claimed(sorted(set(keys)), work, finalize)

    def compute_stored(self, conn: Connection, keys: Sequence[str]) -> list[Computed]:
        """The pure part of ``process_stored`` for contacts as the store holds them (read in ``conn``): what
        a rescore worker process runs. Contacts needing more than that (changed activities) are left out;
        ``apply_computed`` processes them itself."""
        stored = stored_contacts.load(conn, keys)
        clean = [(None, s) for s in stored.values() if not s.deleted and not s.dirty and s.activity_pack is not None]
        items = self._items(conn, clean, set())
        self._compute(items, {})
        return [(item.key, _state(item.prior), item.fp, item.qualified,
                 None if item.columns is None else tuple(item.columns.values()), item.change,
                 None if item.desired is None else tuple(item.desired.values()), item.desired_fp)
                for item in items if item.prior is not None]

    def apply_computed(self, keys: Sequence[str], computed: Sequence[Computed]) -> None:
        """Store and write what ``compute_stored`` computed elsewhere, under this process's claim. A contact
        whose stored state changed since (another process got to it) is computed again here."""
        results = {entry[0]: entry for entry in computed}

        def work(conn: Connection, claimed: list[str]) -> None:
            prior = stored_contacts.load(conn, claimed, state_only=True)
            items: list[_Item] = []
            again: list[str] = []
            for key in claimed:
                entry, state = results.get(key), prior.get(key)
                if state is None or state.deleted:
                    continue
                if entry is None or entry[1] != _state(state):
                    again.append(key)
                    continue
                _, _, fp, qualified, columns, change, desired, desired_fp = entry
                items.append(_Item(
                    key, None, [], state, False, fp, qualified=qualified,
                    columns=None if columns is None else dict(zip(QUALIFICATION_COLUMNS, columns, strict=True)),
                    change=change, desired=None if desired is None else dict(zip(self._outputs, desired, strict=True)),
                    desired_fp=desired_fp))
            if items:
                self._apply(conn, items, False)
            if again:
                full = stored_contacts.load(conn, again)
                self._evaluate(conn, self._items(conn, [(None, full[k]) for k in again if k in full], set()))

        self._claimed(sorted(set(keys)), work, None)

    def _items(self, conn: Connection, pairs: Sequence[tuple[Contact | None, StoredContact | None]],
               changed: set[str]) -> list[_Item]:
        """Batch items with their activities: from the contact's stored pack when it is current, else from
        the activities table (new contacts, new activities), in which case the pack is rebuilt."""
        stale = [_key_of(contact, stored) for contact, stored in pairs
                 if stored is None or stored.dirty or stored.activity_pack is None or stored.key in changed]
        from_table = stored_activities.ActivityReader(conn, self._details).for_keys(stale) if stale else {}
        stale_keys = set(stale)
        items: list[_Item] = []
        for contact, stored in pairs:
            fresh = contact is not None
            if contact is None:
                assert stored is not None
                contact = decode_contact(stored.key, stored.data)
            key = contact.key
            if key in stale_keys:
                acts = from_table.get(key, [])
            else:
                assert stored is not None
                acts = unpack_activities(key, stored.activity_pack, self._details)
            items.append(_Item(key, contact, acts, stored, fresh, repack=key in stale_keys))
        return items

    def ingest_activities(self, items: Iterable[Activity], batch: int = 5000) -> None:
        """Store activities streamed by a source ahead of its contacts; contacts whose activities changed
        are flagged, so that the run re-qualifies them even when their own record did not change."""
        buffer: list[Activity] = []
        for activity in items:
            buffer.append(activity)
            if len(buffer) >= batch:
                self._ingest(buffer)
                buffer = []
        if buffer:
            self._ingest(buffer)

    def _ingest(self, items: list[Activity]) -> None:
        # Claimed like any batch: a process working on one of these contacts right now must not clear the
        # dirty flag we set (it read the activities before ours were committed).
        self.report.activities += len(items)

        def work(conn: Connection, claimed: list[str]) -> None:
            chosen = set(claimed)
            changed = stored_activities.upsert(conn, [a for a in items if a.contact_key in chosen])
            stored_contacts.mark_dirty(conn, changed)
            self.report.activities_changed += len(changed)

        self._claimed(sorted({a.contact_key for a in items}), work, None)

    # -- claims and transactions -----------------------------------------------------------------------

    def _claimed(self, keys: list[str], work: Callable[[Connection, list[str]], None], finalize: Finalize | None,
                 deleted: Sequence[str] = ()) -> None:
        """Run ``work`` on the keys in transactions, each on the keys it could claim, until all are done."""
        pending = keys
        deadline = time.monotonic() + self.options.claim_timeout_s
        pause = 0.01
        while True:
            with self._transaction() as conn:
                claimed = pending if self.dry_run else sorted(claim(conn, pending))
                if claimed:
                    # A batch allocates millions of small objects and forms no cycles: the cyclic collector
                    # would only walk the heap over and over (see connector.qualify.batch).
                    with gc_paused():
                        work(conn, claimed)
                if len(claimed) < len(pending):
                    done = set(claimed)
                    pending = [k for k in pending if k not in done]
                else:
                    pending = []
                if not pending:
                    if deleted:
                        self.report.deleted += stored_contacts.mark_deleted(conn, deleted, self.now)
                    if finalize is not None:
                        finalize(conn)
                self._heartbeat(conn)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise StoreError(
                    f"{len(pending)} contacts (first {pending[0]}) stayed claimed by another process for "
                    f"{self.options.claim_timeout_s:.0f} s; is another leadbridge process stuck?"
                )
            time.sleep(pause)  # the other process commits within one batch; poll, gently
            pause = min(pause * 2, 0.5)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A batch transaction that keeps the destination's file in step with the store: when it fails,
        the bytes written during it are cut off again."""
        try:
            with self.work.transaction() as conn:
                yield conn
        except BaseException:
            rollback = getattr(self.destination, "rollback_to", None)
            if rollback is not None:
                rollback(self._committed_offset)
            raise
        self._committed_offset = self._offset()

    def _offset(self) -> int:
        return int(getattr(self.destination, "offset", 0) or 0)

    def _heartbeat(self, conn: Connection) -> None:
        if self.run_id is not None:
            run_rows.heartbeat(conn, self.run_id, self.now, self.report.as_dict(), self._offset())

    # -- the work on one batch -------------------------------------------------------------------------

    def _evaluate(self, conn: Connection, items: list[_Item], force_plan: bool = False) -> None:
        self._compute(items, self._confirmed(conn))
        self._apply(conn, items, force_plan)

    def _compute(self, items: list[_Item], confirmed: dict[str, datetime]) -> None:
        """The pure part of a batch: fingerprints, which contacts need the core, the core, the rendering."""
        model, now, mapping = self.model, self.now, self.mapping
        for item in items:
            prior, contact = item.prior, item.contact
            assert contact is not None
            if item.fresh or (prior is not None and prior.dirty):
                item.fp = fingerprint(contact, item.activities)
            else:
                assert prior is not None
                item.fp = prior.inputs_fp
            item.save_inputs = (prior is None or prior.dirty or item.repack
                                or (item.fresh and (item.fp != prior.inputs_fp or prior.deleted)))
        # The core takes the batch's contacts that need it together (a block at a time: connector/qualify).
        due = [item for item in items if self._needs_qualification(item, confirmed)]
        previous = {item.contact.key: stage for item in due  # type: ignore[union-attr]
                    if (stage := _previous_stage(item)) is not None}
        results = qualify_batch([(item.contact, item.activities) for item in due], model, now,  # type: ignore[misc]
                                previous)
        for item, q in zip(due, results, strict=True):
            prior, contact = item.prior, item.contact
            assert contact is not None
            item.qualified = True
            if (prior is None or prior.outcome != stored_contacts.outcome_of(q) or prior.qualified_fp != item.fp
                    or prior.model_version != q.model_version):
                item.columns = stored_contacts.qualification_columns(q, item.fp)
            # else: the same outcome from the same inputs (decay moved nothing a rep sees): nothing to store.
            before = prior.stage if prior is not None and prior.stage is not None else contact.crm_stage
            if q.stage != before:
                item.change = (before.value if before else None, q.stage.value, q.stage_reason or q.summary,
                               q.model_version)
            item.desired = render_outputs(q, mapping)
            item.desired_fp = _values_fp(item.desired, self._substantive)

    def _apply(self, conn: Connection, items: list[_Item], force_plan: bool) -> None:
        """Store what ``_compute`` decided, plan the write-back, write, record: inside the batch's claim."""
        report = self.report
        inputs_rows: list[dict[str, Any]] = []
        packs: list[tuple[str, str]] = []
        updates: dict[str, dict[str, Any]] = {}  # key -> contact columns to set: one UPDATE per contact
        changes: list[history.StageChange] = []
        for item in items:
            prior = item.prior
            if item.fresh:
                if prior is None:
                    report.new += 1
                elif item.fp != prior.inputs_fp:
                    report.changed += 1
                else:
                    report.unchanged += 1
            if item.save_inputs:
                inputs_rows.append(self._inputs_row(item))
                packs.append((item.key, pack_activities(item.activities)))
            if item.qualified:
                report.qualified += 1
            if item.columns is not None:
                updates[item.key] = item.columns
            if item.change is not None:
                before, after, why, version = item.change
                report.stage_change(before, after)
                changes.append(history.StageChange(item.key, before, after, self.now, why, version, self.run_id))
        stored_contacts.save_inputs(conn, inputs_rows, packs)
        history.record(conn, changes)
        self._plan_and_write(conn, items, force_plan, updates)
        stored_contacts.update_many(conn, updates)

    def _inputs_row(self, item: _Item) -> dict[str, Any]:
        contact = item.contact
        assert contact is not None
        source, object_type = (contact.key.split(":", 2) + ["", ""])[:2]
        return {
            "key": contact.key,
            "source": source,
            "object_type": object_type,
            "updated_at": contact.updated_at,
            "data": encode_contact(contact),
            "inputs_fp": item.fp,
            "first_seen_at": self.now,
            "last_seen_at": self.now,
        }

    def _needs_qualification(self, item: _Item, confirmed: dict[str, datetime]) -> bool:
        """New or changed inputs, or a new model, always; with a decaying model, rescore re-qualifies
        everything and a sync what was last qualified (or confirmed by a rescore) ``decay_refresh`` ago."""
        prior = item.prior
        if prior is None or prior.outcome is None or prior.qualified_at is None:
            return True
        if item.fp != prior.qualified_fp or prior.model_version != self.model.version:
            return True
        if self.model.decays:
            if self.rescoring:
                return True
            # A rescore that found the same outcome does not rewrite the contact: its run's start counts.
            last = max(prior.qualified_at, confirmed.get(item.key.split(":", 1)[0], prior.qualified_at))
            return self.now - last >= self.options.decay_refresh
        return False

    def _confirmed(self, conn: Connection) -> dict[str, datetime]:
        """Start of the last complete rescore per source (read once per pipeline)."""
        if self._last_rescores is None:
            self._last_rescores = run_rows.last_completed(conn, "rescore") if self.model.decays else {}
        return self._last_rescores

    def _plan_and_write(self, conn: Connection, items: list[_Item], force: bool,
                        updates: dict[str, dict[str, Any]]) -> None:
        report = self.report
        sync_rows: dict[str, list[Any]] = {}  # key -> [writeback, read_fp, desired_fp, synced_fp]
        candidates: list[_Item] = []
        for item in items:
            prior = item.prior
            read_fp = _values_fp(item.contact.crm_values, self._targets) if item.fresh and item.contact else (
                prior.read_fp if prior else None)
            if item.desired_fp is None and item.desired is not None:
                item.desired_fp = _values_fp(item.desired, self._substantive)
            desired_fp = item.desired_fp if item.desired is not None else (prior.desired_fp if prior else None)
            state = f"{read_fp} {desired_fp}"
            if not force and prior is not None and prior.synced_fp == state:
                continue  # nothing new read, nothing new to say: the CRM holds what we want
            candidates.append(item)
            sync_rows[item.key] = [None, read_fp, desired_fp, state]
        if not candidates:
            return

        keys = [item.key for item in candidates]
        failures_before = rejected.load(conn, keys)
        failed_props: dict[str, list[str]] = {}
        for key, prop in failures_before:
            failed_props.setdefault(key, []).append(prop)
        # (key, property) -> field_values columns to set; read, desired and written of one property in one row.
        changes: dict[tuple[str, str], dict[str, Any]] = {}
        now, run_id = self.now, self.run_id
        plans: list[tuple[ContactPlan, WriteBack]] = []
        books: dict[str, WriteBack] = {}
        for item in candidates:
            key = item.key
            # As loaded at the start of the batch, in this transaction, under the claim: still what is stored.
            book = books[key] = WriteBack.parse(item.prior.writeback if item.prior is not None else None)
            if item.fresh and item.contact is not None:
                for prop, value in item.contact.crm_values.items():
                    if prop in self._targets:
                        value = _plain(value)
                        if prop not in book.read or not _same(book.read[prop], value):
                            # Differs from the last read: someone changed it in the CRM.
                            book.read[prop] = book.crm[prop] = value
                            text = value_json(value)
                            changes[(key, prop)] = {"read_value": text, "read_at": now, "crm_value": text}
            if item.desired is not None:
                for prop, value in item.desired.items():
                    if prop not in book.desired or not _same(book.desired[prop], value):
                        book.desired[prop] = value
                        changes.setdefault((key, prop), {})["desired_value"] = value_json(value)
            plan = plan_contact(key, self.mapping.write, book.desired, book.crm)
            report.values_unchanged += plan.unchanged
            report.held += plan.held
            stale = [(key, prop) for prop in failed_props.get(key, ()) if prop not in plan.values]
            rejected.clear(conn, stale)  # no longer needs writing: forget the old failure
            if plan.values:
                report.planned += len(plan.values)
                report.planned_contacts += 1
                report.keep_sample(key, plan.values, book.crm)
                plans.append((plan, book))
        for key, prop, text in self._write(conn, plans, sync_rows, failures_before):
            changes.setdefault((key, prop), {}).update(
                crm_value=text, written_value=text, written_at=now, written_run_id=run_id)
        for key, book in books.items():
            sync_rows[key][0] = book.dump()
        stored_fields.record(conn, changes)
        for key, (book_json, read_fp, desired_fp, synced_fp) in sync_rows.items():
            updates.setdefault(key, {}).update(writeback=book_json, read_fp=read_fp, desired_fp=desired_fp,
                                               synced_fp=synced_fp)

    def _write(self, conn: Connection, plans: list[tuple[ContactPlan, WriteBack]], sync_rows: dict[str, list[Any]],
               failures_before: dict[tuple[str, str], Rejection]) -> list[tuple[str, str, str]]:
        """Send the plans in batches; returns the (key, property, value JSON) the destination accepted."""
        written: list[tuple[str, str, str]] = []
        if not plans:
            return written
        report = self.report
        if self.destination is None or self.dry_run:
            for plan, _ in plans:
                report.not_written += len(plan.values)
                sync_rows[plan.contact_key][3] = None  # still to write: plan it again next time
            return written
        updates = [update for plan, _ in plans if (update := plan.update) is not None]
        size = int(getattr(self.destination, "batch_size", 0) or self.options.batch_size)
        results: dict[str, WriteResult] = {}
        for batch in batches(updates, size):
            for sent in self.destination.write(batch):
                results[sent.contact_key] = sent
        failures: list[Rejection] = []
        for plan, book in plans:
            key = plan.contact_key
            result = results.get(key)
            status = result.status if result is not None else WriteStatus.RETRYABLE
            if status is WriteStatus.OK:
                report.written += len(plan.values)
                report.written_contacts += 1
                for prop, value in plan.values.items():
                    book.crm[prop] = value
                    written.append((key, prop, value_json(value)))
                continue
            reason = (result.reason if result is not None else None) or "the destination gave no result"
            counter = report.rejected if status is WriteStatus.REJECTED else report.retryable
            counter[reason] += len(plan.values)
            failures.extend(Rejection(key, prop, value_json(value), status.value, reason)
                            for prop, value in plan.values.items())
            sync_rows[key][3] = None
        rejected.clear(conn, [(key, prop) for key, prop, _ in written if (key, prop) in failures_before])
        rejected.record(conn, failures, failures_before, self.now, self.run_id)
        return written


@dataclass(slots=True)
class WriteBack:
    """One contact's write-back book: per property the value last read from the CRM, what the CRM holds as
    far as we know (the last read that changed, or our last accepted write), and what we want there."""

    read: dict[str, Any]
    crm: dict[str, Any]
    desired: dict[str, Any]

    @classmethod
    def parse(cls, text: str | None) -> WriteBack:
        if not text:
            return cls({}, {}, {})
        data = json.loads(text)
        return cls(data["read"], data["crm"], data["desired"])

    def dump(self) -> str:
        return _BOOK_ENCODER.encode({"read": self.read, "crm": self.crm, "desired": self.desired})


# json.dumps with options builds an encoder per call; a rescore dumps a book per contact it plans.
_BOOK_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _plain(value: Any) -> Any:
    """A CRM value as the book keeps it: JSON scalars as they are, anything else as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _key_of(contact: Contact | None, stored: StoredContact | None) -> str:
    if contact is not None:
        return contact.key
    assert stored is not None
    return stored.key


def _flatten(activities: Mapping[str, Sequence[Activity]] | Iterable[Activity] | None) -> list[Activity]:
    if activities is None:
        return []
    if isinstance(activities, Mapping):
        return [a for group in activities.values() for a in group]
    return list(activities)


def _previous_stage(item: _Item) -> Stage | None:
    """The stage the core must not go below: ours from the store or the CRM's, whichever is later."""
    stored = item.prior.stage if item.prior is not None else None
    held = item.contact.crm_stage if item.contact is not None else None
    if stored is None or held is None:
        return stored or held
    return max(stored, held)


def _values_fp(values: Mapping[str, Any] | None, names: Sequence[str]) -> str:
    """Fingerprint of the values of ``names`` (missing ones count as absent). Values are CRM scalars, whose
    repr is stable; this runs for every contact of a rescore, so it stays cheaper than JSON."""
    data = () if values is None else tuple((n, values[n]) for n in names if n in values)
    return hashlib.blake2b(repr(data).encode(), digest_size=16).hexdigest()
