"""The demo's reports step: funnel, content and score-decile tables from the synthetic outcomes, and the
same with charts in one HTML file. ``leadbridge demo`` calls ``reports_step`` after scoring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console

from connector.model import Activity, Contact, Qualification
from connector.reports.content import content
from connector.reports.funnel import funnel
from connector.reports.html import content_section, funnel_section, scores_section, write_html
from connector.reports.leads import ReportData, leads_from_results
from connector.reports.scores import scores
from connector.reports.tables import content_table, funnel_tables, scores_tables


def reports_step(console: Console, results: Sequence[Qualification], contacts: Sequence[Contact],
                 activities: Mapping[str, Sequence[Activity]], html_path: Path) -> None:
    """Print the funnel (by lead source), the content by lift and the score deciles for the synthetic
    outcomes (customer = a won deal), and write them with charts to ``html_path``."""
    data = ReportData(leads_from_results(contacts, activities, results))
    funnel_report = funnel(data, by="lead_source")
    content_report = content(data, outcome="customer", min_contacts=20)
    scores_report = scores(data, outcome="customer")
    for table in funnel_tables(funnel_report)[:1]:
        console.print(table)
    console.print(content_table(content_report, top=12))
    console.print(scores_tables(scores_report)[1])
    write_html(html_path, "leadbridge demo report",
               [funnel_section(funnel_report), content_section(content_report), scores_section(scores_report)])
    console.print(f"Report with charts: {html_path}")
