"""Helpers for sync tests: a synthetic CSV export that tests can edit, and one-call syncs with a fixed clock."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from connector.crm.files import FilesSource
from connector.crm.updates_file import UpdatesFile
from connector.mapping.schema import Mapping
from connector.qualify import ScoringModel
from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people
from connector.store import Store
from connector.sync import SyncOptions, SyncResult, run_sync

#: Synthetic records change before DEFAULT_NOW; syncs run an hour after it unless a test says otherwise.
NOW = DEFAULT_NOW + timedelta(hours=1)


@dataclass
class Export:
    contacts: Path
    activities: Path

    def rows(self, path: Path | None = None) -> list[dict[str, str]]:
        with (path or self.contacts).open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    def edit(self, change: Callable[[list[dict[str, str]]], None], path: Path | None = None) -> None:
        """Rewrite a file after ``change`` edited its rows in place (columns may be added)."""
        path = path or self.contacts
        rows = self.rows(path)
        change(rows)
        columns = list(dict.fromkeys(name for row in rows for name in row))
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, columns, restval="")
            writer.writeheader()
            writer.writerows(rows)


def make_export(folder: Path, n: int, seed: int = 3) -> Export:
    contacts, activities = write_people(people(n, seed=seed, now=DEFAULT_NOW), folder)
    return Export(contacts, activities)


def sync(store: Store, export: Export, mapping: Mapping, model: ScoringModel, *, out: Path | None = None,
         now: datetime = NOW, destination: Any = None, **options: Any) -> SyncResult:
    source = FilesSource(export.contacts, export.activities, mapping, page_size=options.pop("page_size", 7))
    if destination is None and out is not None:
        destination = UpdatesFile(out, mapping.write_targets, mapping.contacts.id.name)
    return run_sync(store, source, model, mapping, destination=destination, options=SyncOptions(**options),
                    clock=lambda: now)


def store_state(store: Store) -> dict[str, Any]:
    """Everything a run leaves in the store that must not depend on how many times it was interrupted:
    run ids and row ids left out, stage history as a sorted list (duplicates would show)."""
    from sqlalchemy import text

    queries = {
        "contacts": "SELECT key, inputs_fp, dirty, deleted_at, stage, score, fit, engagement, grade, disqualified, "
                    "summary, qualification, model_version, qualified_at, qualified_fp, writeback, read_fp, "
                    "desired_fp, synced_fp, data FROM contacts ORDER BY key",
        "activities": "SELECT contact_key, source_id, kind, occurred_at, detail FROM activities "
                      "ORDER BY contact_key, source_id",
        "packs": "SELECT contact_key, pack FROM activity_packs ORDER BY contact_key",
        "field_values": "SELECT contact_key, field, read_value, crm_value, desired_value, written_value "
                        "FROM field_values ORDER BY contact_key, field",
        "stage_history": "SELECT contact_key, from_stage, to_stage, changed_at, reason, model_version "
                         "FROM stage_history ORDER BY contact_key, to_stage",
        "rejected_writes": "SELECT contact_key, field FROM rejected_writes",
        "cursors": "SELECT source, object_type, checkpoint FROM cursors",
    }
    with store.begin() as conn:
        return {name: [tuple(row) for row in conn.execute(text(sql))] for name, sql in queries.items()}


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(monkeypatch: Any, capsys: Any, store_url: str, *args: str) -> CliResult:
    """``leadbridge ARGS`` in this process (as the console script runs it: errors become exit codes)."""
    import sys

    from connector import cli
    from connector.settings import get_settings

    monkeypatch.setenv("LEADBRIDGE_DATABASE_URL", store_url)
    monkeypatch.setattr(sys, "argv", ["leadbridge", *args])
    get_settings.cache_clear()
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
