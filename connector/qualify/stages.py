"""Lifecycle stages: which stage the evidence supports, never lower than before unless a recycle rule fires.

Paths into lead, MQL and SQL come from the scoring model; opportunity and customer only from CRM facts
(open and won deals, or the CRM's own stage), so the core never computes them down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from connector.model import Reason, Stage
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


def decide_stage(
    facts: Facts, paths: tuple[StagePath, ...], recycle: tuple[RecycleRule, ...], previous: Stage | None,
    lead_has_paths: bool,
) -> StageDecision:
    """The stage for a contact whose scores are already in ``facts``. ``paths`` run highest stage first."""
    contact = facts.contact
    computed, why = _from_crm_facts(contact.has_won_deal, contact.has_open_deal, contact.crm_stage)
    if computed is None:
        computed, why = (Stage.SUBSCRIBER, "no lead criteria met") if lead_has_paths else (
            Stage.LEAD, "known contact")
        for path in paths:
            if facts.disqualified and path.stage > Stage.LEAD:
                continue
            if path.stage > computed and path.condition.test(facts):
                computed, why = path.stage, path.label
                break
        if facts.disqualified and computed <= Stage.LEAD:
            why = "disqualified: held at lead" if computed == Stage.LEAD else why
    if previous is None or computed >= previous:
        return StageDecision(computed, why)
    for rule in recycle:
        if previous in rule.from_stages and rule.condition.test(facts):
            stage = max(rule.to, computed)
            evidence = (f"from {previous.value} to {stage.value}", *rule.condition.evidence(facts))
            return StageDecision(stage, f"recycled: {rule.label}",
                                 Reason(rule.name, "stage", 0.0, evidence, None, rule.label))
    return StageDecision(previous, f"kept at {previous.label}: stages only move forward (evidence now: {why})")


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
