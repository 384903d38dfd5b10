"""Lifecycle stages: which stage the evidence supports, never lower than before unless a recycle rule fires.

Paths into lead, MQL and SQL come from the scoring model; opportunity and customer only from CRM facts
(open and won deals, or the CRM's own stage), so the core never computes them down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

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
    start = (Stage.SUBSCRIBER, "no lead criteria met") if lead_has_paths else (Stage.LEAD, "known contact")
    # The first path (highest stage first) above the starting stage that holds; a disqualified contact
    # goes no higher than lead. As arrays: paths x contacts.
    options = [(path.stage, path.label) for path in paths]
    options += [start, (Stage.LEAD, "disqualified: held at lead")]
    eligible = np.array([path.stage > start[0] for path in paths], dtype=bool)
    above_lead = np.array([path.stage > Stage.LEAD for path in paths], dtype=bool)
    disqualified = block.disqualified
    if paths:
        held = np.array([path.condition.test_block(block) for path in paths])
        held &= eligible[:, None] & ~(above_lead[:, None] & disqualified[None, :])
        choice = np.where(held.any(axis=0), held.argmax(axis=0), len(paths))
    else:
        choice = np.full(block.size, len(paths))
    if start[0] is Stage.LEAD:  # the starting stage is lead: a disqualified contact says why it stays there
        choice = np.where(disqualified & (choice == len(paths)), len(paths) + 1, choice)
    else:
        lead_paths = [i for i, path in enumerate(paths) if path.stage is Stage.LEAD]
        choice = np.where(disqualified & np.isin(choice, lead_paths), len(paths) + 1, choice)
    recycled: list[list[bool]] | None = None  # decided for the block when a first contact would go back
    decided: dict[tuple[Stage, str], StageDecision] = {}  # the same few decisions, shared
    decisions = []
    for row, (contact, chosen, before) in enumerate(zip(block.contacts, choice.tolist(), previous, strict=True)):
        if contact.has_won_deal or contact.has_open_deal or contact.crm_stage in _FROM_CRM:
            computed, why = _from_crm_facts(contact.has_won_deal, contact.has_open_deal, contact.crm_stage)
            assert computed is not None
        else:
            computed, why = options[chosen]
        if before is None or _RANK[computed] >= _RANK[before]:
            decision = decided.get((computed, why))
            if decision is None:
                decision = decided[(computed, why)] = StageDecision(computed, why)
            decisions.append(decision)
            continue
        if recycled is None:
            recycled = [rule.condition.test_block(block).tolist() for rule in recycle]
        decisions.append(_recycle_or_keep(block.facts(row), row, computed, why, before, recycle, recycled))
    return decisions


#: Stages only the CRM's facts give (deals, or the CRM's own stage).
_FROM_CRM = frozenset((Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST))
_RANK = {stage: stage.rank for stage in Stage}


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
