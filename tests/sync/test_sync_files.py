"""The pipeline end to end on the files source, on SQLite and PostgreSQL: what is read, qualified, written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from support.stores import sqlite_url
from support.syncing import NOW, Export, store_state, sync

from connector.crm.base import FieldUpdate, WriteResult, WriteStatus
from connector.crm.updates_file import UpdatesFile
from connector.mapping.schema import Mapping
from connector.model import Activity, ActivityKind, Contact
from connector.pipeline import Pipeline
from connector.qualify import ScoringModel
from connector.store import Store, cursors, history, open_store, rejected
from connector.store import runs as run_rows
from connector.store.tables import contacts, rejected_writes, stage_history
from connector.sync import SyncOptions, run_rescore


def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def _updates(path: Path, export: Export) -> list[dict[str, str]]:
    return export.rows(path)


def test_a_second_sync_of_unchanged_input_plans_nothing(store: Store, export: Export, mapping: Mapping,
                                                         model: ScoringModel, tmp_path: Path) -> None:
    first = sync(store, export, mapping, model, out=tmp_path / "first.csv")
    assert (first.report.read, first.report.new, first.report.qualified) == (40, 40, 40)
    assert first.report.planned > 0 and first.report.written == first.report.planned
    assert len(_updates(tmp_path / "first.csv", export)) == first.report.written_contacts

    again = sync(store, export, mapping, model, out=tmp_path / "again.csv", now=NOW + timedelta(minutes=5))
    assert again.since is not None  # incremental: from the cursor, minus the lookback
    assert (again.report.qualified, again.report.planned, again.report.written) == (0, 0, 0)
    full = sync(store, export, mapping, model, out=tmp_path / "full.csv", full=True,
                now=NOW + timedelta(minutes=10))
    assert (full.report.read, full.report.unchanged, full.report.qualified, full.report.planned) == (40, 40, 0, 0)
    assert _updates(tmp_path / "full.csv", export) == []  # the header only


def test_a_dry_run_reports_the_same_and_changes_nothing(store: Store, export: Export, mapping: Mapping,
                                                        model: ScoringModel, tmp_path: Path) -> None:
    dry = sync(store, export, mapping, model, out=tmp_path / "dry.csv", dry_run=True)
    assert not (tmp_path / "dry.csv").exists()
    assert _count(store, contacts) == 0 and _count(store, stage_history) == 0
    with store.begin() as conn:
        assert cursors.checkpoint(conn, "files") is None
        (run,) = run_rows.recent(conn)
    assert run.dry_run and run.status == "ok" and run.counts["planned"] == dry.report.planned
    assert dry.report.not_written == dry.report.planned > 0 and dry.report.sample

    real = sync(store, export, mapping, model, out=tmp_path / "real.csv")
    for name in ("read", "new", "qualified", "stage_changes", "planned", "planned_contacts"):
        assert getattr(dry.report, name) == getattr(real.report, name), name


def test_incremental_reads_what_changed_and_the_lookback_costs_nothing(
        store: Store, export: Export, mapping: Mapping, model: ScoringModel, tmp_path: Path) -> None:
    sync(store, export, mapping, model, out=tmp_path / "first.csv")
    with store.begin() as conn:
        cursor = cursors.checkpoint(conn, "files")
    newest = max(row["updated_at"] for row in export.rows())
    assert cursor is not None and cursor.isoformat().startswith(newest[:19])

    def promote(rows: list[dict[str, str]]) -> None:
        rows[5]["job_title"] = "Chief Revenue Officer"
        rows[5]["updated_at"] = (NOW + timedelta(minutes=1)).isoformat()

    export.edit(promote)
    second = sync(store, export, mapping, model, out=tmp_path / "second.csv", now=NOW + timedelta(hours=1))
    # The changed row, plus whatever the lookback re-read: those are recognised as unchanged.
    assert second.report.changed == 1 and second.report.new == 0
    assert second.report.read == 1 + second.report.unchanged
    assert second.report.qualified == 1
    assert {row["key"] for row in _updates(tmp_path / "second.csv", export)} <= {f"files:contact:{rows_id(export, 5)}"}


def rows_id(export: Export, index: int) -> str:
    return export.rows()[index]["contact_id"]


def test_a_new_activity_requalifies_a_contact_whose_record_did_not_change(
        store: Store, export: Export, mapping: Mapping, model: ScoringModel, tmp_path: Path) -> None:
    sync(store, export, mapping, model, out=tmp_path / "first.csv")
    contact_id = rows_id(export, 3)

    def demo_request(rows: list[dict[str, str]]) -> None:
        rows.append({"contact_id": contact_id, "activity_id": "new-1", "type": "demo_request",
                     "timestamp": (NOW - timedelta(hours=1)).isoformat(), "form": "demo"})

    export.edit(demo_request, export.activities)
    second = sync(store, export, mapping, model, out=tmp_path / "second.csv", now=NOW + timedelta(minutes=1))
    assert second.report.activities_changed == 1
    assert second.report.qualified == 1
    assert second.report.planned >= 1
    assert [row["key"] for row in _updates(tmp_path / "second.csv", export)] == [f"files:contact:{contact_id}"]


def test_runs_writing_to_the_same_file_add_to_it(store: Store, export: Export, mapping: Mapping,
                                                 model: ScoringModel, tmp_path: Path) -> None:
    out = tmp_path / "updates.csv"
    first = sync(store, export, mapping, model, out=out)
    contact_id = rows_id(export, 4)

    def promote(rows: list[dict[str, str]]) -> None:
        rows[4]["job_title"] = "Chief Executive Officer"
        rows[4]["updated_at"] = (NOW + timedelta(minutes=1)).isoformat()

    export.edit(promote)
    second = sync(store, export, mapping, model, out=out, now=NOW + timedelta(hours=1))
    keys = [row["key"] for row in _updates(out, export)]
    assert len(keys) == first.report.written_contacts + second.report.written_contacts
    assert keys[-1] == f"files:contact:{contact_id}" and second.report.written_contacts == 1
    out.rename(tmp_path / "imported.csv")  # the admin imports it and moves it away: the next run starts anew
    export.edit(lambda rows: rows[4].update(job_title="Intern", updated_at=(NOW + timedelta(hours=2)).isoformat()))
    sync(store, export, mapping, model, out=out, now=NOW + timedelta(hours=3))
    assert [row["key"] for row in _updates(out, export)] == [f"files:contact:{contact_id}"]


def test_a_value_changed_in_the_crm_is_written_again(store: Store, export: Export, mapping: Mapping,
                                                      model: ScoringModel, tmp_path: Path) -> None:
    sync(store, export, mapping, model, out=tmp_path / "first.csv")
    first = {row["key"]: row for row in _updates(tmp_path / "first.csv", export)}
    contact_id = rows_id(export, 0)
    ours = first[f"files:contact:{contact_id}"]["lb_score"]

    def overwrite_in_crm(rows: list[dict[str, str]]) -> None:
        rows[0]["lb_score"] = "0" if ours != "0" else "1"
        rows[0]["updated_at"] = (NOW + timedelta(minutes=1)).isoformat()

    export.edit(overwrite_in_crm)
    second = sync(store, export, mapping, model, out=tmp_path / "second.csv", now=NOW + timedelta(hours=1),
                  lookback=timedelta(0))
    assert second.report.qualified == 0  # the score is ours: a CRM edit of it is not a scoring input
    (row,) = _updates(tmp_path / "second.csv", export)
    assert row["key"] == f"files:contact:{contact_id}" and row["lb_score"] == ours
    assert [name for name in mapping.write_targets if row[name]] == ["lb_score"]


def test_stage_changes_are_recorded_with_their_reason(store: Store, export: Export, mapping: Mapping,
                                                      model: ScoringModel, tmp_path: Path) -> None:
    result = sync(store, export, mapping, model)
    recorded = _count(store, stage_history)
    assert recorded == sum(result.report.stage_changes.values()) > 0
    with store.begin() as conn:
        key = conn.execute(select(stage_history.c.contact_key).limit(1)).scalar()
        (change,) = history.for_contact(conn, key)
    assert change.to_stage and change.reason and change.model_version == model.version
    assert change.run_id == result.run_id and change.changed_at == NOW


class Picky:
    """A destination that refuses one contact's writes, as a CRM refuses an invalid value."""

    batch_size = 4

    def __init__(self, refuse: set[str]):
        self.refuse = refuse
        self.sent: list[FieldUpdate] = []

    def write(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        self.sent.extend(updates)
        return [WriteResult(u.contact_key, WriteStatus.REJECTED, "INVALID_EMAIL_ADDRESS: email is not valid")
                if u.contact_key in self.refuse else WriteResult(u.contact_key, WriteStatus.OK) for u in updates]


def test_a_rejected_write_is_recorded_and_retried(store: Store, export: Export, mapping: Mapping,
                                                  model: ScoringModel) -> None:
    key = f"files:contact:{rows_id(export, 2)}"
    picky = Picky({key})
    first = sync(store, export, mapping, model, destination=picky)
    refused = len(next(u for u in picky.sent if u.contact_key == key).values)
    assert first.report.rejected == {"INVALID_EMAIL_ADDRESS: email is not valid": refused}
    assert first.report.written_contacts == first.report.planned_contacts - 1  # the rest went through
    with store.begin() as conn:
        failures = rejected.load(conn, [key])
    assert len(failures) == refused and {f.attempts for f in failures.values()} == {1}

    picky.sent.clear()
    second = sync(store, export, mapping, model, destination=picky, now=NOW + timedelta(minutes=1))
    assert [u.contact_key for u in picky.sent] == [key]  # retried, nothing else re-sent
    assert second.report.retried == 1
    with store.begin() as conn:
        assert {f.attempts for f in rejected.load(conn, [key]).values()} == {2}

    picky.refuse.clear()
    third = sync(store, export, mapping, model, destination=picky, now=NOW + timedelta(minutes=2))
    assert third.report.written == refused and _count(store, rejected_writes) == 0
    picky.sent.clear()
    fourth = sync(store, export, mapping, model, destination=picky, now=NOW + timedelta(minutes=3))
    assert fourth.report.planned == 0 and picky.sent == []


def test_the_cursor_never_passes_the_run_start(store: Store, export: Export, mapping: Mapping,
                                               model: ScoringModel) -> None:
    def from_the_future(rows: list[dict[str, str]]) -> None:
        rows[1]["updated_at"] = (NOW + timedelta(days=1)).isoformat()

    export.edit(from_the_future)
    sync(store, export, mapping, model, full=True)
    with store.begin() as conn:
        assert cursors.checkpoint(conn, "files") == NOW
    later = sync(store, export, mapping, model, now=NOW + timedelta(days=2))
    assert later.report.read >= 1 and later.report.new == 0


def test_rescore_writes_what_decay_changed_and_only_once(store: Store, export: Export, mapping: Mapping,
                                                         model: ScoringModel, tmp_path: Path) -> None:
    sync(store, export, mapping, model, out=tmp_path / "sync.csv")
    month = NOW + timedelta(days=30)

    def rescore(out: str) -> object:
        destination = UpdatesFile(tmp_path / out, mapping.write_targets)
        return run_rescore(store, model, mapping, source="files", destination=destination, clock=lambda: month)

    first = rescore("rescore1.csv")
    assert first.report.qualified == 40  # type: ignore[attr-defined]
    assert first.report.written > 0  # type: ignore[attr-defined]
    again = rescore("rescore2.csv")
    assert again.report.qualified == 40 and again.report.planned == 0  # type: ignore[attr-defined]
    # A sync soon after the rescore does not re-qualify unchanged contacts for decay.
    after = sync(store, export, mapping, model, full=True, now=month + timedelta(hours=2))
    assert after.report.qualified == 0 and after.report.planned == 0


def test_the_pipeline_takes_contacts_from_anywhere(store: Store, mapping: Mapping, model: ScoringModel,
                                                   tmp_path: Path) -> None:
    """What the webhook worker does: re-read contacts and hand them over with their activities."""
    contact = Contact(key="files:contact:w1", email="cro@bigco.example", job_title="Chief Revenue Officer",
                      company_size=800, country="US", updated_at=NOW)
    acts = [Activity(contact.key, ActivityKind.DEMO_REQUEST, NOW - timedelta(hours=2), "w1-demo", {"form": "demo"}),
            Activity(contact.key, ActivityKind.PRICING_PAGE_VIEW, NOW - timedelta(hours=3), "w1-price",
                     {"url": "https://example.com/pricing"})]
    destination = UpdatesFile(tmp_path / "worker.jsonl", mapping.write_targets)
    destination.open()
    with Pipeline(store, model, mapping, now=NOW, destination=destination) as pipeline:
        pipeline.process([contact], {contact.key: acts})
        first = (pipeline.report.qualified, pipeline.report.written)
        pipeline.process([contact], {contact.key: acts})  # the same event delivered twice
    destination.close()
    assert first[0] == 1 and first[1] > 0
    assert pipeline.report.qualified == 1 and pipeline.report.written == first[1]
    assert len((tmp_path / "worker.jsonl").read_text().splitlines()) == 1


def test_rescore_in_worker_processes_ends_as_in_one(export: Export, mapping: Mapping, model: ScoringModel,
                                                     tmp_path: Path) -> None:
    """Workers compute, this process applies: the store and the updates file end as with no workers."""
    month = NOW + timedelta(days=30)
    states = []
    for workers in (0, 2):
        (tmp_path / f"w{workers}").mkdir()
        store = open_store(sqlite_url(tmp_path / f"w{workers}"))
        try:
            sync(store, export, mapping, model)
            destination = UpdatesFile(tmp_path / f"rescore-{workers}.csv", mapping.write_targets)
            result = run_rescore(store, model, mapping, source="files", destination=destination,
                                 options=SyncOptions(workers=workers, chunk_size=7), clock=lambda: month)
            assert result.report.qualified == 40 and result.report.written > 0
            states.append(store_state(store))
        finally:
            store.close()
    assert states[0] == states[1]
    assert (tmp_path / "rescore-0.csv").read_text() == (tmp_path / "rescore-2.csv").read_text()


def test_a_computation_overtaken_by_another_process_is_redone(store: Store, export: Export, mapping: Mapping,
                                                               model: ScoringModel) -> None:
    sync(store, export, mapping, model)
    keys = [f"files:contact:{row['contact_id']}" for row in export.rows()]
    month = NOW + timedelta(days=30)
    with Pipeline(store, model, mapping, now=month, rescoring=True) as pipeline:
        with store.engine.connect() as conn, conn.begin():
            computed = pipeline.compute_stored(conn, keys)  # what a worker hands back...

        def promote(rows: list[dict[str, str]]) -> None:  # ...while a sync changes one of them
            rows[0]["job_title"] = "Chief Executive Officer"
            rows[0]["updated_at"] = (NOW + timedelta(minutes=1)).isoformat()

        export.edit(promote)
        sync(store, export, mapping, model, now=NOW + timedelta(hours=1))
        pipeline.apply_computed(keys, computed)
    assert pipeline.report.qualified == 40
    with store.begin() as conn:
        row = conn.execute(select(contacts.c.inputs_fp, contacts.c.qualified_fp, contacts.c.qualified_at)
                           .where(contacts.c.key == keys[0])).one()
    assert row.qualified_fp == row.inputs_fp  # qualified from the new inputs, not the worker's stale ones
