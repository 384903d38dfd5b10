"""`leadbridge report funnel|content|scores`: the reports in the terminal, and as one HTML file with --html.

Reads the store (LEADBRIDGE_DATABASE_URL) by default, or a CSV/JSONL export with --contacts/--activities,
which is scored on the spot with the scoring model (so a company can look before connecting its CRM).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console

from connector.commands.inputs import mapping_for, parse_now, scoring_model
from connector.commands.score import report_bad_rows, score_files
from connector.errors import UserError
from connector.reports.content import DIMENSIONS, content
from connector.reports.funnel import funnel
from connector.reports.html import content_section, funnel_section, scores_section, write_html
from connector.reports.leads import ReportData, leads_from_results
from connector.reports.scores import scores
from connector.reports.tables import content_table, funnel_tables, scores_tables

console = Console()
report_app = typer.Typer(help="Funnel, content conversion and scores against outcomes (terminal and --html).",
                         no_args_is_help=True)

ContactsOpt = typer.Option(None, "--contacts", "-c", help="Contacts export (.csv or .jsonl) instead of the store.")
ActivitiesOpt = typer.Option(None, "--activities", "-a", help="Activities export, with --contacts.")
MappingOpt = typer.Option(None, "--mapping", "-m", help="Files mapping YAML (default: the shipped files.yaml).")
ModelOpt = typer.Option(None, "--model", help="Scoring model YAML for --contacts (default: the shipped one).")
NowOpt = typer.Option(None, "--now", help="Score files as of this ISO-8601 instant (default: now).")
SourceOpt = typer.Option(None, "--source", help="Only contacts of this source in the store (hubspot, ...).")
HtmlOpt = typer.Option(None, "--html", help="Also write the report, with charts, to this self-contained HTML file.")
OutcomeOpt = typer.Option("customer", "--outcome", help="What counts as converted: sql, opportunity, customer, or a "
                                                         "field that is true/yes for converted contacts.")
SkipOpt = typer.Option(False, "--skip-bad-rows", help="Skip rows that cannot be read instead of stopping.")


def load_data(contacts: Path | None, activities: Path | None, mapping: Path | None, model: Path | None,
              now: str | None, source: str | None, skip_bad_rows: bool = False) -> ReportData:
    """Report data from the files (scored now) or from the store."""
    if contacts is None:
        if activities is not None:
            raise UserError("--activities needs --contacts (the export its rows belong to)")
        from connector.reports.store_source import report_data
        from connector.store import open_store

        store = open_store()
        try:
            data = report_data(store, source)
        finally:
            store.close()
        if not data.leads:
            raise UserError(f"{store.describe()} holds no contacts: run `leadbridge sync` first, or "
                            "report on an export with --contacts FILE [--activities FILE]")
        return data
    run = score_files(contacts, activities, mapping_for(mapping), scoring_model(model), parse_now(now),
                      skip_bad_rows)
    report_bad_rows(run.source.bad_rows)
    by_contact = run.source.activities_by_contact() if activities is not None else {}
    people = list(run.source.iter_contacts())
    return ReportData(leads_from_results(people, by_contact, run.results))


def _write(html: Path | None, title: str, section: Callable[[], str]) -> None:
    if html is not None:
        write_html(html, title, [section()])
        console.print(f"wrote {html}")


def funnel_command(
    by: str | None = typer.Option(None, "--by", help="Break down by a field: lead_source, owner, attributes.X ..."),
    html: Path | None = HtmlOpt, contacts: Path | None = ContactsOpt, activities: Path | None = ActivitiesOpt,
    mapping: Path | None = MappingOpt, model: Path | None = ModelOpt, now: str | None = NowOpt,
    source: str | None = SourceOpt, skip_bad_rows: bool = SkipOpt,
) -> None:
    """Contacts per stage, conversion between stages, median time in stage, by a field, changes over time."""
    report = funnel(load_data(contacts, activities, mapping, model, now, source, skip_bad_rows), by)
    for table in funnel_tables(report):
        console.print(table)
    _write(html, "leadbridge funnel", lambda: funnel_section(report))


def content_command(
    outcome: str = OutcomeOpt,
    min_contacts: int = typer.Option(5, "--min-contacts", min=1, help="Leave out items fewer contacts engaged with."),
    dimension: list[str] = typer.Option(list(DIMENSIONS), "--dimension", help="Item kinds to list (repeat): "
                                        + ", ".join(DIMENSIONS)),
    top: int = typer.Option(25, "--top", min=1, help="How many items the table shows."),
    html: Path | None = HtmlOpt, contacts: Path | None = ContactsOpt, activities: Path | None = ActivitiesOpt,
    mapping: Path | None = MappingOpt, model: Path | None = ModelOpt, now: str | None = NowOpt,
    source: str | None = SourceOpt, skip_bad_rows: bool = SkipOpt,
) -> None:
    """Pages, content, forms, campaigns, landing pages and channels by lift, with confidence intervals."""
    unknown = [d for d in dimension if d not in DIMENSIONS]
    if unknown:
        raise UserError(f"unknown --dimension {unknown[0]!r}; expected one of: {', '.join(DIMENSIONS)}")
    report = content(load_data(contacts, activities, mapping, model, now, source, skip_bad_rows), outcome,
                     min_contacts, dimension)
    console.print(content_table(report, top))
    _write(html, "leadbridge content conversion", lambda: content_section(report, top))


def scores_command(
    outcome: str = OutcomeOpt,
    html: Path | None = HtmlOpt, contacts: Path | None = ContactsOpt, activities: Path | None = ActivitiesOpt,
    mapping: Path | None = MappingOpt, model: Path | None = ModelOpt, now: str | None = NowOpt,
    source: str | None = SourceOpt, skip_bad_rows: bool = SkipOpt,
) -> None:
    """Score distribution by stage, conversion and lift by score decile, ROC-AUC and calibration."""
    report = scores(load_data(contacts, activities, mapping, model, now, source, skip_bad_rows), outcome)
    if not report.scored:
        raise UserError("no contact has a score yet: run `leadbridge sync` (or `leadbridge rescore`) first")
    for table in scores_tables(report):
        console.print(table)
    _write(html, "leadbridge scores", lambda: scores_section(report))


def register(app: typer.Typer) -> None:
    report_app.command("funnel")(funnel_command)
    report_app.command("content")(content_command)
    report_app.command("scores")(scores_command)
    app.add_typer(report_app, name="report", rich_help_panel="Reports")
