"""One self-contained HTML file for the reports: inline CSS, inline SVG charts, no script, no network.

    page = html_page("leadbridge report", [funnel_section(f), content_section(c), scores_section(s)])
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from connector.reports.content import ContentReport
from connector.reports.funnel import FunnelReport
from connector.reports.leads import outcome_label
from connector.reports.scores import ScoresReport
from connector.reports.stats import Rate
from connector.reports.svg import bars, calibration_plot

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th { background: #f3f5f8; } td.l, th.l { text-align: left; }
p.note { color: #555; font-size: 13px; } figure { margin: 12px 0; }
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """An HTML table; the first ``left`` columns are text (left-aligned), the rest numbers."""
    head = "".join(f'<th class="{"l" if i < left else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{escape(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _interval(rate: Rate) -> tuple[float, float] | None:
    return (100 * rate.low, 100 * rate.high) if rate.n else None


def funnel_section(report: FunnelReport) -> str:
    chart = bars([r.stage.label for r in report.stages], [float(r.reached) for r in report.stages],
                 "Contacts that reached each stage", texts=[f"{r.reached:,}" for r in report.stages])
    rows = [(r.stage.label, f"{r.current:,}", f"{r.reached:,}", r.conversion.text() if r.conversion else "",
             "-" if r.median_days is None else f"{r.median_days:.1f}") for r in report.stages]
    parts = [f"<h2>Funnel ({report.total:,} contacts)</h2>", f"<figure>{chart}</figure>",
             _table(("stage", "now", "reached", "conversion from previous (95% CI)", "median days in stage"), rows)]
    if report.by:
        headers = (report.by, "contacts", *(f"≥ {r.stage.label}" for r in report.stages[1:]), "to SQL", "to customer")
        parts.append(f"<h3>By {escape(report.by)}</h3>")
        parts.append(_table(headers, [(g.value, f"{g.total:,}", *(f"{n:,}" for n in g.reached[1:]), g.to_sql.text(),
                                       g.to_customer.text()) for g in report.groups]))
    if report.changes:
        parts.append("<h3>Stage changes by month</h3>")
        parts.append(_table(("month", "stage", "contacts entering"),
                            [(m, s.label, f"{n:,}") for m, s, n in report.changes], left=2))
    return "".join(parts)


def content_section(report: ContentReport, top: int = 25) -> str:
    shown = report.rows[:top]
    chart = bars([f"{r.dimension}: {r.item}" for r in shown], [r.lift.value or 0.0 for r in shown],
                 f"Lift for {outcome_label(report.outcome)} (1.0 = base rate; bars show the 95% interval)",
                 intervals=[(r.lift.low or 0.0, r.lift.high or 0.0) for r in shown],
                 texts=[f"{r.lift.value or 0:.2f}x" for r in shown], reference=1.0, horizontal=True, width=900)
    rows = [(r.dimension, r.item, f"{r.contacts:,}", r.to_sql.text(), r.to_customer.text(), r.lift.text())
            for r in shown]
    return "".join([
        f"<h2>Content by lift for {escape(outcome_label(report.outcome))}</h2>",
        f'<p class="note">Base rate {escape(report.base.text())}. Top {len(shown)} of {len(report.rows)} items; '
        f"{report.left_out:,} items with too few contacts left out.</p>",
        f"<figure>{chart}</figure>",
        _table(("dimension", "item", "contacts", "to SQL", "to customer", "lift (95% CI)"), rows, left=2)])


def scores_section(report: ScoresReport) -> str:
    auc = "-" if report.roc_auc is None else f"{report.roc_auc:.3f}"
    ordered = report.deciles
    decile_chart = bars([f"D{r.decile}" for r in ordered], [100 * (r.rate.value or 0.0) for r in ordered],
                        f"Conversion to {outcome_label(report.outcome)} by score decile (%)",
                        intervals=[_interval(r.rate) for r in ordered],
                        texts=[f"{100 * (r.rate.value or 0):.1f}" for r in ordered],
                        reference=100 * (report.base.value or 0.0))
    lift_chart = bars([f"D{r.decile}" for r in ordered], [r.lift.value or 0.0 for r in ordered],
                      "Lift by score decile (1.0 = base rate)",
                      intervals=[(r.lift.low or 0.0, r.lift.high or 0.0) if r.lift.value is not None else None
                                 for r in ordered],
                      texts=[f"{r.lift.value or 0:.2f}" for r in ordered], reference=1.0)
    calib = calibration_plot([(b.predicted, b.observed.value or 0.0, b.observed.low, b.observed.high)
                              for b in report.calibration], "Calibration: predicted vs observed")
    return "".join([
        f"<h2>Scores against {escape(outcome_label(report.outcome))}</h2>",
        f'<p class="note">{report.scored:,} scored contacts; base rate {escape(report.base.text())}; '
        f"ROC-AUC {auc}. Decile 10 holds the highest scores; tied scores share a decile.</p>",
        f"<figure>{decile_chart}</figure><figure>{lift_chart}</figure>",
        _table(("decile", "scores", "contacts", "converted", "rate (95% CI)", "lift (95% CI)"),
               [(str(r.decile), f"{r.low}-{r.high}", f"{r.rate.n:,}", f"{r.rate.hits:,}", r.rate.text(),
                 r.lift.text()) for r in reversed(ordered)]),
        f"<figure>{calib}</figure>",
        _table(("predicted", "observed (95% CI)", "contacts"),
               [(f"{100 * b.predicted:.1f}%", b.observed.text(), f"{b.observed.n:,}") for b in report.calibration],
               left=0),
        "<h3>Score by stage</h3>",
        _table(("stage", "contacts", "mean", "p10", "median", "p90"),
               [(s.stage.label, f"{s.n:,}", f"{s.mean:.1f}", f"{s.p10:g}", f"{s.median:g}", f"{s.p90:g}")
                for s in report.by_stage])])


def html_page(title: str, sections: Sequence[str], generated: datetime | None = None) -> str:
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1><p class=\"note\">Generated by leadbridge, {when}.</p>"
            + "".join(sections) + "</body></html>\n")


def write_html(path: Path, title: str, sections: Sequence[str]) -> Path:
    path.write_text(html_page(title, sections), encoding="utf-8")
    return path
