"""The write side: outputs rendered the CRM's way, and each field's policy against what the CRM holds."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from connector.errors import ConfigError
from connector.mapping.load import parse_mapping
from connector.mapping.render import crm_stage, render_outputs, same_value, should_write
from connector.mapping.yamlfile import load_yaml
from connector.model import Qualification, Stage

MAPPING = """\
source: hubspot
contacts:
  id: hs_object_id
  fields:
    crm_stage:
      from: lifecyclestage
      type: stage
      map: {marketingqualifiedlead: mql, salesqualifiedlead: sql, other: lead}
write:
  - {output: score, to: lb_score}
  - {output: grade, to: lb_grade, policy: if_empty}
  - {output: stage, to: lifecyclestage, policy: forward_only,
     map: {mql: marketingqualifiedlead, sql: salesqualifiedlead}}
  - {output: disqualified, to: lb_dq, map: {true: "Yes", false: "No"}}
  - {output: disqualified_reason, to: lb_dq_reason}
  - {output: computed_at, to: lb_scored_at}
  - {output: model_version, to: lb_model, policy: never}
"""


@pytest.fixture(scope="module")
def mapping():
    return parse_mapping(load_yaml("hubspot.yaml", textwrap.dedent(MAPPING)), "hubspot")


def qualification(stage: Stage = Stage.MQL, disqualified: bool = False) -> Qualification:
    return Qualification(
        contact_key="hubspot:contact:1",
        score=72,
        fit=80,
        engagement=64,
        grade="A1",
        stage=stage,
        disqualified=disqualified,
        disqualified_reason="Works for a competitor" if disqualified else None,
        reasons=(),
        summary="MQL · A1 · score 72",
        model_version="abc123",
        computed_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
    )


def test_render_outputs_applies_value_maps(mapping):
    assert render_outputs(qualification(), mapping) == {
        "lb_score": 72,
        "lb_grade": "A1",
        "lifecyclestage": "marketingqualifiedlead",
        "lb_dq": "No",
        "lb_dq_reason": None,
        "lb_scored_at": "2026-11-01T09:30:00Z",
    }  # lb_model is policy never: not rendered


def test_render_passes_unmapped_values_through(mapping):
    values = render_outputs(qualification(Stage.LEAD, disqualified=True), mapping)
    assert values["lifecyclestage"] == "lead"
    assert values["lb_dq"] == "Yes"
    assert values["lb_dq_reason"] == "Works for a competitor"


@pytest.mark.parametrize(
    ("new", "current", "same"),
    [
        (72, "72", True), (72, "72.0", True), (72, 72.0, True), (72, "73", False), (True, "true", True),
        (False, "no", True), (True, "false", False), (None, "", True), (None, "  ", True), ("", None, True),
        ("A1", " A1 ", True), ("A1", "a1", False), (72, None, False), (None, "x", False), (72, "n/a", False),
    ],
)
def test_same_value(new, current, same):
    assert same_value(new, current) is same


@pytest.mark.parametrize(
    ("new", "current", "same"),
    [
        (72, 72, True), (72, 73, False), (0.5, 0.5, True), (0.5, 0.25, False), (2**53, 2**53 + 1, True),
        (float("nan"), float("nan"), False), (float("inf"), float("inf"), False), (1.0, float("inf"), False),
    ],
)
def test_same_value_of_two_numbers_is_that_of_their_text(new, current, same):
    # Numbers compare as parsed from text (e.g. from a CSV); two numbers of one type decide the same way.
    assert same_value(new, current) is same
    assert same_value(new, str(current)) is same


def fields(mapping):
    return {w.to: w for w in mapping.write}


@pytest.mark.parametrize(
    ("target", "new", "current", "write"),
    [
        ("lb_score", 72, "70", True),  # overwrite
        ("lb_score", 72, "72", False),  # unchanged
        ("lb_grade", "A1", None, True),  # if_empty, empty
        ("lb_grade", "A1", "B2", False),  # if_empty, held
        ("lifecyclestage", "salesqualifiedlead", "marketingqualifiedlead", True),  # forward
        ("lifecyclestage", "marketingqualifiedlead", "salesqualifiedlead", False),  # never back
        ("lifecyclestage", "lead", "other", False),  # 'other' reads as lead through the read map: same rank
        ("lifecyclestage", "marketingqualifiedlead", "other", True),
        ("lifecyclestage", "marketingqualifiedlead", "customer", False),
        ("lifecyclestage", "marketingqualifiedlead", "", True),
        ("lifecyclestage", "marketingqualifiedlead", "partner_custom_stage", False),  # unknown: left alone
        ("lb_model", "abc", "old", False),  # never
    ],
)
def test_should_write(mapping, target, new, current, write):
    assert should_write(fields(mapping)[target], new, current) is write


def test_crm_stage_reads_back_through_both_maps(mapping):
    field = fields(mapping)["lifecyclestage"]
    assert crm_stage(field, "SalesQualifiedLead") is Stage.SQL
    assert crm_stage(field, "other") is Stage.LEAD
    assert crm_stage(field, "opportunity") is Stage.OPPORTUNITY
    assert crm_stage(field, "nonsense") is None


DATES = """\
source: hubspot
contacts:
  id: hs_object_id
  fields: {email: email}
write:
  - {output: mql_date, to: lb_mql_date}
  - {output: sql_date, to: lb_sql_date}
"""


@pytest.mark.parametrize(
    ("stage", "mql_day", "sql_day"),
    [(Stage.LEAD, None, None), (Stage.MQL, "2026-11-01", None), (Stage.SQL, "2026-11-01", "2026-11-01"),
     (Stage.CUSTOMER, "2026-11-01", "2026-11-01")],
)
def test_first_reached_dates_render_the_day_once_the_stage_is_reached(stage, mql_day, sql_day):
    dates = parse_mapping(load_yaml("dates.yaml", DATES), "hubspot")
    assert render_outputs(qualification(stage), dates) == {"lb_mql_date": mql_day, "lb_sql_date": sql_day}


def test_first_reached_dates_are_kept_by_default_and_refuse_overwrite():
    dates = parse_mapping(load_yaml("dates.yaml", DATES), "hubspot")
    mql_field = next(f for f in dates.write if f.output == "mql_date")
    assert should_write(mql_field, "2026-11-01", None)
    assert not should_write(mql_field, "2026-11-05", "2026-11-01")
    overwrite = DATES.replace("to: lb_mql_date}", "to: lb_mql_date, policy: overwrite}")
    with pytest.raises(ConfigError) as info:
        parse_mapping(load_yaml("dates.yaml", overwrite), "hubspot")
    assert "dates.yaml:6" in str(info.value) and "if_empty" in str(info.value)
