"""HubSpot from the command line: `sync --source hubspot`, `check --live --source hubspot` and
`setup --source hubspot` (each called from the command of that name).

Credentials: LEADBRIDGE_HUBSPOT_ACCESS_TOKEN (a private app's token, never printed), LEADBRIDGE_HUBSPOT_BASE_URL
(the sandbox's URL in tests and demos), LEADBRIDGE_HUBSPOT_RATE_LIMIT (100, 190 or 250 per 10 seconds by
plan). Exit codes: 0 done, 2 configuration, 3 store, 4 HubSpot refused or failed.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.commands.inputs import mapping_for, scoring_model
from connector.commands.run_views import live_progress, report_table, sample_table
from connector.crm.hubspot import HubSpotAdapter
from connector.crm.hubspot_check import Level, check_portal
from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
from connector.crm.hubspot_setup import GROUP, SetupReport, setup
from connector.errors import CrmError
from connector.mapping.schema import Mapping
from connector.settings import get_settings
from connector.store import open_store
from connector.sync import SyncOptions, SyncResult, run_sync

console = Console()
err_console = Console(stderr=True)


def api_from_settings() -> HubSpotApi:
    return HubSpotApi(HubSpotConfig.from_settings(get_settings()))


def sync_hubspot(mapping: Path | None, model: Path | None, *, full: bool, dry_run: bool, lookback: timedelta) -> None:
    """`leadbridge sync --source hubspot`: read what changed in the portal, qualify, write back."""
    the_mapping = mapping_for(mapping, "hubspot")
    the_model = scoring_model(model)
    hubspot = HubSpotAdapter(api_from_settings(), the_mapping)
    store = open_store()
    try:
        with live_progress(err_console, enabled=err_console.is_terminal) as progress:
            result = run_sync(store, hubspot, the_model, the_mapping, destination=hubspot,
                              options=SyncOptions(full=full, dry_run=dry_run, lookback=lookback),
                              progress=progress)  # type: ignore[arg-type]
    finally:
        store.close()
        hubspot.close()
    show_sync(console, result, hubspot, dry_run)


def show_sync(out: Console, result: SyncResult, hubspot: HubSpotAdapter, dry_run: bool) -> None:
    """The run report, examples of planned changes on a dry run, and what the run cost in API calls."""
    report = result.report
    title = f"sync run {result.run_id} (hubspot" + (", dry run: nothing stored or written)" if dry_run else ")")
    if result.resumed_from is not None:
        title += f", resuming run {result.resumed_from}"
    out.print(report_table(report, title))
    if dry_run and report.sample:
        out.print(sample_table(report))
    stats = hubspot.api.stats
    limited = sum(stats.rate_limited.values())
    retried = f" ({limited} rate-limited, retried)" if limited else ""
    out.print(f"HubSpot API calls this run: {stats.total:,}{retried}; {stats.calls['batch_update']:,} batch updates")
    stats.calls.clear()
    stats.rate_limited.clear()
    if hubspot.bad_records:
        out.print(f"[yellow]{len(hubspot.bad_records)} records could not be read[/] (first: "
                  f"{escape(hubspot.bad_records[0])})")


def check_live_hubspot(mapping: Mapping) -> None:
    """`leadbridge check --live --source hubspot`; exit 4 when something must be fixed."""
    findings = check_portal(api_from_settings(), mapping)
    table = Table(title="leadbridge check --live: HubSpot", title_justify="left")
    for column in ("check", "", "result"):
        table.add_column(column)
    marks = {Level.OK: "[green]ok[/]", Level.WARNING: "[yellow]warning[/]", Level.PROBLEM: "[bold red]problem[/]"}
    for finding in findings:
        table.add_row(finding.what, marks[finding.level], escape(finding.detail))
    console.print(table)
    problems = [f for f in findings if f.level is Level.PROBLEM]
    if problems:
        raise CrmError(f"{len(problems)} problem(s) with the HubSpot portal; see above")


def setup_hubspot(mapping: Path | None, *, dry_run: bool, out: Console | None = None,
                  api: HubSpotApi | None = None) -> SetupReport:
    """`leadbridge setup --source hubspot [--dry-run]`: the property group and lb_* properties, idempotently."""
    out = out or console
    the_mapping = mapping_for(mapping, "hubspot")
    report = setup(api or api_from_settings(), the_mapping, dry_run=dry_run)
    verb = "would create" if dry_run else "created"
    table = Table(title="leadbridge setup: HubSpot" + (" (dry run: nothing created)" if dry_run else ""),
                  title_justify="left")
    table.add_column("property")
    table.add_column("")
    table.add_row(f"group {GROUP}", verb if report.group_created else "already existed")
    for name in report.created:
        table.add_row(name, verb)
    for name in report.existed:
        table.add_row(name, "already existed")
    out.print(table)
    for name, problem in report.conflicts:
        err_console.print(f"[bold red]problem:[/] {escape(name)} {escape(problem)}", highlight=False)
    if report.conflicts:
        raise CrmError(f"{len(report.conflicts)} existing properties have another type; rename the target in the "
                       "mapping or change the property in HubSpot")
    return report
