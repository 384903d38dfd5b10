"""The write plan: only changed values, each field's policy, companions never alone, batches."""

from __future__ import annotations

from typing import Any

import pytest

from connector.crm.base import FieldUpdate
from connector.mapping.schema import WriteField, WritePolicy
from connector.model import Stage
from connector.writeplan import batches, plan_contact

STAGE_MAP = {"mql": "marketingqualifiedlead", "sql": "salesqualifiedlead"}
FIELDS = (
    WriteField("score", "lb_score"),
    WriteField("grade", "lb_grade", WritePolicy.IF_EMPTY),
    WriteField("stage", "lifecyclestage", WritePolicy.FORWARD_ONLY, STAGE_MAP,
               held_stages={"marketingqualifiedlead": Stage.MQL, "salesqualifiedlead": Stage.SQL}),
    WriteField("summary", "lb_summary", WritePolicy.NEVER),
    WriteField("computed_at", "lb_scored_at"),
)
STAMP = "2026-11-01T00:00:00Z"


@pytest.mark.parametrize(
    ("desired", "current", "planned", "unchanged", "held"),
    [
        # The CRM already holds it (in its own representation: text for numbers): nothing, not even the date.
        ({"lb_score": 42, "lb_scored_at": STAMP}, {"lb_score": "42.0", "lb_scored_at": "old"}, {}, 2, 0),
        # A real change takes the companion date along.
        ({"lb_score": 43, "lb_scored_at": STAMP}, {"lb_score": "42"}, {"lb_score": 43, "lb_scored_at": STAMP}, 0, 0),
        # if_empty: only into an empty field.
        ({"lb_grade": "A1"}, {"lb_grade": ""}, {"lb_grade": "A1"}, 0, 0),
        ({"lb_grade": "A1"}, {"lb_grade": "B2"}, {}, 0, 1),
        # forward_only: up the funnel, never down, never over a stage it cannot read.
        ({"lifecyclestage": "salesqualifiedlead"}, {"lifecyclestage": "marketingqualifiedlead"},
         {"lifecyclestage": "salesqualifiedlead"}, 0, 0),
        ({"lifecyclestage": "marketingqualifiedlead"}, {"lifecyclestage": "customer"}, {}, 0, 1),
        ({"lifecyclestage": "marketingqualifiedlead"}, {"lifecyclestage": "partner-tier-2"}, {}, 0, 1),
        ({"lifecyclestage": "marketingqualifiedlead"}, {}, {"lifecyclestage": "marketingqualifiedlead"}, 0, 0),
        # never: rendered values of never-fields are not even offered (render_outputs leaves them out).
        ({"lb_summary": "x"}, {"lb_summary": "y"}, {}, 0, 1),
        # Unknown CRM value (never read) counts as empty.
        ({"lb_score": 0}, {}, {"lb_score": 0}, 0, 0),
    ],
)
def test_plan_contact(desired: dict[str, Any], current: dict[str, Any], planned: dict[str, Any],
                      unchanged: int, held: int) -> None:
    plan = plan_contact("files:contact:1", FIELDS, desired, current)
    assert (plan.values, plan.unchanged, plan.held) == (planned, unchanged, held)
    assert (plan.update is None) == (not planned)


def test_batches_cover_every_update_in_order() -> None:
    updates = [FieldUpdate(f"files:contact:{i}", {"lb_score": i}) for i in range(7)]
    sizes = [len(batch) for batch in batches(updates, 3)]
    assert sizes == [3, 3, 1]
    assert [u for batch in batches(updates, 3) for u in batch] == updates
    with pytest.raises(ValueError):
        next(batches(updates, 0))
