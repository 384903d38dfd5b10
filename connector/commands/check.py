"""`leadbridge check`: validate the mapping and the scoring model offline (exit 2 with a located message)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from connector.commands.inputs import mapping_for, scoring_model
from connector.model import Stage

console = Console()


def check(
    mapping: Path | None = typer.Option(None, "--mapping", "-m", help="Mapping YAML (default: shipped files.yaml)."),
    model: Path | None = typer.Option(None, "--model", help="Scoring model YAML (default: shipped scoring.yaml)."),
    source: str = typer.Option("files", "--source", help="The mapping's source: files, hubspot or salesforce."),
    live: bool = typer.Option(False, "--live", help="Also check the CRM: login, fields, statuses, API budget."),
) -> None:
    """Validate a mapping and a scoring model without touching any CRM.

    A problem exits 2 with the file, line and key, and the nearest valid name when one is close.
    """
    the_mapping = mapping_for(mapping, source=source)
    the_model = scoring_model(model)
    table = Table(title="leadbridge check: all valid", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("detail")
    table.add_row("mapping", f"{the_mapping.file} ({the_mapping.source}): {len(the_mapping.contacts.fields)} "
                             f"fields, activities {'mapped' if the_mapping.activities else 'not mapped'}, "
                             f"{len(the_mapping.write)} outputs written back")
    rules = sum(len(g.rules) for axis in (the_model.fit, the_model.engagement) for g in axis.groups)
    paths = ", ".join(f"{stage.value}: {sum(1 for p in the_model.stage_paths if p.stage is stage)}"
                      for stage in (Stage.LEAD, Stage.MQL, Stage.SQL))
    table.add_row("scoring model", f"{the_model.source}: '{the_model.name}', version {the_model.version}")
    table.add_row("rules", f"{rules} scoring rules, {len(the_model.disqualifiers)} disqualifiers, "
                           f"{len(the_model.recycle)} recycle rules")
    table.add_row("ways in", paths)
    table.add_row("weights", f"fit {the_model.fit_weight:.2f}, engagement {the_model.engagement_weight:.2f}")
    console.print(table)
    if live and source == "salesforce":
        from connector.commands.salesforce import check_live_salesforce

        check_live_salesforce(the_mapping)
    if live and source == "hubspot":
        from connector.commands.hubspot import check_live_hubspot

        check_live_hubspot(the_mapping)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Configure")(check)
