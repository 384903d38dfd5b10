"""qualify(): one contact, its activities, the model and the clock in; a Qualification out. Pure.

Contacts are qualified a block at a time (``qualify_block``, block.py): every rule, disqualifier and
stage criterion is decided for the whole block at once; the reasons, the summary and the result are then
put together contact by contact. ``qualify`` is a block of one, so there is one way to compute a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from connector.model import Activity, Contact, Qualification, Reason, Stage
from connector.qualify.block import Block
from connector.qualify.columns import score_axis
from connector.qualify.explain import summarize
from connector.qualify.scoring_model import ScoringModel
from connector.qualify.stages import decide_stages


def qualify(
    contact: Contact,
    activities: Sequence[Activity],
    model: ScoringModel,
    now: datetime,
    previous_stage: Stage | None = None,
) -> Qualification:
    """Score and stage one contact as of ``now`` (timezone-aware).

    ``previous_stage`` is the stage last set (from the store); when None the CRM's current stage counts.
    The stage never goes below it unless one of the model's recycle rules fires.
    """
    if now.tzinfo is None:
        raise ValueError("qualify() needs a timezone-aware 'now' (UTC)")
    previous = {contact.key: previous_stage} if previous_stage is not None else {}
    return qualify_block([(contact, activities)], model, now, now.timestamp(), previous)[0]


def qualify_block(
    items: Sequence[tuple[Contact, Sequence[Activity]]],
    model: ScoringModel,
    now: datetime,
    now_ts: float,
    previous_stages: Mapping[str, Stage],
) -> list[Qualification]:
    """``qualify`` for each pair, ``now`` already checked and converted to a POSIX timestamp."""
    block = Block(items, model.plan, now, now_ts)
    disqualified_by = _disqualify(block, model)
    fit_totals, fit_reasons = score_axis(model.fit, block)
    engagement_totals, engagement_reasons = score_axis(model.engagement, block)
    block.fit = fit = model.fit.scaled_block(fit_totals)
    block.engagement = engagement = model.engagement.scaled_block(engagement_totals)
    weighted = np.rint(model.fit_weight * fit + model.engagement_weight * engagement).astype(np.int64)
    block.score = np.where(block.disqualified, 0, weighted)
    get = previous_stages.get
    previous = [stage if (stage := get(c.key)) is not None else c.crm_stage for c in block.contacts]
    decisions = decide_stages(block, model.stage_paths, model.recycle, previous, model.lead_has_paths)
    grades = model.grades.grade_block(fit, engagement)
    results = []
    for contact, fit_value, engagement_value, score, disqualified, grade, dq_reason, fit_reasons_of, \
            engagement_reasons_of, decision, before in zip(
            block.contacts, fit.tolist(), engagement.tolist(), block.score.tolist(), block.disqualified.tolist(),
            grades, disqualified_by, fit_reasons, engagement_reasons, decisions, previous, strict=True):
        reasons = [dq_reason] if dq_reason is not None else []
        reasons += fit_reasons_of
        reasons += engagement_reasons_of
        stage, stage_reason, recycled = decision
        if recycled is not None:
            reasons.append(recycled)
        disqualified_reason = dq_reason.label if dq_reason is not None else None
        results.append(Qualification(  # in field order: this runs for every contact
            contact.key, score, fit_value, engagement_value, grade, stage, disqualified, disqualified_reason,
            tuple(reasons), summarize(stage, grade, score, reasons, disqualified_reason), model.version, now,
            stage_reason, before))
    block.release()
    return results


def _disqualify(block: Block, model: ScoringModel) -> list[Reason | None]:
    """Each contact's disqualifier reason (the first of the model's that holds), or None; marks them."""
    reasons: list[Reason | None] = [None] * block.size
    if not model.disqualifiers:
        return reasons
    held = [dq.condition.test_block(block) for dq in model.disqualifiers]
    hit = np.logical_or.reduce(held)
    held_lists = [verdicts.tolist() for verdicts in held]
    for row in hit.nonzero()[0].tolist():
        facts = block.facts(row)
        for dq, verdicts in zip(model.disqualifiers, held_lists, strict=True):
            if verdicts[row]:
                reasons[row] = Reason(dq.name, "disqualifier", 0.0, dq.condition.evidence(facts), None, dq.reason)
                break
    block.disqualified = hit
    return reasons
