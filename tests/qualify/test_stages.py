"""Stages on the shipped default model: the seeds' examples, BANT, disqualifiers, CRM facts, forward-only, recycle."""

from __future__ import annotations

import pytest
from support.core import NOW, activity, contact, default_model

from connector.model import Stage
from connector.qualify import qualify

# A contact who fits well: executive in a target company in a core market.
GOOD_FIT = {"email": "ana@acme.io", "first_name": "Ana", "last_name": "Ruiz", "job_title": "VP Marketing",
            "company": "Acme", "company_size": 300, "industry": "SaaS", "country": "US", "department": "Marketing"}
# A contact we know little about beyond a core-market location and a company.
MODEST_FIT = {"email": "sam@shop.example", "company": "Shop", "country": "US", "company_size": 20}


def stage_of(fields: dict, acts: list, previous: Stage | None = None) -> tuple[Stage, str]:
    q = qualify(contact(**fields), acts, default_model(), NOW, previous)
    return q.stage, q.stage_reason


@pytest.mark.parametrize(
    ("fields", "acts", "expected", "why"),
    [
        (MODEST_FIT, [], Stage.LEAD, "Known company or role"),
        ({"email": "x@y.example"}, [activity("newsletter_signup", 3)], Stage.SUBSCRIBER, "no lead criteria met"),
        # The seeds' behaviour rule: visited the site at least twice ...
        (MODEST_FIT, [activity("visit", 2, "v1"), activity("visit", 9, "v2")], Stage.MQL,
         "Visited the site at least twice in 30 days"),
        (MODEST_FIT, [activity("visit", 2, "v1")], Stage.LEAD, "Known company or role"),
        # ... or read at least three articles.
        (MODEST_FIT, [activity("content_view", d, f"c{d}", url=f"/blog/{d}") for d in (1, 4, 8)], Stage.MQL,
         "Read at least three articles in 30 days"),
        # Old visits do not make an MQL by behaviour.
        (MODEST_FIT, [activity("visit", 60, "v1"), activity("visit", 70, "v2")], Stage.LEAD,
         "Known company or role"),
        # Good fit plus enough engagement crosses the score threshold.
        (GOOD_FIT, [activity("content_download", d, f"d{d}") for d in (1, 2, 3)]
         + [activity("webinar_attended", 4, "w1")], Stage.MQL, "Score 50+ with fit 40+ and engagement 25+"),
        # Hand-raisers are sales-ready.
        (MODEST_FIT, [activity("demo_request", 1, "dr")], Stage.SQL, "Asked for a demo"),
        (MODEST_FIT, [activity("meeting", 5, "m1")], Stage.SQL, "Met with sales"),
        ({**MODEST_FIT, "sales_accepted": True}, [], Stage.SQL, "Accepted by sales"),
    ],
)
def test_stage_paths(fields: dict, acts: list, expected: Stage, why: str) -> None:
    assert stage_of(fields, acts) == (expected, why)


PROFILE = {**GOOD_FIT, "pain_points": "manual lead routing", "need": "scoring in both CRMs"}


@pytest.mark.parametrize(
    ("bant", "expected"),
    [
        ({"budget": "approved", "authority": "signs", "timeline": "Q1"}, Stage.SQL),  # need + 3 others: 4 of 4
        ({"budget": "approved", "timeline": "Q1"}, Stage.SQL),  # need, budget, timeline: 3 of 4
        ({"budget": "approved"}, Stage.LEAD),  # need + budget: 2 of 4
    ],
)
def test_bant_three_of_four_with_known_profile(bant: dict, expected: Stage) -> None:
    assert stage_of({**PROFILE, **bant}, [])[0] == expected


def test_bant_without_known_profile_is_not_sql() -> None:
    fields = {**PROFILE, "budget": "yes", "authority": "yes", "timeline": "Q1", "pain_points": None}
    assert stage_of(fields, [])[0] == Stage.LEAD


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"email": "bo@competitor.io"}, "Works for a competitor"),
        ({"job_title": "MBA Student"}, "Student or intern, not a buyer"),
        ({"do_not_contact": True}, "Asked not to be contacted"),
        ({"country": "KP"}, "Outside the countries we sell to"),
    ],
)
def test_disqualifiers_block_mql_and_sql_and_zero_the_score(fields: dict, reason: str) -> None:
    acts = [activity("demo_request", 1, "dr"), activity("visit", 1, "v1"), activity("visit", 2, "v2")]
    q = qualify(contact(**{**GOOD_FIT, **fields}), acts, default_model(), NOW)
    assert q.disqualified and q.disqualified_reason == reason
    assert q.score == 0 and q.stage == Stage.LEAD
    assert q.summary.startswith(f"Disqualified: {reason}")
    assert q.reasons[0].axis == "disqualifier"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"has_open_deal": True}, Stage.OPPORTUNITY),
        ({"has_won_deal": True, "has_open_deal": True}, Stage.CUSTOMER),
        ({"crm_stage": Stage.EVANGELIST}, Stage.EVANGELIST),
        ({"crm_stage": Stage.OPPORTUNITY}, Stage.OPPORTUNITY),
    ],
)
def test_opportunity_and_customer_only_from_crm_facts(fields: dict, expected: Stage) -> None:
    assert stage_of({**MODEST_FIT, **fields}, [])[0] == expected


def test_forward_only_keeps_a_higher_previous_stage() -> None:
    stage, why = stage_of(MODEST_FIT, [activity("visit", 1, "v")], previous=Stage.SQL)
    assert stage == Stage.SQL and why.startswith("kept at SQL")


def test_crm_stage_counts_as_previous_when_store_has_none() -> None:
    assert stage_of({**MODEST_FIT, "crm_stage": Stage.MQL}, [activity("visit", 1)])[0] == Stage.MQL


def test_recycle_quiet_mql_back_to_lead_with_audit_reason() -> None:
    q = qualify(contact(**MODEST_FIT), [activity("visit", 120, "old")], default_model(), NOW, Stage.MQL)
    assert q.stage == Stage.LEAD
    assert q.stage_reason == "recycled: MQL with no engagement in 90 days goes back to nurture"
    recycle = q.reasons[-1]
    assert recycle.axis == "stage" and recycle.rule == "quiet_mql" and "from mql to lead" in recycle.evidence


def test_recycle_does_not_fire_for_an_active_mql() -> None:
    q = qualify(contact(**MODEST_FIT), [activity("visit", 10, "recent")], default_model(), NOW, Stage.MQL)
    assert q.stage == Stage.MQL


def test_recycle_never_touches_sql() -> None:
    q = qualify(contact(**MODEST_FIT), [], default_model(), NOW, Stage.SQL)
    assert q.stage == Stage.SQL
