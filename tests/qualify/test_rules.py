"""Field and activity rules: operators, negative points, caps per rule and group, decay, windows."""

from __future__ import annotations

import pytest
from support.core import MINIMAL_STAGES, NOW, activity, contact, default_model, model_from

from connector.qualify import qualify


def fit_model(rule: str) -> str:
    return f"""
fit:
  groups:
    - name: g
      rules:
        - {rule}
engagement: {{groups: []}}
{MINIMAL_STAGES}"""


@pytest.mark.parametrize(
    ("rule", "fields", "fires"),
    [
        ("{name: r, points: 10, field: country, equals: us}", {"country": "US"}, True),
        ("{name: r, points: 10, field: country, equals: us}", {"country": "DE"}, False),
        ("{name: r, points: 10, field: country, equals: us}", {}, False),
        ("{name: r, points: 10, field: country, not_equals: us}", {"country": "DE"}, True),
        ("{name: r, points: 10, field: industry, in: [SaaS, Software]}", {"industry": "saas"}, True),
        ("{name: r, points: 10, field: industry, not_in: [Education]}", {"industry": "Retail"}, True),
        ("{name: r, points: 10, field: job_title, contains: market}", {"job_title": "VP Marketing"}, True),
        ("{name: r, points: 10, field: job_title, contains: [sales, revops]}", {"job_title": "Head of RevOps"}, True),
        ("{name: r, points: 10, field: job_title, regex: '^vp\\b'}", {"job_title": "VP Sales"}, True),
        ("{name: r, points: 10, field: job_title, regex: '^vp\\b'}", {"job_title": "SVP Sales"}, False),
        ("{name: r, points: 10, field: company_size, between: [50, 500]}", {"company_size": 50}, True),
        ("{name: r, points: 10, field: company_size, between: [50, 500]}", {"company_size": 501}, False),
        ("{name: r, points: 10, field: company_size, gte: 100, lt: 200}", {"company_size": 199}, True),
        ("{name: r, points: 10, field: company_size, gt: 100}", {"company_size": 100}, False),
        ("{name: r, points: 10, field: company_size, lte: 10}", {}, False),
        ("{name: r, points: 10, field: phone, present: true}", {"phone": "+1 555"}, True),
        ("{name: r, points: 10, field: phone, present: true}", {"phone": "  "}, False),
        ("{name: r, points: 10, field: phone, absent: true}", {}, True),
        ("{name: r, points: 10, field: email_domain, in: [gmail.com]}", {"email": "a@GMail.com"}, True),
        ("{name: r, points: 10, field: attributes.plan, equals: pro}", {"attributes": {"plan": "Pro"}}, True),
        ("{name: r, points: 10, field: sales_accepted, equals: true}", {"sales_accepted": True}, True),
        ("{name: r, points: 10, field: sales_accepted, equals: true}", {"sales_accepted": False}, False),
    ],
)
def test_field_operators(rule: str, fields: dict, fires: bool) -> None:
    q = qualify(contact(**fields), [], model_from(fit_model(rule)), NOW)
    assert q.fit == (10 if fires else 0)
    assert [r.rule for r in q.reasons] == (["r"] if fires else [])


def test_negative_points_lower_fit_but_not_below_zero() -> None:
    model = model_from(f"""
fit:
  groups:
    - name: g
      rules:
        - {{name: plus, points: 30, field: country, equals: US}}
        - {{name: minus, points: -20, field: email_domain, in: [gmail.com]}}
engagement: {{groups: []}}
{MINIMAL_STAGES}""")
    assert qualify(contact(country="US", email="a@gmail.com"), [], model, NOW).fit == 10
    only_minus = qualify(contact(email="a@gmail.com"), [], model, NOW)
    assert only_minus.fit == 0
    assert [(r.rule, r.points) for r in only_minus.reasons] == [("minus", -20)]


ENGAGEMENT = """
fit: {{groups: []}}
engagement:
  decay: {decay}
  groups:
    - name: web
      {group_cap}
      rules:
        - {{name: views, label: Viewed pages, points: 10, {rule_extra} activity: {activity}}}
        - {{name: pricing, points: 20, activity: {{kind: page_view, url_contains: /pricing}}}}
"""


def eng_model(decay: str = "none", group_cap: str = "", rule_extra: str = "",
              activity: str = "{kind: page_view}") -> str:
    text = ENGAGEMENT.format(decay=decay, group_cap=group_cap, rule_extra=rule_extra, activity=activity)
    return text + MINIMAL_STAGES


def test_points_per_activity_and_rule_cap() -> None:
    model = model_from(eng_model(rule_extra="cap: 25,"))
    acts = [activity("page_view", d, url="/blog/x") for d in (1, 2, 3)]
    q = qualify(contact(), acts, model, NOW)
    (reason,) = q.reasons
    assert reason.points == 25  # 3 x 10, capped at 25
    assert reason.label == "Viewed pages ×3"
    assert len(reason.evidence) == 3 and reason.evidence[0].startswith("page_view-1 page_view 2026-10-31")


def test_group_cap_scales_reasons_so_they_add_up() -> None:
    model = model_from(eng_model(group_cap="cap: 30"))
    acts = [activity("page_view", 1, "a", url="/pricing"), activity("page_view", 2, "b", url="/pricing")]
    q = qualify(contact(), acts, model, NOW)
    points = {r.rule: r.points for r in q.reasons}
    # raw: views 20, pricing 40 -> 60, capped to 30 proportionally
    assert points == {"views": 10.0, "pricing": 20.0}
    assert q.engagement == 30


@pytest.mark.parametrize(
    ("decay", "days_ago", "expected"),
    [
        ("{half_life_days: 30}", 0, 10.0),
        ("{half_life_days: 30}", 30, 5.0),
        ("{half_life_days: 30}", 60, 2.5),
        ("{linear_days: 100}", 25, 7.5),
        ("{linear_days: 100}", 150, 0.0),
        ("{window_days: 90}", 89, 10.0),
        ("{window_days: 90}", 91, 0.0),
        ("none", 400, 10.0),
        ("{half_life_days: 30}", -2, 10.0),  # clock skew: a future activity counts fully
    ],
)
def test_decay(decay: str, days_ago: float, expected: float) -> None:
    model = model_from(eng_model(decay=decay))
    q = qualify(contact(), [activity("page_view", days_ago, url="/docs")], model, NOW)
    assert sum(r.points for r in q.reasons if r.rule == "views") == pytest.approx(expected, abs=0.05)


def test_detail_filters_and_within_days() -> None:
    model = model_from(eng_model(activity="{kind: form_submission, detail: {form: demo-request}, within_days: 7}"))
    acts = [
        activity("form_submission", 1, "f1", form="Demo-Request"),
        activity("form_submission", 2, "f2", form="newsletter"),
        activity("form_submission", 10, "f3", form="demo-request"),
    ]
    (reason,) = qualify(contact(), acts, model, NOW).reasons
    assert reason.points == 10 and [a.source_id for a in reason.activities] == ["f1"]


def test_at_least_and_once() -> None:
    model = model_from(eng_model(rule_extra="at_least: 3, once: true,"))
    two = [activity("page_view", d, url="/x") for d in (1, 2)]
    assert qualify(contact(), two, model, NOW).reasons == ()
    three = [*two, activity("page_view", 3, url="/x")]
    (reason,) = qualify(contact(), three, model, NOW).reasons
    assert reason.points == 10 and reason.count == 3


def test_rollup_signals_count_when_no_events() -> None:
    # HubSpot gives only the number of visits: each undated visit counts at rollup_factor (0.5) x 2 points.
    q = qualify(contact(signals={"visit": 4}), [], default_model(), NOW)
    visits = next(r for r in q.reasons if r.rule == "site_visits")
    assert visits.points == 4.0 and "rollup" in visits.evidence[-1]
