"""Salesforce from the command line: `sync --source salesforce`, `check --live --source salesforce` (called
from those commands) and `setup --source salesforce` (registered here).

Credentials come from LEADBRIDGE_SALESFORCE_* (see connector.crm.salesforce_auth for the flows). Exit codes:
0 done, 2 configuration, 3 store, 4 Salesforce refused or failed — including a run stopped before the daily
API allocation ran out, which is recorded ``partial`` (`leadbridge runs`) and resumed by the next run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.commands.inputs import mapping_for, scoring_model
from connector.commands.run_views import live_progress, report_table, sample_table
from connector.crm.salesforce import SalesforceOptions, SalesforceSource, disqualified_status
from connector.crm.salesforce_api import SalesforceApi
from connector.crm.salesforce_setup import needed_fields, write_package
from connector.crm.salesforce_sync import run_salesforce_sync
from connector.crm.salesforce_write import SalesforceDestination
from connector.errors import CrmError, FatalCrmError, RunStoppedEarly, UserError
from connector.mapping.schema import Mapping
from connector.settings import get_settings
from connector.store import open_store
from connector.sync import SyncOptions

console = Console()
err_console = Console(stderr=True)


def api_from_settings() -> SalesforceApi:
    return SalesforceApi.from_settings(get_settings())


def source_options() -> SalesforceOptions:
    return SalesforceOptions(bulk_threshold=get_settings().salesforce_bulk_threshold)


def salesforce_destination(mapping: Mapping) -> SalesforceDestination:
    """Where `rescore --source salesforce` writes: the org of the LEADBRIDGE_SALESFORCE_* settings (its
    session closes with the process)."""
    return SalesforceDestination(SalesforceSource(api_from_settings(), mapping, source_options()))


def sync_salesforce(mapping: Path | None, model: Path | None, *, full: bool, dry_run: bool,
                    lookback: timedelta) -> None:
    """`leadbridge sync --source salesforce`: read what changed in the org, qualify, write back."""
    the_mapping = mapping_for(mapping, "salesforce")
    the_model = scoring_model(model)
    api = api_from_settings()
    store = open_store()
    try:
        with live_progress(err_console, enabled=err_console.is_terminal) as progress:
            result = run_salesforce_sync(store, api, the_model, the_mapping, source_options=source_options(),
                                         options=SyncOptions(full=full, dry_run=dry_run, lookback=lookback),
                                         progress=progress)  # type: ignore[arg-type]
    except RunStoppedEarly as exc:
        run = f"run {exc.run_id}" if exc.run_id is not None else "the run"
        err_console.print(f"[yellow]partial run:[/] {run} stopped early and is recorded as partial; what was read "
                          "before the stop is committed and the next sync resumes from there", highlight=False)
        raise
    finally:
        store.close()
        api.close()
    report = result.report
    title = f"sync run {result.run_id} (salesforce" + (", dry run: nothing stored or written)" if dry_run else ")")
    if result.resumed_from is not None:
        title += f", resuming run {result.resumed_from}"
    console.print(report_table(report, title))
    if dry_run and report.sample:
        console.print(sample_table(report))
    usage = api.budget.last
    if usage is not None:
        console.print(f"API calls this run: {api.budget.calls:,}; org usage {usage.used:,} of {usage.limit:,} "
                      "in the last 24 hours")


def check_live_salesforce(mapping: Mapping) -> None:
    """`leadbridge check --live --source salesforce`: login, mapped fields exist with compatible types
    (describe), Lead Status values, API allocation left. Exit 4 when something must be fixed."""
    api = api_from_settings()
    problems: list[str] = []
    table = Table(title="leadbridge check --live: Salesforce", title_justify="left")
    for column in ("check", "result"):
        table.add_column(column)
    try:
        token = api.login.token()
        table.add_row("login", f"ok ({api.login.flow.name}) -> {token.instance_url}")
        source = SalesforceSource(api, mapping)
        org = source.org
        for spec in mapping.contact_maps or (mapping.contacts,):
            sobject = {"lead": "Lead", "contact": "Contact"}.get(spec.object, spec.object)
            missing = [f.column.name for f in spec.fields
                       if not f.column.name.startswith("leadbridge.") and not org.has_field(sobject, f.column.name)]
            optional = {f.column.name for f in spec.fields if f.column.optional}
            hard = [m for m in missing if m not in optional]
            problems += [f"{sobject}.{m} is mapped but the org has no such field" for m in hard]
            text = "all mapped fields exist" if not missing else (
                f"missing: {', '.join(missing)}" + (" (optional ones are read as empty)" if not hard else ""))
            table.add_row(f"{sobject} fields", text)
        for definition in needed_fields(mapping):
            info = org.object_fields(definition.object).get(definition.name.lower())
            if info is None:
                problems.append(f"{definition.object}.{definition.name} ({definition.summary}) is missing: "
                                "run `leadbridge setup --source salesforce`")
            elif info.type not in definition.describe_types:
                problems.append(f"{definition.object}.{definition.name} is {info.type}; leadbridge writes "
                                f"{definition.summary}")
            elif not info.updateable:
                problems.append(f"{definition.object}.{definition.name} is read-only for the integration user: "
                                "assign the Leadbridge_Integration permission set")
        written = len(needed_fields(mapping)) - sum(1 for p in problems if "__c" in p)
        table.add_row("write-back fields", f"{written} of {len(needed_fields(mapping))} ready")
        statuses = org.statuses()
        table.add_row("Lead Status values", ", ".join(f"{s}{' (converted)' if c else ''}" for s, c in statuses.items()))
        target = disqualified_status(mapping)
        if target is not None:
            try:
                org.require_status(target)
                table.add_row("disqualified status", f"{target!r}: ok")
            except FatalCrmError as exc:
                problems.append(str(exc))
        usage = api.budget.last
        if usage is not None:
            table.add_row("API allocation", f"{usage.used:,} of {usage.limit:,} used in 24 h; "
                                            f"runs stop at {api.budget.stop_share:.0%}")
    except CrmError as exc:
        problems.append(str(exc))
    finally:
        api.close()
    console.print(table)
    if problems:
        for problem in problems:
            err_console.print(f"[bold red]problem:[/] {escape(problem)}", highlight=False)
        raise CrmError(f"{len(problems)} problem(s) with the Salesforce org; see above")


def setup(
    source: str = typer.Option("salesforce", "--source", help="The CRM to prepare: salesforce or hubspot."),
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="Mapping YAML (default: the shipped one)."),
    out: Path = typer.Option(Path("salesforce-metadata"), "--out", "-o", help="Folder for the metadata package."),
    offline: bool = typer.Option(False, "--offline", help="Do not ask the org: package every field the mapping needs."),
    dry_run: bool = typer.Option(False, "--dry-run", help="HubSpot: say what would be created, create nothing."),
) -> None:
    """List the custom fields the write-back needs that the org lacks, and write a package that creates them.

    Deploy it with `sf project deploy start --metadata-dir <folder> --target-org <alias>`, then assign the
    Leadbridge_Integration permission set to the integration user.

    With --source hubspot: create the leadbridge property group and the properties the mapping writes to in
    the portal (idempotent: says what it created and what already existed); --dry-run creates nothing.
    """
    if source == "hubspot":
        from connector.commands.hubspot import setup_hubspot

        setup_hubspot(mapping, dry_run=dry_run)
        return
    if source != "salesforce":
        raise UserError(f"--source {source!r}: setup is available for salesforce and hubspot")
    the_mapping = mapping_for(mapping, "salesforce")
    fields = needed_fields(the_mapping)
    if not offline:
        api = api_from_settings()
        try:
            org = SalesforceSource(api, the_mapping).org
            fields = [f for f in fields if f.name.lower() not in org.object_fields(f.object)]
        finally:
            api.close()
    table = Table(title="custom fields to create" if fields else "every write-back field exists", title_justify="left")
    for column in ("object", "field", "type"):
        table.add_column(column)
    for f in fields:
        table.add_row(f.object, f.name, f.summary)
    console.print(table)
    if not fields:
        return
    written = write_package(fields, out)
    console.print(f"wrote {len(written)} files to {out}/ (package.xml, objects/, permissionsets/)")
    console.print(f"deploy: sf project deploy start --metadata-dir {out} --target-org <alias>")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Configure")(setup)
