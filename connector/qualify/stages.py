"""Lifecycle stages: which stage the evidence supports, never lower than before unless a recycle rule fires.

Paths into lead, MQL and SQL come from the scoring model; opportunity and customer only from CRM facts
(open and won deals, or the CRM's own stage), so the core never computes them down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from connector.model import Reason, Stage
from connector.qualify.block import Block
from connector.qualify.conditions import Condition
from connector.qualify.facts import Facts

COMPUTED_STAGES = (Stage.SQL, Stage.MQL, Stage.LEAD)


@dataclass(frozen=True, eq=False)
class StagePath:
    """One way into a stage, e.g. MQL by "visited the site at least twice"."""

    stage: Stage
    name: str
    label: str
    condition: Condition


@dataclass(frozen=True, eq=False)
class RecycleRule:
    """An explicit, audited way back: from one of ``from_stages`` to ``to`` when ``condition`` holds."""

    name: str
    label: str
    from_stages: frozenset[Stage]
    to: Stage
    condition: Condition


class StageDecision(NamedTuple):
    """The stage, why, and the recycle rule's reason when one moved the contact back."""

    stage: Stage
    reason: str
    recycle: Reason | None = None


def decide_stages(
    block: Block, paths: tuple[StagePath, ...], recycle: tuple[RecycleRule, ...],
    previous: Sequence[Stage | None], lead_has_paths: bool,
) -> list[StageDecision]:
    """The stage for each contact of a block whose scores are already in it. ``paths`` run highest stage
    first; ``previous`` is each contact's stage before (None: none known)."""
    held = [path.condition.test_block(block).tolist() for path in paths]
    recycled: list[list[bool]] | None = None  # decided for the block when a first contact would go back
    start = (Stage.SUBSCRIBER, "no lead criteria met") if lead_has_paths else (Stage.LEAD, "known contact")
    decisions = []
    for row, facts in enumerate(block.facts):
        contact = facts.contact
        computed, why = _from_crm_facts(contact.has_won_deal, contact.has_open_deal, contact.crm_stage)
        if computed is None:
            computed, why = start
            disqualified = facts.disqualified
            for path, verdicts in zip(paths, held, strict=True):
                if disqualified and path.stage > Stage.LEAD:
                    continue
                if path.stage > computed and verdicts[row]:
                    computed, why = path.stage, path.label
                    break
            if disqualified and computed <= Stage.LEAD:
                why = "disqualified: held at lead" if computed == Stage.LEAD else why
        before = previous[row]
        if before is None or computed >= before:
            decisions.append(StageDecision(computed, why))
            continue
        if recycled is None:
            recycled = [rule.condition.test_block(block).tolist() for rule in recycle]
        decisions.append(_recycle_or_keep(facts, row, computed, why, before, recycle, recycled))
    return decisions


def _recycle_or_keep(facts: Facts, row: int, computed: Stage, why: str, before: Stage,
                     recycle: tuple[RecycleRule, ...], recycled: list[list[bool]]) -> StageDecision:
    for rule, verdicts in zip(recycle, recycled, strict=True):
        if before in rule.from_stages and verdicts[row]:
            stage = max(rule.to, computed)
            evidence = (f"from {before.value} to {stage.value}", *rule.condition.evidence(facts))
            return StageDecision(stage, f"recycled: {rule.label}",
                                 Reason(rule.name, "stage", 0.0, evidence, None, rule.label))
    return StageDecision(before, f"kept at {before.label}: stages only move forward (evidence now: {why})")


def _from_crm_facts(won: bool, open_deal: bool, crm_stage: Stage | None) -> tuple[Stage | None, str]:
    if crm_stage is not None and crm_stage >= Stage.CUSTOMER:
        return crm_stage, f"the CRM says {crm_stage.label}"
    if won:
        return Stage.CUSTOMER, "has a closed-won deal"
    if open_deal:
        return Stage.OPPORTUNITY, "has an open deal"
    if crm_stage is Stage.OPPORTUNITY:
        return crm_stage, "the CRM says Opportunity"
    return None, ""
