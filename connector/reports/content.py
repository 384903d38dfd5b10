"""Content conversion: for each page, content item, form, campaign, landing page and channel, how many
contacts engaged with it, how many of them reached SQL and customer, and the lift against the base rate.

Small counts are not over-read: every rate carries a Wilson interval, the lift carries the same interval
divided by the base rate, and items below a minimum number of contacts are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from connector.model import ActivityKind
from connector.reports.leads import Lead, OutcomeTest, ReportData, outcome_test
from connector.reports.stats import Lift, Rate, lift, wilson

#: What an item can be, in the order the report lists dimensions.
DIMENSIONS = ("page", "content", "form", "campaign", "landing page", "channel")
_LANDING_KINDS = frozenset({ActivityKind.VISIT})


@dataclass(frozen=True, slots=True)
class ContentRow:
    dimension: str
    item: str
    contacts: int
    to_sql: Rate
    to_customer: Rate
    outcome: Rate
    lift: Lift


@dataclass(frozen=True)
class ContentReport:
    outcome: str
    base: Rate
    rows: tuple[ContentRow, ...]
    left_out: int


def page_of(url: str) -> str:
    """A url as the page it is: path only (no scheme, host, query or fragment), so that tracking parameters
    do not split one page into many. Ids that are not urls stay as they are."""
    if "://" not in url and not url.startswith("/"):
        return url
    path = urlsplit(url).path or "/"
    return path if path == "/" else path.rstrip("/")


def items_of(lead: Lead) -> Iterator[tuple[str, str]]:
    """Every (dimension, item) the lead engaged with (each once)."""
    seen: set[tuple[str, str]] = set()
    landing = None
    for activity in sorted(lead.activities, key=lambda a: a.occurred_at):
        detail = activity.detail
        found = []
        if detail.get("url"):
            found.append(("page", page_of(detail["url"])))
            if landing is None and activity.kind in _LANDING_KINDS:
                landing = page_of(detail["url"])
        if detail.get("landing_page"):
            landing = landing or page_of(detail["landing_page"])
        for key, dimension in (("content_id", "content"), ("form", "form"), ("campaign", "campaign")):
            if detail.get(key):
                found.append((dimension, detail[key]))
        for item in found:
            if item not in seen:
                seen.add(item)
                yield item
    if landing is not None:
        yield ("landing page", landing)
    landing_field = lead.contact.value("landing_page")
    if landing is None and landing_field:
        yield ("landing page", page_of(str(landing_field)))
    if lead.contact.lead_source:
        yield ("channel", lead.contact.lead_source)


def content(data: ReportData, outcome: str = "customer", min_contacts: int = 5,
            dimensions: Sequence[str] = DIMENSIONS) -> ContentReport:
    """Items by lift (highest first) for ``outcome`` (sql, opportunity, customer or a field)."""
    test: OutcomeTest = outcome_test(outcome)
    reached_sql = outcome_test("sql")
    reached_customer = outcome_test("customer")
    leads = data.leads
    base = wilson(sum(1 for lead in leads if test(lead)), len(leads))
    members: dict[tuple[str, str], list[Lead]] = defaultdict(list)
    for lead in leads:
        for item in items_of(lead):
            if item[0] in dimensions:
                members[item].append(lead)
    rows = []
    left_out = 0
    for (dimension, name), group in members.items():
        if len(group) < min_contacts:
            left_out += 1
            continue
        rate = wilson(sum(1 for lead in group if test(lead)), len(group))
        rows.append(ContentRow(
            dimension, name, len(group),
            wilson(sum(1 for lead in group if reached_sql(lead)), len(group)),
            wilson(sum(1 for lead in group if reached_customer(lead)), len(group)),
            rate, lift(rate, base.value)))
    rows.sort(key=lambda r: (-(r.lift.value or 0.0), -(r.lift.low or 0.0), -r.contacts, r.dimension, r.item))
    return ContentReport(outcome, base, tuple(rows), left_out)
