"""Scoring model YAML: located errors with suggestions, contradictory thresholds, version hashing."""

from __future__ import annotations

import textwrap

import pytest
from support.core import MINIMAL_STAGES

from connector.errors import ConfigError
from connector.mapping.shipped import shipped_mapping
from connector.qualify import load_model

BASE = """\
fit:
  groups:
    - name: g
      rules:
        - {rule}
engagement: {{groups: []}}
"""


def error_for(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_model("bad.yaml", text=textwrap.dedent(text))
    return info.value


@pytest.mark.parametrize(
    ("rule", "line", "key", "fragment", "suggestion"),
    [
        ("{name: r, points: 5, feild: country, equals: US}", 5, "fit.groups[0].rules[0].feild", "unknown key",
         "field"),
        ("{name: r, points: 5, field: contry, equals: US}", 5, "fit.groups[0].rules[0].field", "unknown field",
         "country"),
        ("{name: r, points: 5, field: country, equal: US}", 5, "fit.groups[0].rules[0].equal", "unknown key",
         "equals"),
        ("{name: r, points: lots, field: country, equals: US}", 5, "fit.groups[0].rules[0].points",
         "points must be a number", None),
        ("{name: r, points: 5, field: job_title, regex: '(unclosed'}", 5, "fit.groups[0].rules[0].regex",
         "invalid regular expression", None),
        ("{name: r, points: 5, field: company_size, between: [500, 50]}", 5, "fit.groups[0].rules[0].between",
         "lower bound 500 is above upper bound 50", None),
        ("{name: r, points: 5, field: company_size, gte: 500, lte: 50}", 5, "fit.groups[0].rules[0]",
         "contradictory range", None),
        ("{name: r, points: 5, field: country}", 5, "fit.groups[0].rules[0]", "needs a test", None),
        ("{points: 5, field: country, equals: US}", 5, "fit.groups[0].rules[0]", "missing 'name'", None),
        ("{name: r, points: 5, activity: {kind: visit}}", 5, "fit.groups[0].rules[0].activity",
         "activity rules belong under engagement", None),
    ],
)
def test_rule_errors_are_located_with_suggestions(rule, line, key, fragment, suggestion) -> None:
    err = error_for(BASE.format(rule=rule) + MINIMAL_STAGES)
    assert err.location is not None
    assert (err.location.file, err.location.line, err.location.key) == ("bad.yaml", line, key)
    assert fragment in err.message
    assert err.suggestion == suggestion
    assert str(err).startswith(f"bad.yaml:{line}: {key}: ")


def test_unknown_activity_kind_suggests_nearest() -> None:
    text = """\
fit: {groups: []}
engagement:
  groups:
    - name: web
      rules:
        - name: views
          points: 1
          activity: {kind: page_veiw}
stages:
  mql: [{name: m, score: {gte: 50}}]
"""
    err = error_for(text)
    assert err.location.line == 8 and err.location.key == "engagement.groups[0].rules[0].activity.kind"
    assert err.suggestion == "page_view"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("grades: {fit: {A: 30, B: 60}}", "contradictory thresholds: A (30) must be above B (60)"),
        ("grades: {engagement: {'1': 20, '2': 40}}", "contradictory thresholds: 1 (20) must be above 2 (40)"),
        ("weights: {fit: 0, engagement: 0}", "weights cannot both be 0"),
        ("recycle: [{name: back, from: lead, to: mql, score: {lte: 10}}]", "recycle must move back"),
        ("engagement_decay: 3", "unknown key 'engagement_decay'"),
    ],
)
def test_contradictions_and_unknown_sections(extra: str, fragment: str) -> None:
    text = BASE.format(rule="{name: r, points: 5, field: country, equals: US}") + MINIMAL_STAGES + extra + "\n"
    assert fragment in error_for(text).message


def test_stage_that_only_crm_facts_can_set() -> None:
    text = BASE.format(rule="{name: r, points: 5, field: country, equals: US}") + """
stages:
  mql: [{name: m, score: {gte: 50}}]
  customer: [{name: c, score: {gte: 90}}]
"""
    err = error_for(text)
    assert "only from CRM facts" in err.message and err.location.key == "stages.customer"


def test_yaml_syntax_error_has_a_line() -> None:
    err = error_for("fit:\n  groups: [\n    - name: x\n")
    assert "invalid YAML" in err.message and err.location.line is not None


def test_missing_mql_path() -> None:
    err = error_for(BASE.format(rule="{name: r, points: 5, field: country, equals: US}") + "stages: {lead: []}\n")
    assert "no way into MQL" in err.message


def test_duplicate_rule_names() -> None:
    text = """\
fit:
  groups:
    - name: g
      rules:
        - {name: r, points: 5, field: country, equals: US}
        - {name: r, points: 5, field: country, equals: DE}
engagement: {groups: []}
""" + MINIMAL_STAGES
    err = error_for(text)
    assert "duplicate name 'r'" in err.message and err.location.line == 6


def test_version_ignores_comments_and_layout_but_not_rules() -> None:
    original = shipped_mapping("scoring.yaml").read_text()
    base = load_model("a.yaml", text=original).version
    reformatted = "# a new comment\n" + original.replace("  fit: 0.5\n", "  fit: 0.5   # same weight\n")
    assert load_model("b.yaml", text=reformatted).version == base
    changed = original.replace("points: 30\n", "points: 31\n", 1)
    assert load_model("c.yaml", text=changed).version != base
    assert len(base) == 12


def test_shipped_model_loads() -> None:
    model = load_model()
    assert model.name == "default-b2b" and model.decays
