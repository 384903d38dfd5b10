"""qualify(): one contact, its activities, the model and the clock in; a Qualification out. Pure.

Contacts are qualified a block at a time (``qualify_block``): the field rules, disqualifiers and stages
contact by contact, the activity rules for the whole block at once (columns.py). ``qualify`` is a block
of one, so there is one way to compute a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from connector.model import Activity, Contact, Qualification, Reason, Stage
from connector.qualify.columns import Block, score_axis
from connector.qualify.explain import summarize
from connector.qualify.facts import Facts
from connector.qualify.rules import Axis
from connector.qualify.scoring_model import ScoringModel
from connector.qualify.stages import decide_stage


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
    plan = model.plan
    facts = [Facts(contact, activities, now, plan, now_ts) for contact, activities in items]
    dq_reasons: list[Reason | None] = []
    for f in facts:
        reason = None
        for dq in model.disqualifiers:
            if dq.condition.test(f):
                reason = Reason(dq.name, "disqualifier", 0.0, dq.condition.evidence(f), None, dq.reason)
                f.disqualified = True
                break
        dq_reasons.append(reason)
    block: list[Block] = []  # built once, when an axis needs it

    def scores(axis: Axis) -> list[tuple[float, list[Reason]]]:
        if not axis.by_columns:
            return [axis.score(f) for f in facts]
        if not block:
            block.append(Block(facts, now_ts))
        return score_axis(axis, block[0])

    fit_scores = scores(model.fit)
    engagement_scores = scores(model.engagement)
    fit_weight, engagement_weight = model.fit_weight, model.engagement_weight
    version, grades, paths, recycle = model.version, model.grades, model.stage_paths, model.recycle
    lead_has_paths = model.lead_has_paths
    results = []
    for f, dq_reason, (fit_total, fit_reasons), (engagement_total, engagement_reasons) in zip(
            facts, dq_reasons, fit_scores, engagement_scores, strict=True):
        contact = f.contact
        fit = model.fit.scaled(fit_total)
        engagement = model.engagement.scaled(engagement_total)
        reasons = [dq_reason] if dq_reason is not None else []
        reasons += fit_reasons
        reasons += engagement_reasons
        score = 0 if f.disqualified else int(round(fit_weight * fit + engagement_weight * engagement))
        f.fit, f.engagement, f.score = fit, engagement, score
        previous = previous_stages.get(contact.key)
        if previous is None:
            previous = contact.crm_stage
        decision = decide_stage(f, paths, recycle, previous, lead_has_paths)
        if decision.recycle is not None:
            reasons.append(decision.recycle)
        grade = grades.grade(fit, engagement)
        disqualified_reason = dq_reason.label if dq_reason is not None else None
        results.append(Qualification(
            contact_key=contact.key,
            score=score,
            fit=fit,
            engagement=engagement,
            grade=grade,
            stage=decision.stage,
            disqualified=f.disqualified,
            disqualified_reason=disqualified_reason,
            reasons=tuple(reasons),
            summary=summarize(decision.stage, grade, score, reasons, disqualified_reason),
            model_version=version,
            computed_at=now,
            stage_reason=decision.reason,
            previous_stage=previous,
        ))
    return results
