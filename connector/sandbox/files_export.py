"""Write synthetic people as a CSV export in the shipped files mapping's layout (mappings/files.yaml).

The demo and the benchmarks use it so that they exercise the same path an admin's CSV export takes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from connector.sandbox.synthetic import Person

CONTACT_COLUMNS = (
    "contact_id", "email", "first_name", "last_name", "job_title", "department", "seniority", "company",
    "company_domain", "employees", "industry", "country", "phone", "lead_source", "lifecycle_stage", "budget",
    "authority", "need", "timeline", "pain_points", "do_not_contact", "has_open_deal", "has_won_deal",
    "created_at", "updated_at",
)
ACTIVITY_COLUMNS = ("contact_id", "activity_id", "type", "timestamp", "url", "content", "form", "campaign", "subject")


def _iso(moment) -> str:  # type: ignore[no-untyped-def]
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _stage(person: Person) -> str:
    return {"customer": "customer", "opportunity": "opportunity"}.get(person.outcome, "lead")


def write_people(people: Iterable[Person], folder: Path) -> tuple[Path, Path]:
    """Write contacts.csv and activities.csv into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    contacts_path, activities_path = folder / "contacts.csv", folder / "activities.csv"
    with contacts_path.open("w", newline="", encoding="utf-8") as cf, \
            activities_path.open("w", newline="", encoding="utf-8") as af:
        contacts, activities = csv.writer(cf), csv.writer(af)
        contacts.writerow(CONTACT_COLUMNS)
        activities.writerow(ACTIVITY_COLUMNS)
        for p in people:
            contacts.writerow((
                p.index, p.email, p.first_name, p.last_name, p.job_title, p.department, p.seniority, p.company,
                p.company_domain, p.company_size, p.industry, p.country, p.phone, p.lead_source, _stage(p),
                p.budget or "", p.authority or "", p.need or "", p.timeline or "", p.pain_points or "",
                "yes" if p.do_not_contact else "no", "yes" if p.outcome == "opportunity" else "no",
                "yes" if p.outcome == "customer" else "no", _iso(p.created_at), _iso(p.updated_at),
            ))
            for a in p.activities:
                d = a.detail
                activities.writerow((p.index, a.source_id, a.kind, _iso(a.occurred_at), d.get("url", ""),
                                     d.get("content_id", ""), d.get("form", ""), d.get("campaign", ""),
                                     d.get("subject", "")))
    return contacts_path, activities_path
