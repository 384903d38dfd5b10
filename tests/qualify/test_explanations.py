"""Explanations: reasons add up to the scores, evidence names fields and activities, a summary a rep reads."""

from __future__ import annotations

from support.core import NOW, activity, contact, default_model

from connector.qualify import qualify

FIELDS = {"email": "ana@acme.io", "first_name": "Ana", "job_title": "VP Marketing", "company": "Acme",
          "company_size": 300, "industry": "SaaS", "country": "US", "department": "Marketing"}


def test_reasons_add_up_to_axis_scores() -> None:
    acts = [activity("visit", d, f"v{d}", url="/pricing") for d in (1, 3, 10, 20)]
    acts += [activity("content_download", 5, "d1", content_id="ebook-scoring")]
    q = qualify(contact(**FIELDS), acts, default_model(), NOW)
    fit_total = sum(r.points for r in q.reasons if r.axis == "fit")
    eng_total = sum(r.points for r in q.reasons if r.axis == "engagement")
    assert q.fit == round(min(fit_total, 100))
    assert abs(q.engagement - eng_total) <= 1  # rounding of each reason to 0.1
    assert q.score == round(0.5 * q.fit + 0.5 * q.engagement)


def test_evidence_names_fields_and_newest_activities() -> None:
    acts = [activity("visit", d, f"v{d}", url="/pricing") for d in (1, 3, 10, 20)]
    q = qualify(contact(**FIELDS), acts, default_model(), NOW)
    by_rule = {r.rule: r for r in q.reasons}
    assert by_rule["executive_title"].evidence == ("job_title='VP Marketing'",)
    pricing = by_rule["pricing_page"]
    assert pricing.evidence == ("v1 visit 2026-10-31 /pricing", "v3 visit 2026-10-29 /pricing",
                                "v10 visit 2026-10-22 /pricing", "and 1 more")
    assert pricing.label == "Looked at pricing ×4"


def test_summary_is_one_line_with_stage_grade_score_and_top_reasons() -> None:
    acts = [activity("demo_request", 1, "dr", form="demo-request")]
    q = qualify(contact(**FIELDS), acts, default_model(), NOW)
    assert q.summary.startswith(f"SQL · {q.grade} · score {q.score}: ")
    assert "Executive title (+30)" in q.summary and "Asked for a demo" in q.summary
    assert "\n" not in q.summary


def test_summary_mentions_the_strongest_negative() -> None:
    acts = [activity("visit", 1, "v"), activity("email_bounce", 2, "b")]
    q = qualify(contact(**FIELDS), acts, default_model(), NOW)
    assert "Email bounced (-10)" in q.summary


def test_summary_without_engagement() -> None:
    q = qualify(contact(key="files:contact:9"), [], default_model(), NOW)
    assert q.summary.endswith("no scoring activity yet")


def test_as_row_is_flat_and_carries_reasons() -> None:
    q = qualify(contact(**FIELDS), [activity("visit", 1, "v1")], default_model(), NOW)
    row = q.as_row()
    assert row["key"] == "files:contact:1" and row["model_version"] == default_model().version
    assert {r["rule"] for r in row["reasons"]} >= {"executive_title", "site_visits"}
    assert row["computed_at"] == NOW.isoformat()
