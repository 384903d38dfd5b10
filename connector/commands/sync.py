"""`leadbridge sync` and `leadbridge rescore`: the pipeline from the command line.

Exit codes: 0 done (writes a destination refused are in the report and retried next run), 2 bad input or
configuration, 3 the store cannot be opened, is locked, busy with another run, or needs `db upgrade`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console

from connector.commands.inputs import files_source, mapping_for, scoring_model
from connector.commands.run_views import live_progress, report_table, sample_table
from connector.crm.updates_file import UpdatesFile
from connector.errors import UserError
from connector.mapping.schema import Mapping
from connector.runreport import RunReport
from connector.store import open_store
from connector.sync import SyncOptions, SyncResult, run_rescore, run_sync

console = Console()
err_console = Console(stderr=True)

SOURCES = ("files", "salesforce", "hubspot")

MappingOpt = typer.Option(None, "--mapping", "-m", help="Mapping YAML (default: the shipped one for the source).")
ModelOpt = typer.Option(None, "--model", help="Scoring model YAML (default: the shipped scoring.yaml).")
DryRunOpt = typer.Option(False, "--dry-run", help="Report what would change; store and write nothing.")
OutOpt = typer.Option(None, "--out", "-o", help="Write the planned CRM updates to OUT.csv or OUT.jsonl.")
SourceOpt = typer.Option("files", "--source", help="Where contacts come from: files, salesforce or hubspot.")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``10m``, ``2h``, ``1d`` (a bare number is minutes)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if match is None:
        raise UserError(f"--lookback {text!r}: give a duration such as 90s, 10m, 2h or 1d")
    unit = {"s": "seconds", "m": "minutes", "": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: float(match.group(1))})


def _destination(out: Path | None, mapping: Mapping) -> UpdatesFile | None:
    if out is None:
        return None
    return UpdatesFile(out, mapping.write_targets, mapping.contacts.id.name)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise UserError(f"--source {source!r}: available sources are {', '.join(SOURCES)}")


def _show(result: SyncResult, what: str, dry_run: bool, out: Path | None) -> None:
    report: RunReport = result.report
    title = f"{what} run {result.run_id}" + (" (dry run: nothing stored or written)" if dry_run else "")
    if result.resumed_from is not None:
        title += f", resuming run {result.resumed_from}"
    console.print(report_table(report, title))
    if dry_run and report.sample:
        console.print(sample_table(report))
    if report.planned and out is None and not dry_run:
        console.print(f"[yellow]{report.not_written:,} planned values were not written:[/] pass --out updates.csv "
                      "to write them (they are planned again next run)")
    elif out is not None and not dry_run:
        console.print(f"wrote {report.written:,} values for {report.written_contacts:,} contacts to {out}")


def sync(
    source: str = SourceOpt,
    contacts: Path | None = typer.Option(None, "--contacts", "-c", help="Contacts export (.csv or .jsonl)."),
    activities: Path | None = typer.Option(None, "--activities", "-a", help="Activities export, optional."),
    mapping: Path | None = MappingOpt,
    model: Path | None = ModelOpt,
    full: bool = typer.Option(False, "--full", help="Read every record, not only those changed since the last run."),
    dry_run: bool = DryRunOpt,
    out: Path | None = OutOpt,
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help="Report and skip unreadable rows."),
    lookback: str = typer.Option("10m", "--lookback", help="Re-read this much before the cursor (e.g. 10m, 2h)."),
) -> None:
    """Read what changed, qualify it, and write back only the values that changed.

    Incremental by default: rows whose change time passed the cursor of the last run (minus --lookback).
    With --out the planned CRM updates go to a CSV/JSONL file an admin can import. A run that was killed
    is resumed by the next one (same --out: the file is continued, nothing written twice).
    """
    _check_source(source)
    if source == "salesforce":
        from connector.commands.salesforce import sync_salesforce

        sync_salesforce(mapping, model, full=full, dry_run=dry_run, lookback=parse_duration(lookback))
        return
    if source == "hubspot":
        from connector.commands.hubspot import sync_hubspot

        sync_hubspot(mapping, model, full=full, dry_run=dry_run, lookback=parse_duration(lookback))
        return
    if contacts is None:
        raise UserError("--contacts is required with --source files")
    the_mapping = mapping_for(mapping, source)
    the_model = scoring_model(model)
    reader = files_source(contacts, activities, the_mapping, skip_bad_rows)
    reader.check()
    destination = _destination(out, the_mapping)
    options = SyncOptions(full=full, dry_run=dry_run, lookback=parse_duration(lookback))
    store = open_store()
    try:
        with live_progress(err_console, enabled=err_console.is_terminal) as progress:
            result = run_sync(store, reader, the_model, the_mapping, destination=destination, options=options,
                              progress=progress)  # type: ignore[arg-type]
    finally:
        store.close()
    _show(result, "sync", dry_run, out)
    if reader.bad_rows:
        from connector.commands.score import report_bad_rows

        report_bad_rows(reader.bad_rows)


def rescore(
    source: str = SourceOpt,
    mapping: Path | None = MappingOpt,
    model: Path | None = ModelOpt,
    dry_run: bool = DryRunOpt,
    out: Path | None = OutOpt,
    workers: int | None = typer.Option(
        None, "--workers", min=0,
        help="Processes qualifying beside this one (0: none; default: one per core for large stores)."),
) -> None:
    """Re-qualify every contact in the store (after a model change, or daily for decay); write what changed."""
    _check_source(source)
    the_mapping = mapping_for(mapping, source)
    the_model = scoring_model(model)
    destination = _destination(out, the_mapping)
    if source == "salesforce" and out is None:
        from connector.commands.salesforce import salesforce_destination

        destination = salesforce_destination(the_mapping)  # type: ignore[assignment]
    store = open_store()
    try:
        with live_progress(err_console, enabled=err_console.is_terminal) as progress:
            result = run_rescore(store, the_model, the_mapping, source=source, destination=destination,
                                 options=SyncOptions(dry_run=dry_run, workers=workers),
                                 progress=progress)  # type: ignore[arg-type]
    finally:
        store.close()
    _show(result, "rescore", dry_run, out)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Sync")(sync)
    app.command(rich_help_panel="Sync")(rescore)
