"""`leadbridge demo`: the product end to end on synthetic data, with no account anywhere.

Today: synthetic B2B contacts and activities (seeded) are written as a CSV export, scored through the
files mapping exactly as an admin's export would be, and summarized: the funnel, the most common reasons
and a few explanations.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer
from rich.console import Console

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
) -> None:
    """Run leadbridge on synthetic data: generate, score, and show the funnel and why."""
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
    console.print(f"done in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Start here")(demo)
