"""`leadbridge model fit|evaluate`: fit a scorecard on the CRM's own outcomes, and judge any scoring model.

Both read a CSV/JSONL export (--contacts/--activities, through the files mapping) or the store. Only `fit`
needs scikit-learn (`pip install 'leadbridge[predict]'`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.commands.inputs import files_source, mapping_for, parse_now, scoring_model
from connector.commands.score import report_bad_rows
from connector.errors import UserError
from connector.model import Activity, Contact
from connector.qualify.predict.config import PredictConfig, load_config
from connector.qualify.predict.dataset import Example, Split, make_examples, split_examples
from connector.qualify.predict.evaluate import Evaluation, evaluate_model

console = Console()
err_console = Console(stderr=True)
model_app = typer.Typer(help="Predictive scoring: fit a scorecard on your outcomes, evaluate any scoring model.",
                        no_args_is_help=True)

ContactsOpt = typer.Option(None, "--contacts", "-c", help="Contacts export (.csv or .jsonl) instead of the store.")
ActivitiesOpt = typer.Option(None, "--activities", "-a", help="Activities export, with --contacts.")
MappingOpt = typer.Option(None, "--mapping", "-m", help="Files mapping YAML (default: the shipped files.yaml).")
ConfigOpt = typer.Option(None, "--config", help="Predict config YAML (default: the shipped mappings/predict.yaml).")
OutcomeOpt = typer.Option(None, "--outcome", help="sql, opportunity, customer, or a field true for converted "
                                                  "contacts (default from the config: customer).")
SplitOpt = typer.Option(None, "--split", help="time (newest contacts held out; the default) or random.")
NowOpt = typer.Option(None, "--now", help="Evaluate activities as of this instant (default: the newest date in "
                                          "the data).")
SkipOpt = typer.Option(False, "--skip-bad-rows", help="Skip rows that cannot be read instead of stopping.")


def load_pairs(contacts: Path | None, activities: Path | None, mapping: Path | None,
               skip_bad_rows: bool) -> list[tuple[Contact, Sequence[Activity]]]:
    """(contact, activities) from the export, or from the store when no --contacts is given."""
    if contacts is None:
        if activities is not None:
            raise UserError("--activities needs --contacts (the export its rows belong to)")
        from connector.reports.store_source import report_data
        from connector.store import open_store

        store = open_store()
        try:
            data = report_data(store)
        finally:
            store.close()
        return [(lead.contact, lead.activities) for lead in data.leads]
    source = files_source(contacts, activities, mapping_for(mapping), skip_bad_rows)
    source.check()
    by_contact = source.activities_by_contact() if activities is not None else {}
    pairs: list[tuple[Contact, Sequence[Activity]]] = [(c, by_contact.get(c.key, ())) for c in source.iter_contacts()]
    report_bad_rows(source.bad_rows)
    return pairs


def data_now(pairs: Sequence[tuple[Contact, Sequence[Activity]]]) -> datetime:
    """The newest instant in the data: history is judged as of its own end, not as of today."""
    newest = [t for c, acts in pairs for t in (c.created_at, *(a.occurred_at for a in acts)) if t is not None]
    return max(newest, default=datetime.now(UTC))


def evaluation_table(evaluations: Sequence[Evaluation], split: Split) -> Table:
    table = Table(title=f"Held-out evaluation ({escape(split.describe())})", title_justify="left",
                  caption="lift: conversion rate of the top x% by score over the base rate; Brier uses a logistic "
                          "fit of the outcome on the score from the fitting part", caption_justify="left")
    table.add_column("")
    for e in evaluations:
        table.add_column(f"{escape(e.model)}\n{e.version}", justify="right")

    def num(value: float | None, digits: int = 3) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    rows = (("contacts held out", lambda e: f"{e.n_test:,}"),
            ("converted", lambda e: f"{e.positives_test:,} ({100 * e.base_rate:.1f}%)"),
            ("ROC-AUC", lambda e: num(e.roc_auc)), ("PR-AUC", lambda e: num(e.pr_auc)),
            ("lift top 10%", lambda e: num(e.lift_top10, 2)), ("lift top 20%", lambda e: num(e.lift_top20, 2)),
            ("lift top 30%", lambda e: num(e.lift_top30, 2)), ("Brier score", lambda e: num(e.brier, 4)))
    for label, value in rows:
        table.add_row(label, *(value(e) for e in evaluations))
    return table


def calibration_table(evaluation: Evaluation) -> Table:
    table = Table(title=f"Calibration of {escape(evaluation.model)} (held-out)", title_justify="left")
    for column in ("predicted", "observed (95% CI)", "contacts"):
        table.add_column(column, justify="right")
    for b in evaluation.calibration:
        table.add_row(f"{100 * b.predicted:.1f}%", b.observed.text(), f"{b.observed.n:,}")
    return table


def _examples(contacts: Path | None, activities: Path | None, mapping: Path | None, config_path: Path | None,
              outcome: str | None, split: str | None, exclude: list[str] | None, min_positives: int | None,
              skip_bad_rows: bool, now: str | None) -> tuple[list[Example], Split, datetime, PredictConfig]:
    config = load_config(config_path, outcome=outcome, split=split, exclude=tuple(exclude) if exclude else None,
                         min_positives=min_positives)
    pairs = load_pairs(contacts, activities, mapping, skip_bad_rows)
    examples = make_examples(pairs, config.outcome)
    the_split = split_examples(examples, config.split, config.test_fraction, config.seed)
    return examples, the_split, parse_now(now) if now else data_now(pairs), config


def fit(
    out: Path = typer.Option(..., "--out", "-o", help="Write the fitted scoring model YAML here."),
    outcome: str | None = OutcomeOpt,
    exclude: list[str] = typer.Option(None, "--exclude", help="A field never to use (repeat); leaky fields from "
                                                               "the config are always left out."),
    split: str | None = SplitOpt,
    min_positives: int | None = typer.Option(None, "--min-positives", min=1, help="Refuse with fewer converted "
                                                                                 "contacts (default 100)."),
    base_model: Path | None = typer.Option(None, "--model", help="The hand-written model: its activity rules become "
                                                                 "features, its stages are kept (default: shipped)."),
    config_path: Path | None = ConfigOpt,
    contacts: Path | None = ContactsOpt, activities: Path | None = ActivitiesOpt, mapping: Path | None = MappingOpt,
    now: str | None = NowOpt, skip_bad_rows: bool = SkipOpt,
    json_out: bool = typer.Option(False, "--json", help="Also print the figures as one JSON line."),
) -> None:
    """Fit a scorecard on the contacts whose outcome is known and export it as a scoring model YAML."""
    from connector.qualify.predict.scorecard import fit_scorecard

    examples, the_split, moment, config = _examples(contacts, activities, mapping, config_path, outcome, split,
                                                    exclude, min_positives, skip_bad_rows, now)
    card = fit_scorecard(examples, the_split, config, moment, base_model)
    for warning in card.fitted.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    out.write_text(card.yaml_text, encoding="utf-8")
    hand = evaluate_model(scoring_model(base_model), examples, the_split, moment)
    console.print(evaluation_table([card.evaluation, hand], the_split))
    console.print(calibration_table(card.evaluation))
    auc = card.regression_roc_auc
    console.print(f"The logistic regression before rounding to points: ROC-AUC {auc:.3f}" if auc is not None else "")
    console.print(f"wrote {out} ({sum(len(f.buckets) for f in card.fitted.families)} buckets in "
                  f"{len(card.fitted.families)} groups): check it with `leadbridge check --model {out}`")
    if json_out:
        console.print(json.dumps({"fitted": card.evaluation.figures(), "hand_written": hand.figures(),
                                  "logreg_roc_auc": auc}), highlight=False, soft_wrap=True)


def evaluate(
    model: Path | None = typer.Option(None, "--model", help="Scoring model YAML (default: the shipped one)."),
    outcome: str | None = OutcomeOpt, split: str | None = SplitOpt, config_path: Path | None = ConfigOpt,
    contacts: Path | None = ContactsOpt, activities: Path | None = ActivitiesOpt, mapping: Path | None = MappingOpt,
    now: str | None = NowOpt, skip_bad_rows: bool = SkipOpt,
    json_out: bool = typer.Option(False, "--json", help="Also print the figures as one JSON line."),
) -> None:
    """ROC-AUC, PR-AUC, lift in the top 10/20/30 %, Brier score and calibration of a scoring model, on the
    same held-out contacts a fit would be judged on."""
    examples, the_split, moment, _ = _examples(contacts, activities, mapping, config_path, outcome, split, None, 1,
                                               skip_bad_rows, now)
    result = evaluate_model(scoring_model(model), examples, the_split, moment)
    console.print(evaluation_table([result], the_split))
    console.print(calibration_table(result))
    if json_out:
        console.print(json.dumps(result.figures()), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    model_app.command("fit")(fit)
    model_app.command("evaluate")(evaluate)
    app.add_typer(model_app, name="model", rich_help_panel="Reports")
