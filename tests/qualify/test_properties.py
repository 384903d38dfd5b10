"""Properties of the core on the default model, with generated contacts and activities."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from support.core import NOW, default_model

from connector.model import Activity, ActivityKind, Contact, Stage
from connector.qualify import qualify, qualify_batch

NEGATIVE_KINDS = {ActivityKind.UNSUBSCRIBE, ActivityKind.EMAIL_BOUNCE}
POSITIVE_KINDS = [k for k in ActivityKind if k not in NEGATIVE_KINDS]
URLS = ["/pricing", "/blog/scoring", "/careers", "/case-studies/acme", "/docs/api", "/"]

contacts = st.builds(
    Contact,
    key=st.just("files:contact:1"),
    email=st.one_of(st.none(), st.sampled_from(["a@acme.io", "b@gmail.com", "c@competitor.io", "bad"])),
    job_title=st.one_of(st.none(), st.sampled_from(["VP Sales", "Student", "Head of RevOps", "Analyst", "CEO"])),
    company=st.one_of(st.none(), st.just("Acme")),
    company_size=st.one_of(st.none(), st.integers(0, 100_000)),
    industry=st.one_of(st.none(), st.sampled_from(["SaaS", "Retail", "Education"])),
    country=st.one_of(st.none(), st.sampled_from(["US", "DE", "KP", "BR"])),
    budget=st.one_of(st.none(), st.just("yes")),
    need=st.one_of(st.none(), st.just("yes")),
    timeline=st.one_of(st.none(), st.just("Q1")),
    sales_accepted=st.one_of(st.none(), st.booleans()),
    has_open_deal=st.booleans(),
    signals=st.dictionaries(st.sampled_from(["visit", "page_view"]), st.integers(0, 50), max_size=2),
)


def activities_of(kinds: list[ActivityKind]) -> st.SearchStrategy[list[Activity]]:
    one = st.builds(
        lambda kind, days, url, i: Activity("files:contact:1", kind, NOW - timedelta(days=days), f"a{i}",
                                            {"url": url}),
        st.sampled_from(kinds), st.floats(-2, 400), st.sampled_from(URLS), st.integers(0, 10**6),
    )
    return st.lists(one, max_size=30)


@settings(max_examples=300, deadline=None)
@given(contacts, activities_of(list(ActivityKind)), st.one_of(st.none(), st.sampled_from(list(Stage))))
def test_scores_stay_in_range_and_results_are_deterministic(contact, acts, previous) -> None:
    q = qualify(contact, acts, default_model(), NOW, previous)
    for value in (q.score, q.fit, q.engagement):
        assert 0 <= value <= 100
    assert q.grade[0] in "ABC" and q.grade[1] in "123"
    assert q == qualify(contact, list(acts), default_model(), NOW, previous)
    assert qualify_batch([(contact, acts)], default_model(), NOW, {contact.key: previous} if previous else None) == [q]


@settings(max_examples=300, deadline=None)
@given(contacts, activities_of(list(ActivityKind)), activities_of(POSITIVE_KINDS).filter(bool))
def test_adding_positive_activity_never_lowers_engagement(contact, acts, extra) -> None:
    before = qualify(contact, acts, default_model(), NOW)
    # The careers page is a negative signal whatever the kind: keep extra activities off it.
    extra = [Activity(a.contact_key, a.kind, a.occurred_at, f"x{i}", {"url": "/pricing"}) for i, a in enumerate(extra)]
    after = qualify(contact, acts + extra, default_model(), NOW)
    assert after.engagement >= before.engagement


@settings(max_examples=200, deadline=None)
@given(contacts, activities_of(list(ActivityKind)), st.sampled_from(list(Stage)))
def test_stage_never_moves_back_without_a_recycle_reason(contact, acts, previous) -> None:
    q = qualify(contact, acts, default_model(), NOW, previous)
    if q.stage < previous:
        assert q.stage_reason.startswith("recycled:")
        assert q.reasons[-1].axis == "stage"
