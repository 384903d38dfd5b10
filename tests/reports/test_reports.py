"""Funnel, content and scores reports on small hand-made data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.model import Activity, ActivityKind, Contact, Stage
from connector.reports import ReportData, StageEntry, content, funnel, scores
from connector.reports.content import page_of
from connector.reports.leads import Lead

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_lead(i: int, stage: Stage, score: int | None = None, pages: tuple[str, ...] = (),
              source: str | None = None) -> Lead:
    key = f"files:contact:{i}"
    contact = Contact(key=key, lead_source=source, has_won_deal=stage is Stage.CUSTOMER,
                      has_open_deal=stage is Stage.OPPORTUNITY)
    activities = tuple(Activity(key, ActivityKind.PAGE_VIEW, T0 + timedelta(days=n), f"a{i}-{n}",
                                {"url": f"https://example.com{page}?utm=x"}) for n, page in enumerate(pages))
    return Lead(contact, activities, stage, score)


def test_funnel_counts_reached_stages_and_converts_between_them() -> None:
    leads = ([make_lead(i, Stage.LEAD) for i in range(6)] + [make_lead(10 + i, Stage.MQL) for i in range(2)]
             + [make_lead(20, Stage.SQL), make_lead(30, Stage.CUSTOMER)])
    report = funnel(ReportData(leads))
    rows = {r.stage: r for r in report.stages}
    assert Stage.SUBSCRIBER not in rows  # nobody there: not shown
    assert (rows[Stage.LEAD].reached, rows[Stage.MQL].reached, rows[Stage.SQL].reached) == (10, 4, 2)
    assert rows[Stage.MQL].conversion is not None and rows[Stage.MQL].conversion.value == pytest.approx(0.4)
    assert rows[Stage.CUSTOMER].conversion.value == pytest.approx(1.0)  # type: ignore[union-attr]
    assert rows[Stage.LEAD].current == 6


def test_funnel_by_field_and_time_in_stage_from_history() -> None:
    leads = [make_lead(1, Stage.SQL, source="Web"), make_lead(2, Stage.MQL, source="Web"),
             make_lead(3, Stage.LEAD, source=None)]
    history = [StageEntry("files:contact:1", None, Stage.MQL, T0),
               StageEntry("files:contact:1", Stage.MQL, Stage.SQL, T0 + timedelta(days=4)),
               StageEntry("files:contact:2", None, Stage.MQL, T0 + timedelta(days=40))]
    report = funnel(ReportData(leads, history), by="lead_source")
    mql = next(r for r in report.stages if r.stage is Stage.MQL)
    assert mql.median_days == pytest.approx(4.0)  # contact 2 is still in MQL: its stay is not over
    groups = {g.value: g for g in report.groups}
    assert groups["Web"].total == 2 and groups["Web"].to_sql.hits == 1
    assert groups["(none)"].total == 1
    assert ("2026-01", Stage.MQL, 1) in report.changes and ("2026-02", Stage.MQL, 1) in report.changes


def test_content_ranks_items_by_lift_and_leaves_out_small_ones() -> None:
    leads = ([make_lead(i, Stage.CUSTOMER, pages=("/pricing", "/blog/a")) for i in range(3)]
             + [make_lead(10 + i, Stage.LEAD, pages=("/blog/a",)) for i in range(7)]
             + [make_lead(20, Stage.LEAD, pages=("/careers",))])
    report = content(ReportData(leads), outcome="customer", min_contacts=2, dimensions=("page",))
    assert report.base.value == pytest.approx(3 / 11)
    assert [r.item for r in report.rows] == ["/pricing", "/blog/a"]  # /careers: 1 contact, left out
    pricing = report.rows[0]
    assert pricing.contacts == 3 and pricing.outcome.value == 1.0
    assert pricing.lift.value == pytest.approx(11 / 3)
    assert report.rows[1].lift.value == pytest.approx((3 / 10) / (3 / 11))
    assert report.left_out == 1


def test_page_of_drops_scheme_host_and_query() -> None:
    assert page_of("https://example.com/pricing/?utm=x#top") == "/pricing"
    assert page_of("https://example.com") == "/"
    assert page_of("ebook-42") == "ebook-42"


def test_scores_by_decile_show_whether_higher_scores_win_more() -> None:
    leads = [make_lead(i, Stage.CUSTOMER if i >= 16 else Stage.LEAD, score=i * 5) for i in range(20)]
    report = scores(ReportData(leads), outcome="customer")
    assert report.roc_auc == 1.0
    assert [d.decile for d in report.deciles] == list(range(1, 11))
    assert [d.rate.hits for d in report.deciles] == [0] * 8 + [2, 2]
    assert report.deciles[-1].lift.value == pytest.approx(1.0 / 0.2)
    assert {s.stage for s in report.by_stage} == {Stage.LEAD, Stage.CUSTOMER}
    assert sum(b.observed.n for b in report.calibration) == 20


def test_outcome_can_be_a_field() -> None:
    from dataclasses import replace

    lead = make_lead(1, Stage.LEAD, score=10)
    won = replace(lead, contact=replace(lead.contact, attributes={"won": "yes"}))
    report = scores(ReportData([lead, won]), outcome="attributes.won")
    assert report.base.hits == 1
