"""`leadbridge demo`: the product end to end on synthetic data, with no account anywhere.

1. Synthetic B2B contacts and activities (seeded) are written as a CSV export and scored through the files
   mapping exactly as an admin's export would be: the funnel, the most common reasons, three explanations.
2. The same kind of data in a local HubSpot portal (the sandbox): setup, full sync with write-back, changes
   in HubSpot, an incremental sync, and a last sync that writes nothing.
3. The same in a local Salesforce org over HTTPS, and one verdict per person present in both CRMs.
4. A webhook round trip: a contact visits the pricing page and fills a form; seconds later HubSpot says MQL.
5. Reports on the synthetic outcomes: funnel, content by lift, score deciles, and report.html with charts.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console

from connector.commands.demo_hubspot import hubspot_round_trip
from connector.commands.demo_reports import reports_step
from connector.commands.demo_salesforce import salesforce_round_trip
from connector.commands.demo_webhooks import webhook_round_trip
from connector.commands.inputs import mapping_for, scoring_model
from connector.commands.score import score_files
from connector.commands.views import explanation_table, funnel_table, top_reasons_table
from connector.model import Stage
from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people

console = Console()


def demo(
    contacts: int = typer.Option(3000, "--contacts", "-n", min=1, help="How many synthetic contacts."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same data and results."),
    folder: Path | None = typer.Option(None, "--dir", help="Keep the generated CSV files here (default: a temp dir)."),
    html: Path = typer.Option(Path("report.html"), "--html", help="Where to write the HTML report."),
    crm: bool = typer.Option(True, "--crm/--no-crm", help="Also run the HubSpot and Salesforce round trips."),
) -> None:
    """Run leadbridge on synthetic data, no account needed: score a CSV export, sync a local HubSpot portal
    and Salesforce org with write-back, and report on the outcomes."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadbridge-demo-") as tmp:
        where = folder or Path(tmp)
        contacts_csv, activities_csv = write_people(people(contacts, seed=seed, now=DEFAULT_NOW), where)
        console.print(f"[bold]1. Generated[/] {contacts:,} synthetic contacts with their activities "
                      f"(seed {seed}) as a CSV export: {contacts_csv.name}, {activities_csv.name}"
                      + (f" in {where}" if folder else ""))
        model = scoring_model(None)
        run = score_files(contacts_csv, activities_csv, mapping_for(None), model, DEFAULT_NOW)
    results = run.results
    console.print(f"[bold]2. Scored[/] them with the shipped model '{model.name}' (version {model.version}) "
                  f"as of {DEFAULT_NOW:%Y-%m-%d}: {run.source.activities_read:,} activities read\n")
    console.print(funnel_table(results))
    console.print(top_reasons_table(results))
    console.print("[bold]3. Three explanations[/] (what a rep sees, and why):")
    for stage in (Stage.SQL, Stage.MQL, Stage.LEAD):
        example = max((q for q in results if q.stage is stage and not q.disqualified), key=lambda q: q.score,
                      default=None)
        if example is not None:
            console.print(explanation_table(example))
    if crm:
        console.rule("[bold]4. HubSpot round trip (local sandbox portal)")
        hubspot_round_trip(console, seed=seed)
        console.rule("[bold]5. Salesforce round trip (local sandbox org, HTTPS)")
        salesforce_round_trip(console, seed=seed)
        console.rule("[bold]6. Webhook round trip: seconds from a visit to an MQL in the CRM")
        webhook_round_trip(console)
    console.rule("[bold]Reports on the synthetic outcomes")
    reports_step(console, results, run.contacts, run.activities, html)
    console.print(f"done in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Start here")(demo)
