"""The funnel: contacts per stage, conversion between consecutive stages, median time in a stage, the same
by a field (source, owner, any mapped field), and stage changes over time from the stage history."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from connector.model import Stage
from connector.reports.leads import Lead, ReportData, StageEntry
from connector.reports.stats import Rate, median, wilson

#: The stages a funnel can show, in order.
FUNNEL_STAGES: tuple[Stage, ...] = tuple(Stage)
NO_VALUE = "(none)"


@dataclass(frozen=True, slots=True)
class StageRow:
    """One stage: contacts there now, contacts that reached it or beyond, and conversion from the stage
    before (of those that reached the previous stage, how many reached this one)."""

    stage: Stage
    current: int
    reached: int
    conversion: Rate | None
    median_days: float | None


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One value of the ``by`` field: contacts, and how many reached each stage."""

    value: str
    total: int
    reached: tuple[int, ...]
    to_sql: Rate
    to_customer: Rate


@dataclass(frozen=True)
class FunnelReport:
    total: int
    stages: tuple[StageRow, ...]
    by: str | None
    groups: tuple[GroupRow, ...]
    #: (month "YYYY-MM", stage, contacts that entered it that month), oldest first.
    changes: tuple[tuple[str, Stage, int], ...]


def funnel(data: ReportData, by: str | None = None, max_groups: int = 20) -> FunnelReport:
    """The funnel of ``data``; ``by`` names a contact field (lead_source, owner, attributes.X) to break it down."""
    leads = data.leads
    current = Counter(lead.stage for lead in leads)
    # Subscriber and evangelist only when someone is there: most models start at lead and stop at customer.
    shown = tuple(s for s in FUNNEL_STAGES if s not in (Stage.SUBSCRIBER, Stage.EVANGELIST) or current.get(s))
    reached = [sum(1 for lead in leads if lead.stage >= s) for s in shown]
    days = days_in_stage(data.history)
    rows = []
    for i, stage in enumerate(shown):
        conversion = wilson(reached[i], reached[i - 1]) if i else None
        rows.append(StageRow(stage, current.get(stage, 0), reached[i], conversion, median(days.get(stage, []))))
    groups = _groups(leads, by, shown, max_groups) if by else ()
    return FunnelReport(len(leads), tuple(rows), by, groups, monthly_changes(data.history))


def _groups(leads: Sequence[Lead], by: str, shown: tuple[Stage, ...], max_groups: int) -> tuple[GroupRow, ...]:
    members: dict[str, list[Lead]] = defaultdict(list)
    for lead in leads:
        value = lead.contact.value(by)
        members[NO_VALUE if value is None or value == "" else str(value)].append(lead)
    ranked = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
    if len(ranked) > max_groups:
        # The long tail in one row, so the table stays readable and the counts still add up.
        rest = [lead for _, group in ranked[max_groups - 1:] for lead in group]
        ranked = ranked[:max_groups - 1] + [(f"(other {len(ranked) - max_groups + 1} values)", rest)]
    out = []
    for value, group in ranked:
        counts = tuple(sum(1 for lead in group if lead.stage >= s) for s in shown)
        out.append(GroupRow(value, len(group), counts,
                            wilson(sum(1 for lead in group if lead.stage >= Stage.SQL), len(group)),
                            wilson(sum(1 for lead in group if lead.stage >= Stage.CUSTOMER), len(group))))
    return tuple(out)


def days_in_stage(history: Sequence[StageEntry]) -> dict[Stage, list[float]]:
    """For each stage, how many days contacts stayed in it before their next change (still there: not counted,
    as their stay is not over)."""
    by_contact: dict[str, list[StageEntry]] = defaultdict(list)
    for entry in history:
        by_contact[entry.contact_key].append(entry)
    days: dict[Stage, list[float]] = defaultdict(list)
    for entries in by_contact.values():
        entries.sort(key=lambda e: e.changed_at)
        for entry, following in zip(entries, entries[1:], strict=False):
            days[entry.to_stage].append((following.changed_at - entry.changed_at).total_seconds() / 86400.0)
    return days


def monthly_changes(history: Sequence[StageEntry]) -> tuple[tuple[str, Stage, int], ...]:
    counts = Counter((e.changed_at.strftime("%Y-%m"), e.to_stage) for e in history)
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], item[0][1].rank))
    return tuple((month, stage, n) for (month, stage), n in ordered)
