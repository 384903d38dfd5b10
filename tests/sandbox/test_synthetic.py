"""Synthetic CRM data: deterministic, internally consistent, realistic in mix, and with signal to find."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from connector.model import Activity, ActivityKind, Contact, Stage
from connector.sandbox.synthetic import (
    ACTIVITY_WINDOW_DAYS,
    COMPETITOR_DOMAINS,
    DEFAULT_NOW,
    OUTCOMES,
    PERSONAL_EMAIL_DOMAINS,
    Person,
    people,
    person,
    to_common,
)

POPULATION = 2_000


@pytest.fixture(scope="module")
def population() -> list[Person]:
    return list(people(POPULATION))


def test_same_index_and_seed_give_the_same_person() -> None:
    assert person(42) == person(42, seed=7, now=DEFAULT_NOW)


def test_another_seed_gives_another_person() -> None:
    assert person(42, seed=8) != person(42)
    assert person(42, seed=8).email != person(42).email


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    # Python's str hash is salted per process: a generator that used it would differ between runs.
    code = "from connector.sandbox.synthetic import person; print(repr(person(3)))"
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == repr(person(3)) + "\n"


def test_person_regenerated_alone_equals_the_one_in_the_stream() -> None:
    streamed = list(people(40))
    assert [p.index for p in streamed] == list(range(40))
    assert streamed == [person(i) for i in range(40)]
    assert list(people(5, start=100)) == [person(i) for i in range(100, 105)]


def test_now_moves_dates_but_not_identity() -> None:
    later = DEFAULT_NOW + timedelta(days=30)
    a, b = person(7), person(7, now=later)
    assert (a.email, a.job_title, a.propensity, a.outcome) == (b.email, b.job_title, b.propensity, b.outcome)
    assert b.created_at == a.created_at + timedelta(days=30)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        person(1, now=datetime(2026, 11, 1))


def test_dates_are_utc_and_ordered(population: list[Person]) -> None:
    window_start = DEFAULT_NOW - timedelta(days=ACTIVITY_WINDOW_DAYS)
    for p in population:
        assert p.created_at.tzinfo == UTC and p.updated_at.tzinfo == UTC
        assert p.created_at <= p.updated_at <= DEFAULT_NOW
        times = [a.occurred_at for a in p.activities]
        assert times == sorted(times)
        if times:
            assert times[0] >= max(p.created_at, window_start)
            assert times[-1] <= p.updated_at


def test_activities_have_valid_kinds_and_unique_ids(population: list[Person]) -> None:
    ids: set[str] = set()
    for p in population:
        for a in p.activities:
            ActivityKind(a.kind)  # raises on an unknown kind
            assert a.detail, f"{a.source_id} {a.kind} has no detail"
            ids.add(a.source_id)
    assert len(ids) == sum(len(p.activities) for p in population)


def test_activity_details_carry_what_rules_filter_on(population: list[Person]) -> None:
    by_kind: dict[str, list[dict[str, str]]] = {}
    for p in population:
        for a in p.activities:
            by_kind.setdefault(a.kind, []).append(a.detail)
    assert all("/pricing" in d["url"] for d in by_kind["pricing_page_view"])
    assert all(d["content_id"].startswith("ebook-") for d in by_kind["content_download"])
    assert {d["form"] for d in by_kind["form_submission"]} >= {"contact-us", "demo-request"}
    urls = {d["url"] for d in by_kind["page_view"]}
    for part in ("/pricing", "/blog/", "/docs/", "/case-studies/", "/product/"):
        assert any(part in u for u in urls), part


def test_mean_activity_count_follows_activities_mean(population: list[Person]) -> None:
    mean = sum(len(p.activities) for p in population) / len(population)
    assert mean == pytest.approx(20.0, abs=1.0)
    small = list(people(POPULATION, activities_mean=5.0))
    assert sum(len(p.activities) for p in small) / POPULATION == pytest.approx(5.0, abs=0.4)
    assert all(not p.activities for p in people(50, activities_mean=0.0))


def test_outcome_rises_with_propensity(population: list[Person]) -> None:
    ranked = sorted(population, key=lambda p: p.propensity)
    fifth = len(ranked) // 5

    def rate(group: list[Person]) -> float:
        return sum(p.outcome != "none" for p in group) / len(group)

    assert rate(ranked[-fifth:]) > 3 * rate(ranked[:fifth])


def test_outcome_rises_with_fit(population: list[Person]) -> None:
    senior = {"C-level", "VP", "Director", "Head of"}
    good = [p for p in population if p.seniority in senior and 50 <= p.company_size <= 5_000]
    poor = [p for p in population if p.seniority not in senior and not 50 <= p.company_size <= 5_000]

    def rate(group: list[Person]) -> float:
        return sum(p.outcome != "none" for p in group) / len(group)

    assert rate(good) > 2 * rate(poor)


def test_base_rates_are_realistic(population: list[Person]) -> None:
    n = len(population)
    assert {p.outcome for p in population} == set(OUTCOMES)
    assert 0.05 < sum(p.outcome == "opportunity" for p in population) / n < 0.11
    assert 0.015 < sum(p.outcome == "customer" for p in population) / n < 0.05
    both = sum(p.in_hubspot and p.in_salesforce for p in population) / n
    assert 0.16 < both < 0.24
    assert all(p.in_hubspot or p.in_salesforce for p in population)
    assert all(0.0 <= p.propensity <= 1.0 for p in population)


def test_the_awkward_cases_are_in_the_mix(population: list[Person]) -> None:
    domains = [p.email.rsplit("@", 1)[1] for p in population]
    assert any(d in PERSONAL_EMAIL_DOMAINS for d in domains)
    assert any(d in COMPETITOR_DOMAINS for d in domains)
    assert any(p.seniority == "Student" for p in population)
    assert any(p.do_not_contact for p in population)
    # Competitors and students never buy: disqualifying them must not cost real pipeline.
    assert all(p.outcome == "none" for p in population if p.seniority == "Student")
    assert len({p.email for p in population}) == len(population)


def test_bant_is_mostly_empty_and_filled_more_for_converted(population: list[Person]) -> None:
    def filled(group: list[Person]) -> float:
        return sum(p.budget is not None for p in group) / len(group)

    converted = [p for p in population if p.outcome != "none"]
    assert filled(population) < 0.3
    assert filled(converted) > 2 * filled([p for p in population if p.outcome == "none"])


@pytest.mark.parametrize(
    ("source", "object_type"), [("synthetic", "contact"), ("hubspot", "contact"), ("salesforce", "lead")]
)
def test_to_common_gives_keyed_contact_and_activities(source: str, object_type: str) -> None:
    p = next(p for p in people(200, start=1_000) if p.activities and p.outcome != "none")
    contact, activities = to_common(p, source, object_type)
    key = f"{source}:{object_type}:{p.index}"
    assert isinstance(contact, Contact) and contact.key == key
    assert (contact.email, contact.company_size, contact.do_not_contact) == (
        p.email,
        p.company_size,
        p.do_not_contact,
    )
    assert (contact.budget, contact.timeline) == (p.budget, p.timeline)
    assert contact.has_open_deal == (p.outcome == "opportunity")
    assert contact.has_won_deal == (p.outcome == "customer")
    assert contact.crm_stage in (Stage.OPPORTUNITY, Stage.CUSTOMER)
    assert "propensity" not in contact.attributes
    assert len(activities) == len(p.activities)
    for act, syn in zip(activities, p.activities, strict=True):
        assert isinstance(act, Activity) and act.contact_key == key
        assert act.kind is ActivityKind(syn.kind)
        assert (act.occurred_at, act.source_id, dict(act.detail)) == (
            syn.occurred_at,
            syn.source_id,
            syn.detail,
        )
