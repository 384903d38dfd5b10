"""Evaluate predictive scoring and the content report on a real MQL -> won-deal funnel (Olist marketing funnel).

Each MQL is a contact with what is known at MQL time only: the channel (``origin`` as lead_source), the
landing page (a visit to it, and the mapped field attributes.landing_page) and the first contact month (months
since the funnel started). Seller attributes exist only for won deals, so they are outcomes, not features.
Time-ordered split on the first contact date: fitted on the oldest 70 %, evaluated on the newest 30 %.
Target: ROC-AUC >= 0.65, within 0.02 of a plain scikit-learn logistic regression on the same features. Also
prints `report content` on it: landing pages and channels by lift for a won deal.

    python bench/evaluate_olist.py            # last line: {"roc_auc": ..., "logreg_roc_auc": ..., "lift_top10": ...}
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from evaluation import data_dir, run
from rich.console import Console

from connector.model import Activity, ActivityKind, Contact
from connector.qualify.predict import PredictConfig, make_examples, split_examples
from connector.reports.content import content
from connector.reports.leads import ReportData, leads_from_results
from connector.reports.tables import content_table

START = datetime(2017, 6, 1, tzinfo=UTC)


def main() -> None:
    folder = data_dir() / "olist"
    with (folder / "olist_closed_deals_dataset.csv").open(newline="", encoding="utf-8") as f:
        won = {row["mql_id"] for row in csv.DictReader(f)}
    pairs: list[tuple[Contact, list[Activity]]] = []
    rows: list[dict[str, Any]] = []
    with (folder / "olist_marketing_qualified_leads_dataset.csv").open(newline="", encoding="utf-8") as f:
        for raw in csv.DictReader(f):
            when = datetime.fromisoformat(raw["first_contact_date"]).replace(tzinfo=UTC)
            months = (when.year - START.year) * 12 + when.month - START.month
            key = f"files:contact:{raw['mql_id']}"
            origin = raw["origin"] or None
            contact = Contact(key=key, lead_source=origin, created_at=when, has_won_deal=raw["mql_id"] in won,
                              attributes=MappingProxyType({"landing_page": raw["landing_page_id"],
                                                           "first_contact_month": months}))
            visit = Activity(key, ActivityKind.VISIT, when, f"mql-{raw['mql_id']}",
                             MappingProxyType({"url": f"/lp/{raw['landing_page_id']}"}))
            pairs.append((contact, [visit]))
            rows.append({"origin": origin or "(none)", "landing_page": raw["landing_page_id"],
                         "first_contact_month": months})
    config = PredictConfig(outcome="customer")
    examples = make_examples(pairs, config.outcome)
    split = split_examples(examples, "time", config.test_fraction)
    now = max(c.created_at for c, _ in pairs if c.created_at is not None)

    # `leadbridge report content` on the funnel: which landing pages and channels convert to a won deal.
    data = ReportData(leads_from_results([c for c, _ in pairs], {c.key: a for c, a in pairs}, []))
    report = content(data, outcome="customer", min_contacts=30, dimensions=("landing page", "channel"))
    Console(width=140).print(content_table(report, top=15))
    top = [{"dimension": r.dimension, "item": r.item, "contacts": r.contacts, "lift": round(r.lift.value or 0, 2),
            "lift_low": round(r.lift.low or 0, 2)} for r in report.rows[:5]]
    run("olist", examples, split, config, now, rows, ["first_contact_month"], ["origin", "landing_page"], 0.65,
        {"content_top5": top})


if __name__ == "__main__":
    main()
