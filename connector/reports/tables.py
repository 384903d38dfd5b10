"""The reports as rich tables for the terminal."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from connector.reports.content import ContentReport
from connector.reports.funnel import FunnelReport
from connector.reports.leads import outcome_label
from connector.reports.scores import ScoresReport


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def funnel_tables(report: FunnelReport) -> list[Table]:
    """The funnel, the breakdown by field (when asked) and the monthly stage changes (when there is history)."""
    table = Table(title=f"Funnel ({report.total:,} contacts)", title_justify="left",
                  caption="conversion: of the contacts that reached the stage above, the share that reached "
                          "this one (95% Wilson interval)", caption_justify="left")
    for column, justify in (("stage", "left"), ("now", "right"), ("reached", "right"),
                            ("conversion from previous", "right"), ("median days in stage", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in report.stages:
        table.add_row(row.stage.label, f"{row.current:,}", f"{row.reached:,}",
                      row.conversion.text() if row.conversion else "", _days(row.median_days))
    tables = [table]
    if report.by:
        by = Table(title=f"Funnel by {escape(report.by)}", title_justify="left")
        by.add_column(escape(report.by))
        by.add_column("contacts", justify="right")
        for row in report.stages[1:]:
            by.add_column(f"≥ {row.stage.label}", justify="right")
        by.add_column("to SQL", justify="right")
        by.add_column("to customer", justify="right")
        for group in report.groups:
            by.add_row(escape(group.value), f"{group.total:,}", *(f"{n:,}" for n in group.reached[1:]),
                       group.to_sql.text(), group.to_customer.text())
        tables.append(by)
    if report.changes:
        changes = Table(title="Stage changes by month (contacts entering each stage)", title_justify="left")
        stages = sorted({stage for _, stage, _ in report.changes}, key=lambda s: s.rank)
        changes.add_column("month")
        for stage in stages:
            changes.add_column(stage.label, justify="right")
        months: dict[str, dict[object, int]] = {}
        for month, stage, n in report.changes:
            months.setdefault(month, {})[stage] = n
        for month, counts in months.items():
            changes.add_row(month, *(f"{counts.get(s, 0):,}" for s in stages))
        tables.append(changes)
    return tables


def content_table(report: ContentReport, top: int = 25) -> Table:
    shown = report.rows[:top]
    table = Table(
        title=f"Content by lift for {outcome_label(report.outcome)} (base rate {report.base.text()}; "
              f"top {len(shown)} of {len(report.rows)})",
        title_justify="left",
        caption=f"rates with 95% Wilson intervals; {report.left_out:,} items with too few contacts left out",
        caption_justify="left")
    for column, justify in (("dimension", "left"), ("item", "left"), ("contacts", "right"), ("to SQL", "right"),
                            ("to customer", "right"), ("lift", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in shown:
        table.add_row(row.dimension, escape(row.item), f"{row.contacts:,}", row.to_sql.text(),
                      row.to_customer.text(), row.lift.text())
    return table


def scores_tables(report: ScoresReport) -> list[Table]:
    by_stage = Table(title="Score by stage", title_justify="left")
    for column in ("stage", "contacts", "mean", "p10", "median", "p90"):
        by_stage.add_column(column, justify="left" if column == "stage" else "right")
    for row in report.by_stage:
        by_stage.add_row(row.stage.label, f"{row.n:,}", f"{row.mean:.1f}", f"{row.p10:g}", f"{row.median:g}",
                         f"{row.p90:g}")
    auc = "-" if report.roc_auc is None else f"{report.roc_auc:.3f}"
    decile = Table(title=f"Conversion to {outcome_label(report.outcome)} by score decile "
                         f"(base rate {report.base.text()}, ROC-AUC {auc})", title_justify="left",
                   caption="decile 10 holds the highest scores; tied scores share a decile", caption_justify="left")
    for column in ("decile", "scores", "contacts", "converted", "rate", "lift"):
        decile.add_column(column, justify="right")
    for d in reversed(report.deciles):
        decile.add_row(str(d.decile), f"{d.low}-{d.high}", f"{d.rate.n:,}", f"{d.rate.hits:,}", d.rate.text(),
                       d.lift.text())
    calibration = Table(title="Calibration (probability from a logistic fit on the score)", title_justify="left")
    for column in ("predicted", "observed", "contacts"):
        calibration.add_column(column, justify="right")
    for b in report.calibration:
        calibration.add_row(f"{100 * b.predicted:.1f}%", b.observed.text(), f"{b.observed.n:,}")
    return [by_stage, decile, calibration]
