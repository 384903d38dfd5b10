"""`leadbridge score` and `leadbridge explain`: qualify contacts from CSV/JSONL exports, no CRM needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from connector.commands.inputs import files_source, mapping_for, parse_now, scoring_model
from connector.commands.results_file import write_results
from connector.commands.views import explanation_table, funnel_table, top_contacts_table
from connector.crm.files import FilesSource
from connector.errors import DataError, UserError
from connector.mapping.schema import Mapping
from connector.model import Activity, Contact, Qualification
from connector.qualify import ScoringModel, qualify_batch

CHUNK = 2000

console = Console()
err_console = Console(stderr=True)

ContactsOpt = typer.Option(..., "--contacts", "-c", help="Contacts export (.csv or .jsonl).", exists=False)
ActivitiesOpt = typer.Option(None, "--activities", "-a", help="Activities export (.csv or .jsonl), optional.")
MappingOpt = typer.Option(None, "--mapping", "-m", help="Files mapping YAML (default: the shipped files.yaml).")
ModelOpt = typer.Option(None, "--model", help="Scoring model YAML (default: the shipped scoring.yaml).")
NowOpt = typer.Option(None, "--now", help="Score as of this ISO-8601 instant (default: now). Decay uses it.")
SkipOpt = typer.Option(False, "--skip-bad-rows", help="Report and skip rows that cannot be read, instead of stopping.")


@dataclass
class ScoringRun:
    """What scoring a files export read and decided (contacts and activities kept for reports)."""

    results: list[Qualification]
    source: FilesSource
    contacts: list[Contact]
    activities: dict[str, list[Activity]]


def score_files(contacts: Path, activities: Path | None, mapping: Mapping, model: ScoringModel, now: datetime,
                skip_bad_rows: bool = False, show_progress: bool = True) -> ScoringRun:
    """Read the files as the mapping says and qualify every contact; bad rows raise unless skipped."""
    source = files_source(contacts, activities, mapping, skip_bad_rows)
    source.check()
    by_contact = source.activities_by_contact() if activities is not None else {}
    people = list(source.iter_contacts())
    results: list[Qualification] = []
    with Progress(TextColumn("qualifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err_console, disable=not show_progress or len(people) < 5 * CHUNK, transient=True) as bar:
        task = bar.add_task("qualify", total=len(people))
        for start in range(0, len(people), CHUNK):
            chunk = people[start:start + CHUNK]
            results.extend(qualify_batch(((c, by_contact.get(c.key, ())) for c in chunk), model, now))
            bar.advance(task, len(chunk))
    return ScoringRun(results, source, people, by_contact)


def report_bad_rows(bad_rows: list[DataError], shown: int = 5) -> None:
    if not bad_rows:
        return
    err_console.print(f"[yellow]skipped {len(bad_rows)} bad row(s):[/]")
    for error in bad_rows[:shown]:
        err_console.print(f"  {escape(str(error))}", highlight=False)
    if len(bad_rows) > shown:
        err_console.print(f"  ... and {len(bad_rows) - shown} more")


def score(
    contacts: Path = ContactsOpt,
    activities: Path | None = ActivitiesOpt,
    mapping: Path | None = MappingOpt,
    model: Path | None = ModelOpt,
    now: str | None = NowOpt,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write every result to OUT.csv or OUT.jsonl."),
    top: int = typer.Option(20, "--top", help="How many contacts the terminal table shows."),
    skip_bad_rows: bool = SkipOpt,
) -> None:
    """Score and stage every contact of a CSV/JSONL export, with reasons.

    Writes one row per contact (key, score, fit, engagement, grade, stage, disqualified, summary, reasons
    as JSON) with --out; otherwise prints the top contacts and the count per stage.
    Exit codes: 0 done, 2 bad input (the message names file, row and column).
    """
    run = score_files(contacts, activities, mapping_for(mapping), scoring_model(model), parse_now(now),
                      skip_bad_rows)
    if out is not None:
        written = write_results(out, run.results)
        console.print(f"wrote {written:,} results to {out}")
    else:
        console.print(top_contacts_table(run.results, top))
    console.print(funnel_table(run.results))
    source = run.source
    if source.orphan_activities:
        console.print(f"{source.orphan_activities:,} activities name contacts that are not in {contacts}: left out")
    report_bad_rows(source.bad_rows)


def explain(
    contact_id: str = typer.Option(..., "--id", help="The contact's id in the file, or its key (files:contact:ID)."),
    contacts: Path = ContactsOpt,
    activities: Path | None = ActivitiesOpt,
    mapping: Path | None = MappingOpt,
    model: Path | None = ModelOpt,
    now: str | None = NowOpt,
    skip_bad_rows: bool = SkipOpt,
) -> None:
    """Show why one contact has its score and stage: every rule that fired, its points and evidence."""
    the_mapping = mapping_for(mapping)
    key = contact_id if contact_id.count(":") >= 2 else the_mapping.key(contact_id)
    source = files_source(contacts, activities, the_mapping, skip_bad_rows)
    found = source.reread([key])
    if not found:
        raise UserError(f"no contact {key} in {contacts}; check --id (the id column is "
                        f"'{the_mapping.contacts.id.name}')")
    acts = source.read_activities([key])[key] if activities is not None else []
    (result,) = qualify_batch([(found[0], acts)], scoring_model(model), parse_now(now))
    console.print(explanation_table(result))


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Score")(score)
    app.command(rich_help_panel="Score")(explain)
